// A raw Mozilla push-protocol client over `ws` and a `web-push` sender for plain-HTTP endpoints, for tests that
// need to speak the wire protocol directly (the push service's own tests, and engine tests that poke a service).
import { createECDH, randomUUID, type ECDH } from 'node:crypto';
import https from 'node:https';
import net from 'node:net';
import webpush from 'web-push';
import WebSocket from 'ws';

export type Json = Record<string, unknown>;

export interface CloseInfo {
  code: number;
  reason: string;
}

export interface ConnectOptions {
  protocols?: string[];
  /** Answer WebSocket pings automatically (default true, as browsers do). */
  autoPong?: boolean;
}

export class RawPushClient {
  readonly ws: WebSocket;
  /** Resolves when the socket closes, with the close code the client saw. */
  readonly closed: Promise<CloseInfo>;
  uaid: string | undefined;
  #queue: Json[] = [];
  #waiters: Array<{ resolve: (m: Json) => void; reject: (e: Error) => void }> = [];
  #closeInfo: CloseInfo | undefined;
  /** Raw text of every frame received, in order (for assertions about exact bytes). */
  readonly rawFrames: string[] = [];

  private constructor(ws: WebSocket) {
    this.ws = ws;
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.#closeInfo = { code, reason: reason.toString() };
        for (const w of this.#waiters.splice(0)) w.reject(new Error(`socket closed (${code} ${reason.toString()})`));
        resolve(this.#closeInfo);
      });
    });
    ws.on('error', () => {});
    ws.on('message', (data, isBinary) => {
      const text = isBinary ? '' : data.toString();
      this.rawFrames.push(text);
      let msg: Json;
      try {
        msg = JSON.parse(text) as Json;
      } catch {
        msg = { unparsable: text };
      }
      const w = this.#waiters.shift();
      if (w) w.resolve(msg);
      else this.#queue.push(msg);
    });
  }

  static connect(url: string, opts: ConnectOptions = {}): Promise<RawPushClient> {
    const ws = new WebSocket(url, opts.protocols ?? [], { autoPong: opts.autoPong ?? true });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new RawPushClient(ws)));
      ws.once('error', reject);
    });
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(obj: unknown): void {
    this.ws.send(JSON.stringify(obj));
  }

  sendText(text: string): void {
    this.ws.send(text);
  }

  sendBinary(data: Uint8Array): void {
    this.ws.send(data, { binary: true });
  }

  /** The next message; rejects after `timeoutMs` or when the socket closes first. */
  next(timeoutMs = 2000): Promise<Json> {
    const queued = this.#queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.#closeInfo) return Promise.reject(new Error(`socket closed (${this.#closeInfo.code})`));
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: (m: Json) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(new Error(`no message within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  /** Resolves with undefined when nothing arrives within `ms`, or with the message that did. */
  async maybeNext(ms = 200): Promise<Json | undefined> {
    try {
      return await this.next(ms);
    } catch (err) {
      if (/no message within/.test((err as Error).message)) return undefined;
      if (/socket closed/.test((err as Error).message)) return undefined;
      throw err;
    }
  }

  /** Collects `count` messages. */
  async take(count: number, timeoutMs = 2000): Promise<Json[]> {
    const out: Json[] = [];
    for (let i = 0; i < count; i++) out.push(await this.next(timeoutMs));
    return out;
  }

  async hello(uaid?: string, extra: Json = {}): Promise<Json> {
    this.send({
      messageType: 'hello',
      use_webpush: true,
      broadcasts: {},
      ...(uaid !== undefined ? { uaid } : {}),
      ...extra,
    });
    const reply = await this.next();
    if (reply.messageType !== 'hello') throw new Error(`expected hello reply, got ${JSON.stringify(reply)}`);
    this.uaid = reply.uaid as string;
    return reply;
  }

  async register(channelID: string = randomUUID(), key?: string): Promise<Json> {
    this.send({ messageType: 'register', channelID, ...(key !== undefined ? { key } : {}) });
    const reply = await this.next();
    if (reply.messageType !== 'register') throw new Error(`expected register reply, got ${JSON.stringify(reply)}`);
    return reply;
  }

  async unregister(channelID: string, code = 200): Promise<Json> {
    this.send({ messageType: 'unregister', channelID, code });
    return this.next();
  }

  ack(channelID: string, version: string | number, code = 100): void {
    this.send({ messageType: 'ack', updates: [{ channelID, version, code }] });
  }

  close(): Promise<CloseInfo> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(1000);
    return this.closed;
  }

  terminate(): Promise<CloseInfo> {
    this.ws.terminate();
    return this.closed;
  }
}

/** The user agent's side of a subscription's encryption keys, for web-push to encrypt against. */
export interface ReceiverKeys {
  ecdh: ECDH;
  auth: Buffer;
  p256dh: string;
  authB64: string;
}

export function receiverKeys(): ReceiverKeys {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const auth = Buffer.from(randomUUID().replace(/-/g, ''), 'hex');
  return { ecdh, auth, p256dh: ecdh.getPublicKey().toString('base64url'), authB64: auth.toString('base64url') };
}

/**
 * web-push always uses `https.request`; for our plain-HTTP loopback endpoints give it an https.Agent whose
 * connections are plain TCP.
 */
class PlainHttpAgent extends https.Agent {
  // Returning the socket synchronously is how http.Agent expects createConnection to work.
  override createConnection(options: net.NetConnectOpts): net.Socket {
    return net.createConnection(options);
  }
}

// No keep-alive: a pooled socket closed by a restarting service would fail the next send ("socket hang up").
export const plainHttpAgent = new PlainHttpAgent({ keepAlive: false });

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
  subject: string;
}

export function vapidKeys(): VapidKeys {
  const k = webpush.generateVAPIDKeys();
  return { ...k, subject: 'mailto:push-service-tests@example.com' };
}

export type SendOptions = Omit<webpush.RequestOptions, 'agent'>;

/** web-push's sendNotification against an http:// endpoint. Resolves with the status and headers, also for errors. */
export async function sendWebPush(
  endpoint: string,
  keys: ReceiverKeys,
  payload: string | Buffer | null,
  options: SendOptions = {},
): Promise<{ statusCode: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const subscription = { endpoint, keys: { p256dh: keys.p256dh, auth: keys.authB64 } };
  try {
    const r = await webpush.sendNotification(subscription, payload, { ...options, agent: plainHttpAgent });
    return { statusCode: r.statusCode, headers: r.headers as Record<string, string>, body: r.body };
  } catch (err) {
    if (err instanceof webpush.WebPushError)
      return { statusCode: err.statusCode, headers: err.headers as Record<string, string>, body: err.body };
    throw err;
  }
}

export const newChannelId = (): string => randomUUID();
