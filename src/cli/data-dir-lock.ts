// One process per data dir: a second one would corrupt the inbox and race on the UAID.
//
// The owner holds a listening local socket named after the data dir. The kernel decides who gets it (bind is
// atomic) and releases it when the owner dies, kill -9 included: there is no stale lock to judge and take over, and
// no pid that a later, unrelated program could be holding. On Linux the name is in the abstract namespace
// (no file); on Windows it is a named pipe. Both vanish with their process. Elsewhere (macOS) a socket file in the
// data dir is used; one left behind by a killed owner is never removed here (that would be check-then-remove), the
// error names it instead. A connection to the socket answers with the owner's pid, for `status`.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export class DataDirLockedError extends Error {
  readonly pid: number | null;
  constructor(dir: string, pid: number | null, socketFile?: string) {
    super(
      pid !== null && pid > 0
        ? `another push-agent (pid ${pid}) is using ${dir}; stop it first or use --data-dir`
        : socketFile
          ? `${socketFile} is left from a push-agent that is no longer running; remove it if none is, then start again`
          : `another push-agent is using ${dir}; stop it first or use --data-dir`,
    );
    this.name = 'DataDirLockedError';
    this.pid = pid;
  }
}

export interface DataDirLock {
  release(): Promise<void>;
}

/** The socket address owning `dir`: abstract (Linux), a named pipe (Windows), else a file in the dir. */
export function lockAddress(dir: string, platform: NodeJS.Platform = process.platform): { address: string; file: string | null } {
  let real: string;
  try {
    real = fs.realpathSync(dir);
  } catch {
    real = path.resolve(dir);
  }
  const id = createHash('sha256').update(real).digest('hex').slice(0, 32);
  if (platform === 'linux') return { address: `\0push-agent/${id}`, file: null };
  if (platform === 'win32') return { address: `\\\\?\\pipe\\push-agent-${id}`, file: null };
  const file = path.join(dir, 'lock.sock');
  return { address: file, file };
}

/** Takes the data dir or throws DataDirLockedError. Held until release() or the process ends. */
export async function lockDataDir(dir: string): Promise<DataDirLock> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { address, file } = lockAddress(dir);
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    socket.end(`${JSON.stringify({ pid: process.pid })}\n`);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ path: address, exclusive: true }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    const pid = await lockOwner(dir);
    throw new DataDirLockedError(dir, pid, pid === null && file ? file : undefined);
  }
  // The lock must not keep a finished command alive; `listen` has its own reasons to stay.
  server.unref();
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      // A file socket is removed by close(); abstract names and pipes have no file.
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The pid holding the data dir, -1 when it is held but the owner did not say by whom, or null when nobody holds it.
 * Asks the owner over its socket (a second at most).
 */
export async function lockOwner(dir: string): Promise<number | null> {
  const { address } = lockAddress(dir);
  return new Promise((resolve) => {
    let buf = '';
    let connected = false;
    const socket = net.connect({ path: address }, () => {
      connected = true;
    });
    const done = (pid: number | null) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(pid);
    };
    // An owner that does not answer still owns the dir; its pid is just unknown (reported as -1).
    const timer = setTimeout(() => done(-1), 1000);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buf += chunk;
      if (buf.length > 200) done(-1);
    });
    socket.on('end', () => {
      try {
        const pid = (JSON.parse(buf) as { pid?: unknown }).pid;
        done(typeof pid === 'number' && Number.isInteger(pid) && pid > 0 ? pid : -1);
      } catch {
        done(-1);
      }
    });
    // Refused or absent: nobody owns it. An error after connecting still means an owner was there.
    socket.on('error', () => done(connected ? -1 : null));
  });
}
