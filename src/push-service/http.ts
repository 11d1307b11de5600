// The application-server side (RFC 8030 as autopush deploys it): POST /wpush/v1|v2/<token>,
// DELETE /m/<id>, and legacy PUT /spush/v1/<token>. Validation order follows autopush: body size, token, VAPID
// header, subscription, JWT, then the notification headers.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, sendError } from './http-errors.ts';
import { parseParams, stripHeaderValue } from './header-params.ts';
import type { Hub } from './hub.ts';
import { TokenCodec, type EndpointToken } from './tokens.ts';
import { isUrgency, type StoredMessage, type Urgency } from './types.ts';
import { parseVapidHeaders, verifyVapidJwt } from './vapid.ts';

const STORAGE_REFUSALS = {
  'channel-full': 'Too many undelivered messages for this subscription',
  'uaid-full': 'Too many undelivered messages for this user agent',
  'store-full': 'Message storage is full',
} as const;

const TOPIC = /^[A-Za-z0-9_-]{1,32}$/;
const BASE64URL_VALUE = /^[0-9A-Za-z_-]+=*$/;

export function createRequestHandler(hub: Hub): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    req.on('error', () => res.destroy());
    res.on('error', () => {});
    handle(hub, req, res).catch((err: unknown) => {
      if (err instanceof HttpError) sendError(res, err);
      else if (err instanceof BodyAborted) {
        console.error(`push service: ${err.message}; request dropped`);
        res.destroy();
      } else {
        console.error('push service: HTTP handler error:', err);
        sendError(res, new HttpError(500, 999, 'Internal error'));
      }
    });
  };
}

async function handle(hub: Hub, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0]!;
  const parts = path.split('/').filter(Boolean);
  if (parts[0] === 'wpush' || parts[0] === 'spush') {
    const [, version, token, ...rest] = parts;
    const legacy = parts[0] === 'spush';
    const known = legacy ? version === 'v1' : version === 'v1' || version === 'v2';
    if (!known || token === undefined || rest.length) throw new HttpError(404, 102, 'Invalid API version');
    const method = legacy ? 'PUT' : 'POST';
    if (req.method !== method) throw methodNotAllowed(res, method);
    const body = await readBody(req, res, hub.options.maxBodyBytes);
    if (legacy) return simplePush(hub, req, res, token, body);
    return webPush(hub, req, res, version as 'v1' | 'v2', token, body);
  }
  if (parts[0] === 'm' && parts.length === 2) {
    if (req.method !== 'DELETE') throw methodNotAllowed(res, 'DELETE');
    const id = parts[1]!;
    const owner = hub.tokens.openMessageId(id);
    if (!owner) throw new HttpError(400, null, 'Invalid message ID');
    hub.deleteMessage(id);
    res.writeHead(204).end();
    return;
  }
  if (path === '/health' && req.method === 'GET') {
    const body = JSON.stringify({ status: 'OK', version: 'push-service' });
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(body);
    return;
  }
  throw new HttpError(404, null, 'Not found');
}

function methodNotAllowed(res: ServerResponse, allow: string): HttpError {
  res.setHeader('Allow', allow);
  return new HttpError(405, null, 'Method not allowed');
}

/** The sender hung up before its body was complete: nobody to answer, one log line (no stack) is enough. */
class BodyAborted extends Error {}

/** Reads at most `max` bytes; a larger body is refused with 413 errno 104 without buffering it. */
function readBody(req: IncomingMessage, res: ServerResponse, max: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) return Promise.reject(tooLarge(req, res));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      reject(err);
    };
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > max) {
        fail(tooLarge(req, res));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(Buffer.concat(chunks, size));
    });
    // 'error' (ECONNRESET "aborted") and 'close' both come for a sender that disconnects mid-body: settle once.
    const aborted = (): void =>
      fail(
        new BodyAborted(
          `sender disconnected after ${size} of ${Number.isFinite(declared) ? declared : 'unknown'} bytes`,
        ),
      );
    req.on('error', aborted);
    req.on('close', () => {
      if (!req.complete) aborted();
    });
  });
}

function tooLarge(req: IncomingMessage, res: ServerResponse): HttpError {
  // The rest of the body is not read: close the connection once the answer is out.
  res.setHeader('Connection', 'close');
  res.on('finish', () => req.socket.destroy());
  return new HttpError(413, 104, 'Payload too large');
}

