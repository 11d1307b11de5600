// `push-agent send`: one Web Push message to a subscription, through its push service, and the service's answer
// (the sending itself is src/engine/web-push-sender.ts). Read-only on the data dir: it never takes the lock
// `listen` holds, and writes only the VAPID key pair it makes once.
import fs from 'node:fs';
import type { SubscriptionJSON } from '../engine/subscription-record.ts';
import {
  b64urlLength,
  dataDirVapidKeys,
  DEFAULT_VAPID_SUBJECT,
  describeAnswer,
  readVapidKeys,
  SendInputError,
  sendOne,
} from '../engine/web-push-sender.ts';
import type { SendCommand } from './send-args.ts';

export { SendInputError, SendNetworkError } from '../engine/web-push-sender.ts';

export interface StoredSubscription {
  json: SubscriptionJSON;
  /** The application server key the endpoint is bound to, or null. */
  applicationServerKey: string | null;
}

export interface SendIO {
  /** The subscription with this id in the data dir, or null when there is none. */
  lookup(id: string): Promise<StoredSubscription | null>;
  readStdin(): Promise<Buffer>;
  out(line: string): void;
}

/**
 * Runs the command; returns the exit code. Throws SendInputError on bad input, SendNetworkError when no answer came.
 */
export async function runSend(cmd: SendCommand, io: SendIO, signal?: AbortSignal): Promise<number> {
  const sub = await resolveSubscription(cmd.target, io);
  const payload = await readPayload(cmd, io);
  const vapid = cmd.vapidKeys !== null ? readVapidKeys(cmd.vapidKeys) : await dataDirVapidKeys(cmd.common.dataDir);
  if (sub.applicationServerKey !== null && sub.applicationServerKey !== vapid.publicKey) {
    throw new SendInputError(
      'this endpoint is bound to an application server key and accepts only messages signed with it: give that key pair with --vapid-keys <file>',
    );
  }
  const answer = await sendOne(sub.json, payload, {
    vapid,
    subject: cmd.vapidSubject ?? DEFAULT_VAPID_SUBJECT,
    ttl: cmd.ttl,
    urgency: cmd.urgency,
    topic: cmd.topic,
    ...(signal ? { signal } : {}),
  });
  io.out(cmd.json ? JSON.stringify(answer) : describeAnswer(answer));
  return answer.status === 201 ? 0 : 1;
}

async function resolveSubscription(target: string, io: SendIO): Promise<StoredSubscription> {
  if (target === '-')
    return {
      json: parseSubscription((await io.readStdin()).toString('utf8'), 'standard input'),
      applicationServerKey: null,
    };
  let text: string | null = null;
  try {
    text = fs.readFileSync(target, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENAMETOOLONG') throw new SendInputError(`cannot read ${target}: ${code}`);
  }
  if (text !== null) return { json: parseSubscription(text, target), applicationServerKey: null };
  const stored = await io.lookup(target);
  if (!stored)
    throw new SendInputError(
      `'${target}' is neither a subscription id (see: push-agent list) nor a file with subscription JSON`,
    );
  return stored;
}

/**
 * The subscription JSON every Web Push library uses: `{endpoint, keys: {p256dh, auth}}` (the `subscribe` output has
 * it).
 */
export function parseSubscription(text: string, where: string): SubscriptionJSON {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    throw new SendInputError(`${where} is not JSON: expected a subscription {"endpoint", "keys": {"p256dh", "auth"}}`);
  }
  const o = j as { endpoint?: unknown; keys?: { p256dh?: unknown; auth?: unknown } } | null;
  const endpoint = o?.endpoint;
  const p256dh = o?.keys?.p256dh;
  const auth = o?.keys?.auth;
  if (typeof endpoint !== 'string' || !/^https?:\/\//.test(endpoint) || !URL.canParse(endpoint))
    throw new SendInputError(`${where}: "endpoint" must be an http(s) URL`);
  if (typeof p256dh !== 'string' || b64urlLength(p256dh) !== 65)
    throw new SendInputError(`${where}: "keys.p256dh" must be a base64url P-256 public key (65 bytes)`);
  if (typeof auth !== 'string' || b64urlLength(auth) !== 16)
    throw new SendInputError(`${where}: "keys.auth" must be a base64url 16-byte secret`);
  return { endpoint, expirationTime: null, keys: { p256dh, auth } };
}

async function readPayload(cmd: SendCommand, io: SendIO): Promise<Buffer | null> {
  if (cmd.payloadFile !== null) {
    if (cmd.payloadFile === '-') return io.readStdin();
    try {
      return fs.readFileSync(cmd.payloadFile);
    } catch (err) {
      throw new SendInputError(
        `--json: cannot read ${cmd.payloadFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
  }
  if (cmd.title !== null) return Buffer.from(JSON.stringify({ title: cmd.title, body: cmd.text ?? '' }));
  return cmd.text !== null ? Buffer.from(cmd.text) : null;
}
