// Fixtures for the push service's integration tests: a service with short timers, a connected and registered
// raw client, raw HTTP sends, and decryption of what arrives (so a test checks the bytes end to end).
import { createRequire } from 'node:module';
import type { ECDH } from 'node:crypto';
import { startPushService, type PushService, type PushServiceOptions } from '../../../tools/push-service/index.ts';
import {
  RawPushClient,
  newChannelId,
  receiverKeys,
  type Json,
  type ReceiverKeys,
} from '../../support/raw-push-client.ts';

interface Ece {
  decrypt(
    buffer: Buffer,
    params: { version: string; privateKey: ECDH; authSecret: string; dh?: string; salt?: string; rs?: number },
  ): Buffer;
}
const ece = createRequire(import.meta.url)('http_ece') as Ece;

/** Timers short enough for tests; anything a test needs otherwise it passes explicitly. */
export const FAST: PushServiceOptions = { helloTimeoutMs: 3000, closeTimeoutMs: 300 };

export async function startService(options: PushServiceOptions = {}): Promise<PushService> {
  return startPushService({ ...FAST, ...options });
}

export interface Registered {
  client: RawPushClient;
  channelID: string;
  endpoint: string;
  keys: ReceiverKeys;
}

/** Connects, says hello (with `uaid` if given) and registers one channel (with `key` if given). */
export async function registered(
  service: PushService,
  opts: { key?: string; uaid?: string } = {},
): Promise<Registered> {
  const client = await RawPushClient.connect(service.wsUrl);
  await client.hello(opts.uaid);
  const channelID = newChannelId();
  const reply = await client.register(channelID, opts.key);
  if (reply.status !== 200) throw new Error(`register failed: ${JSON.stringify(reply)}`);
  return { client, channelID, endpoint: reply.pushEndpoint as string, keys: receiverKeys() };
}

/** Decrypts a notification's data with the receiver keys, using the headers the service passed along. */
export function decrypt(msg: Json, keys: ReceiverKeys): string {
  const headers = msg.headers as Record<string, string>;
  const body = Buffer.from(msg.data as string, 'base64url');
  if (headers.encoding === 'aes128gcm') {
    return ece
      .decrypt(body, { version: 'aes128gcm', privateKey: keys.ecdh, authSecret: keys.authB64 })
      .toString('utf8');
  }
  const param = (header: string, name: string): string => {
    const m = new RegExp(`(?:^|[;,])\\s*${name}=([^;,]+)`).exec(header);
    if (!m) throw new Error(`no ${name} in ${header}`);
    return m[1]!;
  };
  return ece
    .decrypt(body, {
      version: 'aesgcm',
      privateKey: keys.ecdh,
      authSecret: keys.authB64,
      dh: param(headers.crypto_key!, 'dh'),
      salt: param(headers.encryption!, 'salt'),
    })
    .toString('utf8');
}

export interface RawResponse {
  status: number;
  headers: Headers;
  json: Json | undefined;
  text: string;
}

/** A raw HTTP request (for headers web-push would never send). */
export async function request(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<RawResponse> {
  const body =
    typeof init.body === 'string' ? init.body : init.body === undefined ? undefined : new Uint8Array(init.body);
  const res = await fetch(url, {
    method: init.method ?? 'POST',
    headers: init.headers ?? {},
    ...(body !== undefined ? { body } : {}),
  });
  const text = await res.text();
  let json: Json | undefined;
  try {
    json = text ? (JSON.parse(text) as Json) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

/** Resolves once `predicate` holds, polling; for state the service reaches asynchronously. */
export async function until(predicate: () => boolean, timeoutMs = 2000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
