// Logging. Nothing sensitive is ever logged: callers pass ids and kinds, never keys, auth secrets, endpoints or
// payloads. `redact` is the last line of defence for values that might carry one (URLs, error messages).
import type { Logger } from './ports.ts';

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** A JSON-lines logger to a writable (stderr by default for the CLI). */
export function streamLogger(
  write: (line: string) => void,
  minLevel: 'debug' | 'info' | 'warn' | 'error' = 'info',
): Logger {
  const order = { debug: 0, info: 1, warn: 2, error: 3 } as const;
  const emit = (level: keyof typeof order) => (msg: string, fields?: Record<string, unknown>) => {
    if (order[level] < order[minLevel]) return;
    write(JSON.stringify({ t: new Date().toISOString(), level, msg, ...redactFields(fields) }) + '\n');
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

const ENDPOINT_PATH = /\/(wpush\/v[12]|spush\/v1|m)\/[A-Za-z0-9_\-=]+/g;
const LONG_B64 = /[A-Za-z0-9_\-+/]{40,}={0,2}/g;

/** Removes endpoint tokens and long base64 runs (keys, secrets, payloads) from free text. */
export function redact(text: string): string {
  return text.replace(ENDPOINT_PATH, '/$1/<redacted>').replace(LONG_B64, '<redacted>');
}

function redactFields(fields?: Record<string, unknown>): Record<string, unknown> {
  if (!fields) return {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) out[k] = typeof v === 'string' ? redact(v) : v;
  return out;
}

/** A URL as shown to people and logs: no user name, password, query or fragment (any could be a credential). */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}${u.search || u.hash ? '…' : ''}`;
  } catch {
    return '<not a URL>';
  }
}

/** What to log about an error: its typed kind or system code, never its message (which can quote the payload). */
export function errorKind(err: unknown): string {
  const e = err as { kind?: unknown; code?: unknown; name?: unknown } | null;
  if (e && typeof e.kind === 'string') return e.kind;
  if (e && typeof e.code === 'string') return e.code;
  if (e && typeof e.name === 'string') return e.name;
  return 'unknown';
}
