// Sending one Web Push message as an application server would: web-push builds the request (aes128gcm encryption,
// VAPID, headers) and `fetch` sends it, so plain-http loopback endpoints (the local and embedded services) work as
// well as https ones; web-push's own sender only speaks https. Used by `push-agent send` and the settings window's
// test button. web-push is imported when first needed, so hosts that never send do not load it.
import fs from 'node:fs';
import path from 'node:path';
import type { SubscriptionJSON } from './subscription-record.ts';

// Not `import ... from 'node:http'`: an ES module namespace of node:http evaluates its lazy WebSocket/EventSource
// exports, which load undici, http2 and perf_hooks (~5 MiB of every process, measured; docs/architecture.md).
const { STATUS_CODES } = process.getBuiltinModule('node:http');

/** A key file or subscription that cannot be used as given; the message says what is wrong. */
export class SendInputError extends Error {
  override name = 'SendInputError';
}

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

export interface SendAnswer {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  body: string;
}

export const DEFAULT_VAPID_SUBJECT = 'mailto:push-agent@localhost';
export const VAPID_KEYS_FILE = 'vapid.json';

export class SendNetworkError extends Error {
  override name = 'SendNetworkError';
}

export interface SendOptions {
  vapid: VapidKeys;
  subject: string;
  ttl?: number | null;
  urgency?: string | null;
  topic?: string | null;
  signal?: AbortSignal;
}

/** Encrypts and sends one message; resolves with the service's answer, whatever its status. */
export async function sendOne(sub: SubscriptionJSON, payload: Buffer | null, opts: SendOptions): Promise<SendAnswer> {
  // Loaded here, not at the top: only `send` pays for web-push and its dependencies.
  const { default: webpush } = await import('web-push');
  const details = webpush.generateRequestDetails(sub, payload ?? undefined, {
    contentEncoding: 'aes128gcm',
    ...(opts.ttl != null ? { TTL: opts.ttl } : {}),
    ...(opts.urgency ? { urgency: opts.urgency as 'very-low' | 'low' | 'normal' | 'high' } : {}),
    ...(opts.topic ? { topic: opts.topic } : {}),
  });
  // VAPID signed here, not by generateRequestDetails: web-push 3.6.7 finds the audience there with url.parse(), which
  // Node 24 warns about on stderr (DEP0169) wherever web-push is bundled (the Linux package's command). The audience
  // is the endpoint's origin (RFC 8292).
  const vapid = webpush.getVapidHeaders(
    new URL(sub.endpoint).origin,
    opts.subject,
    opts.vapid.publicKey,
    opts.vapid.privateKey,
    'aes128gcm',
  );
  const headers: Record<string, string> = { Authorization: vapid.Authorization };
  for (const [name, value] of Object.entries(details.headers)) {
    // fetch sets Content-Length from the body itself.
    if (name.toLowerCase() !== 'content-length') headers[name] = String(value);
  }
  let res: Response;
  try {
    res = await fetch(details.endpoint, {
      method: details.method,
      headers,
      ...(details.body ? { body: new Uint8Array(details.body) } : {}),
      redirect: 'manual',
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  } catch (err) {
    if (opts.signal?.aborted) throw err;
    // Only the service's origin: the endpoint's path is the capability to push to this subscription.
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new SendNetworkError(
      `no answer from the push service at ${new URL(details.endpoint).origin}: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
    );
  }
  const body = await res.text();
  const out: Record<string, string> = {};
  res.headers.forEach((value, name) => (out[name] = value));
  return { status: res.status, statusText: res.statusText || STATUS_CODES[res.status] || '', headers: out, body };
}

/** The answer in one line: the status, and for anything but 201 what it means for the sender. */
export function describeAnswer(a: SendAnswer): string {
  const head = `${a.status} ${STATUS_CODES[a.status] ?? a.statusText}`.trim();
  if (a.status === 201) return head;
  const meaning: Record<number, string> = {
    404: 'the subscription has expired or was removed',
    410: 'the subscription has expired or was removed',
    401: 'the push service refused the VAPID signature',
    403: 'the push service refused the VAPID signature (an endpoint bound to an application server key needs that key pair: --vapid-keys)',
    413: 'the payload is too large for the push service (4096 bytes after encryption)',
    429: `the push service is limiting this sender${a.headers['retry-after'] ? `; retry after ${a.headers['retry-after']} s` : '; retry later'}`,
  };
  const why = meaning[a.status] ?? (a.status >= 500 ? 'the push service failed; retry later' : serviceMessage(a.body));
  return why ? `${head}: ${why}` : head;
}

/** autopush answers errors with JSON `{code, errno, error, message}`; a plain-text body is shown capped. */
function serviceMessage(body: string): string {
  let text = body;
  try {
    const j = JSON.parse(body) as { message?: unknown };
    if (typeof j.message === 'string') text = j.message;
  } catch {
    // not JSON
  }
  return text
    .replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ')
    .trim()
    .slice(0, 200);
}

/** Decoded length of a base64url string, or -1 when it is not one. */
export function b64urlLength(s: string): number {
  return /^[A-Za-z0-9_-]+=*$/.test(s) ? Buffer.from(s, 'base64url').length : -1;
}

/** `{publicKey, privateKey}` as `web-push generate-vapid-keys --json` writes them. */
export function readVapidKeys(file: string): VapidKeys {
  let j: { publicKey?: unknown; privateKey?: unknown };
  try {
    j = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof j;
  } catch (err) {
    throw new SendInputError(
      `--vapid-keys: cannot read ${file} as JSON: ${(err as NodeJS.ErrnoException).code ?? 'not JSON'}`,
    );
  }
  if (
    typeof j?.publicKey !== 'string' ||
    b64urlLength(j.publicKey) !== 65 ||
    typeof j.privateKey !== 'string' ||
    b64urlLength(j.privateKey) !== 32
  ) {
    throw new SendInputError(
      `--vapid-keys: ${file} must hold {"publicKey": <65-byte base64url>, "privateKey": <32-byte base64url>}`,
    );
  }
  return { publicKey: j.publicKey, privateKey: j.privateKey };
}

/** The data dir's own VAPID key pair, made on first use (0600; a concurrent first use keeps the first one written). */
export async function dataDirVapidKeys(dataDir: string): Promise<VapidKeys> {
  const file = path.join(dataDir, VAPID_KEYS_FILE);
  if (!fs.existsSync(file)) {
    const { default: webpush } = await import('web-push');
    const keys = webpush.generateVAPIDKeys();
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    try {
      fs.writeFileSync(file, JSON.stringify(keys), { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  return readVapidKeys(file);
}
