// The control socket of a running `listen`: the other commands send it their work (control-protocol.ts) instead of
// opening the data dir that `listen` owns.
//
// Only its user may connect. On Linux the data-dir lock is an abstract socket, which has no file mode, and Node
// offers no SO_PEERCRED to check who connected; so control is a separate socket *file*, mode 0600, in a directory
// of this user's, mode 0700: `$XDG_RUNTIME_DIR/push-agent/` when set (per-user and private by definition), else
// `<tmpdir>/push-agent-<uid>/`, which is checked to be a real directory owned by this user and closed to others
// before use. The file is named after the data dir's id; the whole path stays under the ~104-byte limit of socket
// paths. On Windows it is a named pipe (pipes are not files; the default pipe ACL lets only the creator and
// administrators write). Commands find the path through the data-dir lock's answer, so `listen` and a command need
// not agree on the environment, and they check the file's owner before connecting (control-client.ts).
//
// A socket file left by a killed `listen` is removed by the next `listen` before it binds: it is called only while
// the data-dir lock is held, so nobody else can be using that name.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { dataDirId } from './data-dir-lock.ts';
import {
  ControlError,
  lineSplitter,
  MAX_LINE_BYTES,
  type ControlAsk,
  type ControlRequest,
  type ControlResponse,
} from './control-protocol.ts';

/** sockaddr_un.sun_path is 108 bytes on Linux, 104 on macOS, both with the terminating NUL. */
const MAX_SOCKET_PATH_BYTES = 103;
/** Clients at once; more wait in the kernel's backlog until one leaves. */
const MAX_CONNECTIONS = 32;
/**
 * A connection with no request running and no traffic for this long is closed. A running request (a `site add`
 * window, open as long as its user wants) keeps its connection.
 */
const IDLE_MS = 120_000;
/** Questions a request may have open on its connection at once (a site asks once per origin at a time). */
const MAX_OPEN_QUESTIONS = 16;

/** The client of a running request, for the questions its user answers (control-protocol.ts). */
export interface ControlPeer {
  /** Resolves with the client's answer (untrusted JSON); rejects when the connection closes first. */
  ask(question: Omit<ControlAsk, 'question'>): Promise<unknown>;
}

/**
 * A command's work in `listen`: gets the request's `args` (untrusted) and its client, returns the JSON result or
 * throws ControlError.
 */
export type ControlHandler = (args: Record<string, unknown>, peer: ControlPeer) => Promise<unknown>;

/** The directory for this user's control sockets. */
export function controlDir(env: NodeJS.ProcessEnv = process.env, uid: number = process.getuid?.() ?? 0): string {
  const runtime = env.XDG_RUNTIME_DIR;
  // A runtime dir that is set but absent (a su'd shell, a stale variable) is as good as unset.
  if (runtime && path.isAbsolute(runtime) && fs.existsSync(runtime)) return path.join(runtime, 'push-agent');
  return path.join(os.tmpdir(), `push-agent-${uid}`);
}

/** Where the control socket of `dataDir` lives. */
export function controlPath(
  dataDir: string,
  opts: { env?: NodeJS.ProcessEnv; platform?: NodeJS.Platform; uid?: number } = {},
): string {
  const id = dataDirId(dataDir);
  if ((opts.platform ?? process.platform) === 'win32') return `\\\\?\\pipe\\push-agent-control-${id}`;
  const dir = controlDir(opts.env, opts.uid);
  const full = path.join(dir, `${id}.sock`);
  if (Buffer.byteLength(full) <= MAX_SOCKET_PATH_BYTES) return full;
  // A deep $XDG_RUNTIME_DIR or $TMPDIR: the short form under /tmp, same checks.
  const short = path.join('/tmp', `push-agent-${opts.uid ?? process.getuid?.() ?? 0}`, `${id.slice(0, 16)}.sock`);
  return short;
}

/**
 * Makes `dir` (mode 0700) or checks the one there: a directory, not a link, owned by this user, closed to others.
 * Throws when someone else could have put it there or could look inside.
 */
export function ensurePrivateDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const st = fs.lstatSync(dir);
  const uid = process.getuid?.();
  if (!st.isDirectory() || (uid !== undefined && st.uid !== uid)) {
    throw new Error(`${dir} is not a directory of this user; not using it for the control socket`);
  }
  if ((st.mode & 0o077) !== 0) fs.chmodSync(dir, 0o700);
}

export interface ControlServer {
  readonly path: string;
  close(): Promise<void>;
}

/**
 * Binds the control socket at `socketPath` and serves `handlers`. Call only while holding the data-dir lock.
 * Requests are answered in order per connection; connections run side by side.
 */
