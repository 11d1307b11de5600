// A command's way to a running `listen`: found through the data-dir lock's answer, checked, then asked over the
// control socket (control-socket.ts, control-protocol.ts).
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { lockDataDir, lockHolder, DataDirLockedError, type DataDirLock } from './data-dir-lock.ts';
import {
  ControlError,
  lineSplitter,
  MAX_ANSWER_BYTES,
  type ControlAsk,
  type ControlErrorCode,
  type ControlResponse,
} from './control-protocol.ts';

/** How long a command waits for a data dir held by something other than a listening `listen` (it may be starting). */
const WAIT_FOR_OWNER_MS = 3_000;

/** Answers a question `listen` asks while a request runs (control-protocol.ts); the answer is sent back as JSON. */
export type AskHandler = (question: ControlAsk) => Promise<unknown>;

interface Waiting {
  resolve: (r: ControlResponse) => void;
  reject: (e: Error) => void;
  onAsk: AskHandler | null;
}

export class ControlClient {
  #socket: net.Socket;
  #next = 1;
  #waiting = new Map<number, Waiting>();
  #closedError: Error | null = null;

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    const fail = (err: Error) => {
      this.#closedError ??= err;
      for (const w of this.#waiting.values()) w.reject(this.#closedError);
      this.#waiting.clear();
    };
    socket.on(
      'data',
      lineSplitter(
        (line) => {
          let r: ControlResponse;
          try {
            r = JSON.parse(line) as ControlResponse;
          } catch {
            return fail(new ControlError('internal', 'the running push-agent sent an unreadable answer'));
          }
          const w = typeof r?.id === 'number' ? this.#waiting.get(r.id) : undefined;
          if (!w) return;
          if ('ask' in r) return this.#answer(w, (r as { ask: unknown }).ask);
          this.#waiting.delete(r.id as number);
          w.resolve(r);
        },
        () => fail(new ControlError('internal', 'the running push-agent sent an answer too long to read')),
        MAX_ANSWER_BYTES,
      ),
    );
    socket.on('error', (err) =>
      fail(new ControlError('failed', `lost the connection to the running push-agent (${err.message})`)),
    );
    socket.on('close', () =>
      fail(new ControlError('failed', 'the running push-agent closed the connection (did it stop?)')),
    );
  }

  /** Connects to the control socket at `socketPath` after checking that it belongs to this user. */
  static async connect(socketPath: string): Promise<ControlClient> {
    checkOwnSocket(socketPath);
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ path: socketPath }, () => {
        s.off('error', reject);
        resolve(s);
      });
      s.once('error', reject);
    });
    return new ControlClient(socket);
  }

  /**
   * Sends one request; resolves with its result or rejects with the listener's ControlError. `onAsk` answers the
   * questions the listener asks while it runs; without one they are answered null (not asked).
   */
  async request(
    command: string,
    args: Record<string, unknown> = {},
    opts: { onAsk?: AskHandler } = {},
  ): Promise<unknown> {
    if (this.#closedError) throw this.#closedError;
    const id = this.#next++;
    const answer = new Promise<ControlResponse>((resolve, reject) =>
      this.#waiting.set(id, { resolve, reject, onAsk: opts.onAsk ?? null }),
    );
    this.#socket.write(`${JSON.stringify({ id, command, args })}\n`);
    const r = await answer;
    if (r.ok) return r.result;
    const code = typeof r.error?.code === 'string' ? (r.error.code as ControlErrorCode) : 'internal';
    throw new ControlError(
      code,
      typeof r.error?.message === 'string' ? r.error.message : 'the running push-agent refused the request',
    );
  }

  #answer(w: Waiting, ask: unknown): void {
    const a = ask as Partial<ControlAsk> | null;
    if (typeof a !== 'object' || a === null || typeof a.question !== 'number') return;
    const question = a.question;
    const valid =
      a.kind === 'notification-permission' &&
      typeof a.origin === 'string' &&
      URL.canParse(a.origin) &&
      new URL(a.origin).origin === a.origin;
    const handled = valid && w.onAsk ? w.onAsk(a as ControlAsk) : Promise.resolve(null);
    void handled
      .catch(() => null)
      .then((value) => {
        if (!this.#socket.destroyed) this.#socket.write(`${JSON.stringify({ question, answer: value ?? null })}\n`);
      });
  }

  close(): void {
    this.#closedError ??= new ControlError('failed', 'closed');
    this.#socket.destroy();
  }
}

/**
 * The lock's answer can come from anyone able to bind its name first; the socket it names must be ours (a socket
 * file owned by this user, in a directory only we can write) before we send it anything.
 */
function checkOwnSocket(socketPath: string): void {
  if (socketPath.startsWith('\\\\')) return; // a named pipe: no file to look at (Windows)
  const uid = process.getuid?.();
  const refuse = (why: string) => {
    throw new ControlError('failed', `the control socket ${socketPath} ${why}; not using it`);
  };
  let st: fs.Stats;
  let dir: fs.Stats;
  try {
    st = fs.lstatSync(socketPath);
    dir = fs.lstatSync(path.dirname(socketPath));
  } catch (err) {
    return refuse(`cannot be read (${(err as NodeJS.ErrnoException).code})`);
  }
  if (!st.isSocket()) return refuse('is not a socket');
  if (uid !== undefined && (st.uid !== uid || dir.uid !== uid)) return refuse('belongs to another user');
  if ((dir.mode & 0o022) !== 0) return refuse('is in a directory others can write to');
}

/** A running `listen` to send the command to, or the data dir to work on directly (locked when asked). */
export type Route = { kind: 'listener'; client: ControlClient } | { kind: 'direct'; lock: DataDirLock | null };

/**
 * Decides where a command runs. With a `listen` holding the data dir: through its control socket. Otherwise on the
 * data dir itself: `needLock` commands take the lock (DataDirLockedError when another command keeps it past a short
 * wait), read-only ones go ahead without it.
 */
export async function routeCommand(dataDir: string, opts: { needLock: boolean }): Promise<Route> {
  const giveUpAt = Date.now() + WAIT_FOR_OWNER_MS;
  for (;;) {
    const holder = await lockHolder(dataDir);
    if (holder?.control) {
      try {
        return { kind: 'listener', client: await ControlClient.connect(holder.control) };
      } catch (err) {
        // Refused or gone: that `listen` is stopping. Ask again (the lock tells) until the wait is over.
        if (err instanceof ControlError || Date.now() >= giveUpAt) {
          throw err instanceof ControlError
            ? err
            : new ControlError('failed', `cannot reach the running push-agent (${(err as Error).message})`);
        }
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
    }
    if (!opts.needLock) return { kind: 'direct', lock: null };
    if (holder === null) {
      try {
        return { kind: 'direct', lock: await lockDataDir(dataDir) };
      } catch (err) {
        if (!(err instanceof DataDirLockedError)) throw err;
      }
    }
    // Held, without a control socket: another command (done soon) or a `listen` between its lock and its socket.
    if (Date.now() >= giveUpAt) return { kind: 'direct', lock: await lockDataDir(dataDir) }; // throws DataDirLockedError
    await new Promise((r) => setTimeout(r, 100));
  }
}
