// The inbox's thread-pool fdatasync (InboxOptions.fdatasync) as a test injects it: each call held until the test
// releases it, then the real fs.fdatasync, or failed with an errno code instead. Injected because a real fsync can be
// neither held open nor made to fail (EIO) on demand here (no device-mapper).
import fs from 'node:fs';

export function heldFdatasync() {
  const held: Array<(fail: string | null) => void> = [];
  return {
    fdatasync(fd: number, cb: (err: NodeJS.ErrnoException | null) => void): void {
      held.push((fail) =>
        fail ? cb(Object.assign(new Error(`${fail} (injected)`), { code: fail })) : fs.fdatasync(fd, cb),
      );
    },
    get waiting() {
      return held.length;
    },
    release(fail: string | null = null): void {
      held.shift()!(fail);
    },
    releaseAll(): void {
      while (held.length) held.shift()!(null);
    },
  };
}