export async function startControlServer(
  socketPath: string,
  handlers: Readonly<Record<string, ControlHandler>>,
  opts: { idleMs?: number } = {},
): Promise<ControlServer> {
  const idleMs = opts.idleMs ?? IDLE_MS;
  const isPipe = socketPath.startsWith('\\\\');
  if (!isPipe) {
    ensurePrivateDir(path.dirname(socketPath));
    // Left by a `listen` that was killed: ours to remove, since we hold the data dir (see the top of this file).
    fs.rmSync(socketPath, { force: true });
  }
  let closing = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    serve(socket);
  });
  server.maxConnections = MAX_CONNECTIONS;

  function serve(socket: net.Socket): void {
    // One request at a time per connection, so answers come back in the order asked.
    let queue = Promise.resolve();
    let running = 0;
    const write = (r: unknown) => {
      if (!socket.destroyed && socket.writable) socket.write(`${JSON.stringify(r)}\n`);
    };
    const reply = (r: ControlResponse) => write(r);
    socket.setTimeout(idleMs, () => {
      if (running > 0)
        socket.setTimeout(idleMs); // a request is running: not idle, look again later
      else socket.destroy();
    });
    // The questions the running request asked its client, by number; an answer settles one at once.
    let nextQuestion = 1;
    const questions = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
    socket.on('close', () => {
      for (const q of questions.values()) q.reject(new Error('the command that asked is gone'));
      questions.clear();
    });
    const peerFor = (id: unknown): ControlPeer => ({
      ask(question) {
        if (socket.destroyed) return Promise.reject(new Error('the command that asked is gone'));
        if (questions.size >= MAX_OPEN_QUESTIONS) return Promise.reject(new Error('too many open questions'));
        const n = nextQuestion++;
        const settled = new Promise<unknown>((resolve, reject) => questions.set(n, { resolve, reject }));
        write({ id, ask: { ...question, question: n } });
        return settled;
      },
    });
    /** An answer line: {"question": <n>, "answer": ...}, no "command". Unknown or late answers are dropped. */
    const takeAnswer = (req: unknown): boolean => {
      if (typeof req !== 'object' || req === null || Array.isArray(req) || 'command' in req || !('question' in req))
        return false;
      const { question, answer: value = null } = req as { question: unknown; answer?: unknown };
      const q = typeof question === 'number' ? questions.get(question) : undefined;
      if (q) {
        questions.delete(question as number);
        q.resolve(value);
      }
      return true;
    };
    const onData = lineSplitter(
      (line) => {
        let req: unknown;
        try {
          req = JSON.parse(line);
        } catch {
          req = undefined;
        }
        if (takeAnswer(req)) return;
        running++;
        queue = queue.then(() => answer(req, peerFor).then(reply)).finally(() => running--);
      },
      () => {
        socket.pause();
        queue = queue.then(() => {
          reply({
            id: null,
            ok: false,
            error: { code: 'line-too-long', message: `a request line is limited to ${MAX_LINE_BYTES} bytes` },
          });
          socket.end();
        });
      },
    );
    socket.on('data', onData);
  }

  /** `req` is the parsed line (undefined when it was not JSON). */
  async function answer(req: unknown, peerFor: (id: unknown) => ControlPeer): Promise<ControlResponse> {
    if (typeof req !== 'object' || req === null || Array.isArray(req)) {
      return { id: null, ok: false, error: { code: 'bad-json', message: 'a request is one JSON object per line' } };
    }
    const { id = null, command, args = {} } = req as Partial<ControlRequest>;
    if (typeof command !== 'string')
      return { id, ok: false, error: { code: 'bad-request', message: 'the request has no "command" string' } };
    if (typeof args !== 'object' || args === null || Array.isArray(args)) {
      return { id, ok: false, error: { code: 'bad-request', message: '"args" must be an object' } };
    }
    const handler = Object.hasOwn(handlers, command) ? handlers[command] : undefined;
    if (!handler)
      return {
        id,
        ok: false,
        error: { code: 'unknown-command', message: `unknown command '${command.slice(0, 40)}'` },
      };
    if (closing) return { id, ok: false, error: { code: 'stopping', message: 'the running push-agent is stopping' } };
    try {
      return { id, ok: true, result: (await handler(args as Record<string, unknown>, peerFor(id))) ?? null };
    } catch (err) {
      if (err instanceof ControlError) return { id, ok: false, error: { code: err.code, message: err.message } };
      return { id, ok: false, error: { code: 'internal', message: (err as Error)?.message ?? String(err) } };
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ path: socketPath, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', () => {});
  // The directory already keeps others out; the file mode says the same to anyone who looks.
  if (!isPipe) fs.chmodSync(socketPath, 0o600);
  // Serving commands is no reason to stay alive: `listen` has its own.
  server.unref();
  return {
    path: socketPath,
    async close() {
      if (closing) return;
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.end();
      setTimeout(() => {
        for (const s of sockets) s.destroy();
      }, 1000).unref();
      await closed;
    },
  };
}
