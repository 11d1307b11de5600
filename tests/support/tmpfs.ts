// A real full disk for the fault suite and the soak: a small tmpfs (root only) filled to the last byte.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { tempDir } from './engine-harness.ts';

/** Mounts a tmpfs of `size` at a new directory, or says why the system refused. */
export function mountTmpfs(size: string): { dir: string; unmount(): void } | { refused: string } {
  const dir = tempDir('push-agent-tmpfs-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    return { refused: (e.stderr?.toString().trim() || e.message).split('\n')[0]! };
  }
  return {
    dir,
    unmount: () => {
      try {
        execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      } catch {
        // already gone
      }
    },
  };
}

/** Fills the file system holding `dir` to the last byte; returns the filler's path (delete it to free the space). */
export function fillDisk(dir: string): string {
  const filler = path.join(dir, 'filler');
  const fd = fs.openSync(filler, 'w');
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  try {
    for (let size = chunk.length; size >= 1;) {
      try {
        fs.writeSync(fd, chunk, 0, size);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
        size = Math.floor(size / 2);
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return filler;
}

/**
 * A tmpfs of `size` for the test `t`, unmounted when it ends; null when the system refuses the mount, the test then
 * skipped with the reason printed.
 */
export function tmpfsForTest(t: TestContext, size: string): string | null {
  const mounted = mountTmpfs(size);
  if ('refused' in mounted) {
    console.log(`SKIPPED: cannot mount a tmpfs here (${mounted.refused})`);
    t.skip(`mount refused: ${mounted.refused}`);
    return null;
  }
  t.after(() => mounted.unmount());
  return mounted.dir;
}
