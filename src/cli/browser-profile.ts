// Where the agent's browser keeps its profile (the sites' service-worker registrations, caches, IndexedDB):
// `<data dir>/browser-profile`. A snap-packaged Chromium is confined: it cannot read hidden directories under $HOME
// (the default data dir is ~/.local/share/push-agent) and has a private /tmp, so for it the profile goes to the
// snap's own writable directory, ~/snap/chromium/common/push-agent/<hash of the data dir>.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface BrowserProfile {
  dir: string;
  /** Set when the profile is not in the data dir: why, for stderr. */
  note: string | null;
}

/**
 * True for a snap's Chromium: its path or a link on the way to its target is under /snap/ (/snap/bin/chromium is
 * itself a link to /usr/bin/snap, so the real path alone does not tell), or it is a wrapper script that runs one.
 */
export function isSnapBrowser(executable: string): boolean {
  try {
    let file = executable;
    for (let hops = 0; hops < 16; hops++) {
      if (file.includes('/snap/')) return true;
      if (!fs.lstatSync(file).isSymbolicLink()) break;
      file = path.resolve(path.dirname(file), fs.readlinkSync(file));
    }
    // Ubuntu's /usr/bin/chromium-browser is a small shell script that execs /snap/bin/chromium.
    const fd = fs.openSync(executable, 'r');
    try {
      const head = Buffer.alloc(4096);
      const n = fs.readSync(fd, head, 0, head.length, 0);
      const text = head.subarray(0, n).toString('latin1');
      return text.startsWith('#!') && text.includes('/snap/');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return false;
  }
}

export function browserProfile(dataDir: string, executable: string, home: string = os.homedir()): BrowserProfile {
  const inDataDir = path.join(dataDir, 'browser-profile');
  if (!isSnapBrowser(executable)) return { dir: inDataDir, note: null };
  const id = createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 16);
  const dir = path.join(home, 'snap', 'chromium', 'common', 'push-agent', id);
  return {
    dir,
    note: `${executable} is a snap-packaged Chromium, which cannot read ${inDataDir}: its profile is kept in ${dir}`,
  };
}
