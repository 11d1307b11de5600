// One process per data dir: a second one would corrupt the inbox and race on the UAID.
//
// The owner holds a listening local socket named after the data dir. The kernel decides who gets it (bind is
// atomic) and releases it when the owner dies, kill -9 included: there is no stale lock to judge and take over, and
// no pid that a later, unrelated program could be holding. On Linux the name is in the abstract namespace
// (no file); on Windows it is a named pipe. Both vanish with their process. Elsewhere (macOS) a socket file in the
// data dir is used; one left behind by a killed owner is never removed here (that would be check-then-remove), the
// error names it instead. A connection to the socket answers with the owner's pid, for `status`, and, when the owner
// is a `listen`, the path of its control socket (control-socket.ts): the lock is how commands find a running agent.
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

/** A short name for the data dir: the same directory, however it is spelled, gets the same id. */
export function dataDirId(dir: string): string {
  let real: string;
  try {
    real = fs.realpathSync(dir);
  } catch {
    real = path.resolve(dir);
  }
  return createHash('sha256').update(real).digest('hex').slice(0, 32);
}

/** The socket address owning `dir`: abstract (Linux), a named pipe (Windows), else a file in the dir. */
export function lockAddress(
  dir: string,
  platform: NodeJS.Platform = process.platform,
): { address: string; file: string | null } {
  const id = dataDirId(dir);
  if (platform === 'linux') return { address: `\0push-agent/${id}`, file: null };
  if (platform === 'win32') return { address: `\\\\?\\pipe\\push-agent-${id}`, file: null };
  const file = path.join(dir, 'lock.sock');
  return { address: file, file };
}

/**
 * Takes the data dir or throws DataDirLockedError. Held until release() or the process ends. `control()` is read at
 * each connection: the control socket path to tell commands, once the owner has one.
 */
export async function lockDataDir(dir: string, opts: { control?: () => string | null } = {}): Promise<DataDirLock> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { address, file } = lockAddress(dir);
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    const control = opts.control?.() ?? null;
    socket.end(`${JSON.stringify({ pid: process.pid, ...(control ? { control } : {}) })}\n`);
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
  return (await lockHolder(dir))?.pid ?? null;
}

export interface LockHolder {
  /** -1 when the owner did not say. */
  pid: number;
  /** The owner's control socket, when it has one (a running `listen`). Anyone may read this: check before use. */
  control: string | null;
}

/** Who holds the data dir, or null when nobody does. Asks the owner over its socket (a second at most). */
export async function lockHolder(dir: string): Promise<LockHolder | null> {
  const { address } = lockAddress(dir);
  return new Promise((resolve) => {
    let buf = '';
    let connected = false;
    const socket = net.connect({ path: address }, () => {
      connected = true;
    });
    const unknown: LockHolder = { pid: -1, control: null };
    const done = (holder: LockHolder | null) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(holder);
    };
    // An owner that does not answer still owns the dir; its pid is just unknown (reported as -1).
    const timer = setTimeout(() => done(unknown), 1000);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buf += chunk;
      if (buf.length > 8192) done(unknown);
    });
    socket.on('end', () => {
      try {
        const j = JSON.parse(buf) as { pid?: unknown; control?: unknown };
        done({
          pid: typeof j.pid === 'number' && Number.isInteger(j.pid) && j.pid > 0 ? j.pid : -1,
          control: typeof j.control === 'string' && j.control.length > 0 ? j.control : null,
        });
      } catch {
        done(unknown);
      }
    });
    // Refused or absent: nobody owns it. An error after connecting still means an owner was there.
    socket.on('error', () => done(connected ? unknown : null));
  });
}
