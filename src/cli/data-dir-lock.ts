// One process per data dir: a second one would corrupt the inbox and race on the UAID.
// The lock file holds the owner's pid; a lock whose owner is gone (kill -9) is taken over.
import fs from 'node:fs';
import path from 'node:path';

export class DataDirLockedError extends Error {
  readonly pid: number;
  constructor(dir: string, pid: number) {
    super(`another push-agent (pid ${pid}) is using ${dir}; stop it first or use --data-dir`);
    this.name = 'DataDirLockedError';
    this.pid = pid;
  }
}

export function lockDataDir(dir: string): { release(): void } {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, 'lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx', mode: 0o600 });
      return {
        release() {
          try {
            if (fs.readFileSync(file, 'utf8') === String(process.pid)) fs.unlinkSync(file);
          } catch {
            // already gone
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = lockOwner(dir);
    if (owner !== null) throw new DataDirLockedError(dir, owner);
    fs.rmSync(file, { force: true }); // stale: its process is gone
  }
  throw new Error(`could not lock ${dir}`);
}

/** The pid holding the data dir, or null when nobody alive does. */
export function lockOwner(dir: string): number | null {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(path.join(dir, 'lock'), 'utf8'));
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? pid : null;
  }
}