async function webPush(
  hub: Hub,
  req: IncomingMessage,
  res: ServerResponse,
  version: 'v1' | 'v2',
  token: string,
  body: Buffer,
): Promise<void> {
  const sub = hub.tokens.openEndpointToken(version, token);
  if (!sub) throw new HttpError(404, 102, 'Invalid token');
  const vapid = parseVapidHeaders(header(req, 'authorization'), header(req, 'crypto-key'));
  if (vapid.present && !vapid.ok) throw new HttpError(401, 109, vapid.reason);
  if (version === 'v2') {
    if (!vapid.present || !vapid.ok) throw new HttpError(401, 109, 'Missing VAPID public key');
    if (!timingSafeEqual(TokenCodec.keyHash(vapid.publicKey), sub.keyHash!))
      throw new HttpError(401, 109, 'VAPID public key mismatch');
  }
  checkSubscription(hub, sub);
  if (vapid.present && vapid.ok) {
    const problem = verifyVapidJwt(vapid.jwt, vapid.publicKey, hub.origin, Math.floor(Date.now() / 1000));
    if (problem) throw new HttpError(401, 109, problem);
  }
  const ttl = parseTtl(header(req, 'ttl'), hub.options.maxTtlSeconds);
  const topic = header(req, 'topic');
  if (topic !== undefined && !TOPIC.test(topic))
    throw new HttpError(400, 113, 'Topic must be at most 32 characters of the URL and filename safe base64 alphabet');
  const urgencyHeader = header(req, 'urgency')?.toLowerCase();
  // Production ignores unknown Urgency values; treat them as the default.
  const urgency: Urgency = isUrgency(urgencyHeader) ? urgencyHeader : 'normal';
  const cryptoHeaders = body.length ? checkEncryption(req) : undefined;

  const now = hub.options.now();
  const id = hub.tokens.messageId(sub.uaid, sub.channelID);
  const data = body.length ? body.toString('base64url') : undefined;
  const msg: StoredMessage = {
    id,
    channelID: sub.channelID,
    receivedAt: now,
    ttl,
    expiresAt: now + ttl * 1000,
    urgency,
    ...(topic !== undefined ? { topic } : {}),
    ...(data !== undefined ? { data, headers: cryptoHeaders! } : {}),
    size: 256 + id.length + (data?.length ?? 0) + JSON.stringify(cryptoHeaders ?? {}).length,
  };
  const accepted = hub.accept(sub.uaid, msg);
  if (!accepted.ok) throw new HttpError(503, 201, STORAGE_REFUSALS[accepted.reason]);
  hub.emit('notification-received', {
    uaid: sub.uaid,
    channelID: sub.channelID,
    version: id,
    ttl,
    at: performance.now(),
    time: Date.now(),
  });
  res.writeHead(201, { Location: `${hub.origin}/m/${id}`, TTL: String(ttl), 'Content-Length': '0' });
  res.end();
}

/** Legacy SimplePush: form body `version=N`, delivered as an `updates` notification. */
async function simplePush(
  hub: Hub,
  _req: IncomingMessage,
  res: ServerResponse,
  token: string,
  body: Buffer,
): Promise<void> {
  const sub = hub.tokens.openEndpointToken('v1', token);
  if (!sub) throw new HttpError(404, 102, 'Invalid token');
  checkSubscription(hub, sub);
  const raw = new URLSearchParams(body.toString('utf8')).get('version');
  let legacyVersion: number;
  if (raw === null || raw === '') legacyVersion = Math.floor(Date.now() / 1000);
  else if (/^\d{1,15}$/.test(raw)) legacyVersion = Number(raw);
  else throw new HttpError(400, null, 'Invalid version');
  const now = hub.options.now();
  const ttl = hub.options.maxTtlSeconds;
  const id = hub.tokens.messageId(sub.uaid, sub.channelID);
  const msg: StoredMessage = {
    id,
    channelID: sub.channelID,
    receivedAt: now,
    ttl,
    expiresAt: now + ttl * 1000,
    urgency: 'normal',
    legacyVersion,
    size: 256 + id.length,
  };
  const accepted = hub.accept(sub.uaid, msg);
  if (!accepted.ok) throw new HttpError(503, 201, STORAGE_REFUSALS[accepted.reason]);
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '2' });
  res.end('{}');
}

/** 410 errno 103 when the UAID is gone (e.g. reset), 410 errno 106 when the channel was unregistered. */
function checkSubscription(hub: Hub, sub: EndpointToken): void {
  const rec = hub.store.get(sub.uaid);
  if (!rec) throw new HttpError(410, 103, 'UAID not found');
  if (!rec.channels.has(sub.channelID)) throw new HttpError(410, 106, 'No such subscription');
}

function parseTtl(value: string | undefined, max: number): number {
  if (value === undefined || !/^\s*[+-]?\d+\s*$/.test(value)) throw new HttpError(400, 111, 'Missing TTL value');
  const ttl = Number(value);
  if (ttl < 0) throw new HttpError(400, 114, 'TTL must be greater than 0');
  return Math.min(ttl, max);
}

/** Content-Encoding rules for a non-empty body; returns the `headers` object the client receives. */
function checkEncryption(req: IncomingMessage): Record<string, string> {
  const encoding = header(req, 'content-encoding')?.toLowerCase();
  if (encoding === undefined) throw new HttpError(400, 110, 'Missing Content-Encoding header');
  const encryption = header(req, 'encryption');
  const cryptoKey = header(req, 'crypto-key');
  if (encoding === 'aesgcm') {
    requireParam('Encryption', encryption, 'salt');
    requireParam('Crypto-Key', cryptoKey, 'dh');
    if (header(req, 'encryption-key') !== undefined)
      throw new HttpError(400, 110, 'Encryption-Key header is not valid for webpush draft 02 or later');
  } else if (encoding === 'aes128gcm') {
    forbidParam('Encryption', encryption, 'salt');
    forbidParam('Crypto-Key', cryptoKey, 'dh');
  } else {
    throw new HttpError(400, 110, 'Unknown Content-Encoding header');
  }
  const out: Record<string, string> = { encoding };
  if (encryption !== undefined) out.encryption = stripHeaderValue(encryption);
  if (cryptoKey !== undefined) out.crypto_key = stripHeaderValue(cryptoKey);
  return out;
}

function requireParam(name: string, value: string | undefined, param: string): void {
  if (value === undefined) throw new HttpError(400, 110, `Missing ${name} header`);
  const params = parseParams(value);
  if (!params) throw new HttpError(400, 110, `Invalid ${name} header`);
  const v = params.get(param);
  if (v === undefined) throw new HttpError(400, 110, `Missing ${param} value in ${name} header`);
  if (!BASE64URL_VALUE.test(v)) throw new HttpError(400, 110, `Invalid ${param} value in ${name} header`);
}

function forbidParam(name: string, value: string | undefined, param: string): void {
  if (value === undefined) return;
  const params = parseParams(value);
  if (!params) throw new HttpError(400, 110, `Invalid ${name} header`);
  if (params.has(param)) throw new HttpError(400, 110, `Do not include '${param}' in ${name} header with aes128gcm`);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}
