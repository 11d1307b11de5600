// The control socket's wire format, shared by `listen` (control-socket.ts) and the commands (control-client.ts).
// One JSON object per line each way. A request: {"id": <any JSON>, "command": "<name>", "args": {...}}; its answer
// echoes the id: {"id", "ok": true, "result": ...} or {"id", "ok": false, "error": {"code", "message"}}.
// While a request runs, `listen` may ask its client a question the command's user answers (a site's notification
// request in a `site add` window): {"id": <the request's id>, "ask": {"question": <n>, ...}}; the client replies
// {"question": <n>, "answer": <JSON>}, which is read at once, not queued behind the request it belongs to.

/** A line longer than this (bytes, newline excluded) is refused with `line-too-long` and the connection closed. */
export const MAX_LINE_BYTES = 64 * 1024;
/**
 * What a client reads of one answer from its listener (which it has checked is its own user's): `list --json` of
 * ten thousand subscriptions is several MiB, far past what a request may be.
 */
export const MAX_ANSWER_BYTES = 256 * 1024 * 1024;

export type ControlErrorCode =
  /** The line is not a JSON object. */
  | 'bad-json'
  /** No `command` string, or `args` is not an object. */
  | 'bad-request'
  | 'line-too-long'
  | 'unknown-command'
  /** The command's arguments are wrong (wrong type, bad key, label too long...). */
  | 'bad-arguments'
  | 'not-found'
  /** The push service is not reachable, or refused. */
  | 'service-unavailable'
  /** The command was understood and could not be done (the message says why). */
  | 'failed'
  /** `listen` is stopping. */
  | 'stopping'
  /** A fault in `listen` itself; the listener keeps running. */
  | 'internal';

export class ControlError extends Error {
  override name = 'ControlError';
  readonly code: ControlErrorCode;
  constructor(code: ControlErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export interface ControlRequest {
  id?: unknown;
  command: string;
  args?: Record<string, unknown>;
}

/** A question from `listen` to the client of a running request; `question` numbers it on its connection. */
export interface ControlAsk {
  question: number;
  /** What is asked; the only kind so far. */
  kind: 'notification-permission';
  origin: string;
}

/**
 * The answer to a `notification-permission` question: true (the user allowed), false (the user denied), null (not
 * asked: the command has no terminal; the request is then denied and not remembered).
 */
export type PermissionAnswer = boolean | null;

export type ControlResponse =
  | { id: unknown; ok: true; result: unknown }
  | { id: unknown; ok: false; error: { code: ControlErrorCode; message: string } };

/**
 * Splits a byte stream into lines of at most `maxBytes` (requests: MAX_LINE_BYTES). `onLine` gets each complete line;
 * `onTooLong` is called once, as soon as the buffered part of a line passes the limit (the caller then closes: the
 * stream cannot resync).
 */
export function lineSplitter(
  onLine: (line: string) => void,
  onTooLong: () => void,
  maxBytes = MAX_LINE_BYTES,
): (chunk: Buffer) => void {
  let parts: Buffer[] = [];
  let size = 0;
  let overflowed = false;
  return (chunk) => {
    if (overflowed) return;
    let start = 0;
    for (let i = chunk.indexOf(0x0a); i >= 0; i = chunk.indexOf(0x0a, start)) {
      const piece = chunk.subarray(start, i);
      if (size + piece.length > maxBytes) {
        overflowed = true;
        return onTooLong();
      }
      const line = Buffer.concat([...parts, piece]).toString('utf8');
      parts = [];
      size = 0;
      start = i + 1;
      onLine(line);
      if (overflowed) return;
    }
    const rest = chunk.subarray(start);
    if (size + rest.length > maxBytes) {
      overflowed = true;
      return onTooLong();
    }
    if (rest.length) {
      parts.push(rest);
      size += rest.length;
    }
  };
}
