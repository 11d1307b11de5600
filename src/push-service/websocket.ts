// One client connection and its protocol state machine (autopush's WebSocket protocol): hello first (within the
// deadline), then
// register / unregister / ack / nack / ping / broadcast_subscribe (/ urgency when enabled). Stored messages are
// drained after hello in batches; the next batch goes out only once every message of the current one is acked.
// Anything malformed closes this socket only (1003 binary, 1011 otherwise), never the service.
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { decodeBase64Url, isStrictChannelId, normalizeUaid, normalizeUuid } from './encoding.ts';
import type { Hub } from './hub.ts';
import type { UaidRecord } from './storage.ts';
import { Outbound } from './outbound.ts';
import { TokenCodec } from './tokens.ts';
import { importP256 } from './vapid.ts';
import { isUrgency, URGENCY_RANK, type StoredMessage, type Urgency } from './types.ts';

type Json = Record<string, unknown>;

/** Thrown by the handlers for a message the protocol says must close the socket. */
class ProtocolViolation extends Error {}

export class ClientSession {
  readonly ws: WebSocket;
  readonly hub: Hub;
  uaid: string | undefined;
  /** 'new' until hello, 'ready' after, 'closing' once a close is decided. */
  state: 'new' | 'ready' | 'closing' | 'closed' = 'new';
  /** False for a legacy SimplePush client (hello without use_webpush). */
  webpush = true;
  #out: Outbound;
  #helloTimer: NodeJS.Timeout | undefined;
  #pingTimer: NodeJS.Timeout | undefined;
  #pongTimer: NodeJS.Timeout | undefined;
  #lastClientPing = -Infinity;
  #minUrgency: Urgency | undefined;
  /** Ids sent in this session: never sent twice on one connection (redelivery waits for the next one). */
  #sent = new Set<string>();
  /** The stored batch waiting for acks. */
  #inflight = new Set<string>();
  #draining = false;
  /**
   * Where the current drain has got to in the UAID's messages (a live Map iterator: it sees messages added later
   * and skips removed ones), so each batch continues instead of rescanning from the start.
   */
  #cursor: { rec: UaidRecord; it: Iterator<StoredMessage, void> } | undefined;
  #fromStorage = 0;
  /** TTL-0 messages sent but not stored: ackable, dropped on disconnect. */
  #direct = new Map<string, StoredMessage>();

  constructor(ws: WebSocket, hub: Hub) {
    this.ws = ws;
    this.hub = hub;
    const o = hub.options;
    this.#out = new Outbound(ws, {
      delayMs: () => hub.frameDelayMs,
      maxQueuedBytes: o.maxQueuedBytesPerConnection,
      closeTimeoutMs: o.closeTimeoutMs,
      onOverflow: () => this.drop(1011, 'Client is not reading'),
    });
    hub.sessions.add(this);
    ws.on('message', (data, isBinary) => this.#onFrame(data, isBinary));
    ws.on('pong', () => this.#onPong());
    ws.on('error', () => ws.terminate());
    ws.on('close', () => this.#onClose());
    this.#helloTimer = setTimeout(() => this.close(1011, 'Hello timeout'), o.helloTimeoutMs);
    this.#pingTimer = setInterval(() => this.#sendPing(), o.pingIntervalMs);
  }

  /** Closes after queued frames (state errors, ghosting, UAID reset). */
  close(code: number, reason: string): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    this.state = 'closing';
    if (this.uaid) this.hub.detach(this.uaid, this);
    this.#stopTimers();
    this.#out.close(code, reason);
  }

  /** Drops the socket now, queued frames and all (terminate when no code): fault injection, slow readers. */
  drop(code?: number, reason = 'Dropped by the service'): void {
    if (this.state === 'closed') return;
    this.state = 'closing';
    if (this.uaid) this.hub.detach(this.uaid, this);
    this.hub.sessions.delete(this);
    this.#stopTimers();
    this.#out.abort(code, code === undefined ? '' : reason);
  }

  /**
   * Sends a message that just arrived for this UAID, unless it was already sent on this connection or the client
   * asked (urgency) not to get messages this unimportant. Stored messages stay stored until acked either way.
   */
  offer(msg: StoredMessage, stored: boolean): void {
    if (this.state !== 'ready' || this.#sent.has(msg.id) || !this.#wants(msg)) return;
    this.#sendNotification(msg, false);
    if (!stored) this.#direct.set(msg.id, msg);
  }

  /** Messages removed behind the session's back (replaced by Topic, DELETE, expiry). */
  forget(ids: string[]): void {
    for (const id of ids) {
      this.#sent.delete(id);
      this.#inflight.delete(id);
    }
    this.#continueDrain();
  }

  #onFrame(data: WebSocket.RawData, isBinary: boolean): void {
    if (this.state !== 'new' && this.state !== 'ready') return;
    if (isBinary) {
      this.close(1003, 'Binary frames are not supported');
      return;
    }
    let msg: unknown;
    try {
      msg = JSON.parse(rawToString(data));
    } catch {
      this.close(1011, 'Invalid JSON');
      return;
    }
    try {
      this.#handle(msg);
    } catch (err) {
      if (err instanceof ProtocolViolation) this.close(1011, err.message);
      else {
        console.error('push service: session error:', err);
        this.close(1011, 'Internal error');
      }
    }
  }

  #handle(msg: unknown): void {
    if (!isObject(msg)) throw new ProtocolViolation('Message is not a JSON object');
    this.hub.emit('client-message', this.uaid, msg);
    const isPing = Object.keys(msg).length === 0;
    if (this.state === 'new') {
      if (isPing || msg.messageType !== 'hello') throw new ProtocolViolation('Expected messageType="hello"');
      this.#hello(msg);
      return;
    }
    if (isPing) return this.#ping();
    switch (msg.messageType) {
      case 'hello':
        throw new ProtocolViolation("Already Hello'd");
      case 'register':
        return this.#register(msg);
      case 'unregister':
        return this.#unregister(msg);
      case 'ack':
        return this.#ack(msg);
      case 'nack':
        return this.#nack(msg);
      case 'broadcast_subscribe':
        return this.#broadcastSubscribe(msg);
      case 'urgency':
        if (this.hub.options.urgency) return this.#urgency(msg);
        throw new ProtocolViolation('Unknown messageType');
      default:
        throw new ProtocolViolation(
          typeof msg.messageType === 'string' ? 'Unknown messageType' : 'Missing messageType',
        );
    }
  }

  #hello(msg: Json): void {
    const { uaid: asked, broadcasts } = msg;
    if (asked !== undefined && asked !== null && typeof asked !== 'string')
      throw new ProtocolViolation('uaid must be a string');
    if (broadcasts !== undefined && broadcasts !== null && !isStringMap(broadcasts))
      throw new ProtocolViolation('Invalid broadcasts');
    clearTimeout(this.#helloTimer);
    this.#helloTimer = undefined;
    this.webpush = msg.use_webpush === true;
    const known = typeof asked === 'string' ? normalizeUaid(asked) : undefined;
    // Unknown, empty or malformed: a fresh UAID, not stored until its first register.
    const existing = known !== undefined && this.hub.store.get(known) !== undefined;
    const uaid = existing ? known! : randomBytes(16).toString('hex');
    this.uaid = uaid;
    this.state = 'ready';
    this.#minUrgency = this.hub.store.get(uaid)?.minUrgency;
    this.hub.attach(uaid, this);
    this.#send({
      messageType: 'hello',
      uaid,
      status: 200,
      ...(this.webpush ? { use_webpush: true } : {}),
      broadcasts: {},
    });
    this.hub.emit('hello', { uaid, existing, at: performance.now(), time: Date.now() });
    if (existing) this.#startDrain();
  }

  #register(msg: Json): void {
    const { channelID, key } = msg;
    if (typeof channelID !== 'string' || !isStrictChannelId(channelID))
      throw new ProtocolViolation('Invalid channelID');
    if (key !== undefined && key !== null && typeof key !== 'string')
      throw new ProtocolViolation('key must be a string');
    const reply = (status: number, pushEndpoint?: string) =>
      this.#send({ messageType: 'register', channelID, status, ...(pushEndpoint ? { pushEndpoint } : {}) });
    let keyHash: Buffer | undefined;
    if (typeof key === 'string') {
      const raw = decodeBase64Url(key);
      if (!raw || raw.length !== 65 || raw[0] !== 4 || !isP256Point(raw)) return reply(400);
      keyHash = TokenCodec.keyHash(raw);
    }
    const store = this.hub.store;
    const rec = store.ensure(this.uaid!);
    if (!rec) return reply(500); // maxUaids reached
    if (this.#minUrgency && !rec.minUrgency) store.setMinUrgency(rec, this.#minUrgency);
    if (store.addChannel(rec, channelID) === 'full') return reply(500);
    const { version, token } = this.hub.tokens.endpointToken({
      uaid: this.uaid!,
      channelID,
      ...(keyHash ? { keyHash } : {}),
    });
    const path = !this.webpush && version === 'v1' ? `/spush/v1/${token}` : `/wpush/${version}/${token}`;
    reply(200, `${this.hub.origin}${path}`);
  }

  #unregister(msg: Json): void {
    const channelID = typeof msg.channelID === 'string' ? normalizeUuid(msg.channelID) : undefined;
    if (!channelID) throw new ProtocolViolation('Invalid channelID');
    if (msg.code !== undefined && msg.code !== null && !Number.isInteger(msg.code))
      throw new ProtocolViolation('code must be an integer');
    const dropped = this.hub.store.removeChannel(this.uaid!, channelID);
    this.#send({ messageType: 'unregister', channelID, status: 200 });
    if (dropped.length) this.forget(dropped.map((m) => m.id));
  }

  #ack(msg: Json): void {
    const updates = msg.updates;
    if (!Array.isArray(updates)) throw new ProtocolViolation('updates must be an array');
    for (const u of updates) {
      if (!isObject(u) || typeof u.channelID !== 'string') throw new ProtocolViolation('Invalid ack update');
      if (typeof u.version !== 'string' && !(typeof u.version === 'number' && Number.isInteger(u.version))) {
        throw new ProtocolViolation('Invalid ack version');
      }
      if (u.code !== undefined && u.code !== null && !Number.isInteger(u.code))
        throw new ProtocolViolation('Invalid ack code');
    }
    for (const u of updates as Json[]) {
      const version = u.version as string | number;
      const known =
        typeof version === 'string' ? this.#ackVersion(version) : this.#ackLegacy(String(u.channelID), version);
      if (known) this.hub.counters.acked++;
      this.hub.emit('ack', {
        uaid: this.uaid,
        channelID: u.channelID,
        version,
        code: u.code ?? 100,
        known,
        at: performance.now(),
        time: Date.now(),
      });
    }
    this.#continueDrain();
  }

  /** Matches by version only, as autopush does; unknown versions are ignored. */
  #ackVersion(version: string): boolean {
    this.#sent.delete(version);
    this.#inflight.delete(version);
    if (this.#direct.delete(version)) return true;
    const found = this.hub.store.getMessage(version);
    if (!found || found.rec.uaid !== this.uaid) return false;
    this.hub.store.removeMessage(version);
    return true;
  }

  /**
   * SimplePush acks carry the integer version: it acks the channel's stored update if it is that one or older. Only
   * the newest update per channel is stored, so this is one lookup, not a scan (acks may carry thousands).
   */
  #ackLegacy(channelID: string, version: number): boolean {
    const store = this.hub.store;
    const rec = store.get(this.uaid!);
    const m = rec && store.legacyMessage(rec, channelID);
    if (!m || m.legacyVersion! > version) return false;
    store.removeMessage(m.id);
    this.#sent.delete(m.id);
    this.#inflight.delete(m.id);
    return true;
  }

  #nack(msg: Json): void {
    if (msg.version !== undefined && typeof msg.version !== 'string')
      throw new ProtocolViolation('Invalid nack version');
    if (msg.code !== undefined && msg.code !== null && !Number.isInteger(msg.code))
      throw new ProtocolViolation('Invalid nack code');
    // Metrics only: neither deletes nor requeues.
    this.hub.emit('nack', {
      uaid: this.uaid,
      version: msg.version,
      code: msg.code ?? 0,
      at: performance.now(),
      time: Date.now(),
    });
  }

  #ping(): void {
    const now = performance.now();
    if (now - this.#lastClientPing < this.hub.options.clientPingMinIntervalMs) {
      throw new ProtocolViolation('Client sent too many pings too often');
    }
    this.#lastClientPing = now;
    this.#out.send('{}');
  }

  #broadcastSubscribe(msg: Json): void {
    if (!isStringMap(msg.broadcasts)) throw new ProtocolViolation('Invalid broadcasts');
    // No broadcast services here: nothing ever changes, so there is nothing to answer (as autopush without
    // megaphone data would answer only with errors).
  }

  #urgency(msg: Json): void {
    if (!isUrgency(msg.min)) throw new ProtocolViolation('Invalid urgency');
    const previous = this.#minUrgency ?? 'very-low';
    this.#minUrgency = msg.min;
    this.hub.setLastUrgency(this.uaid!, msg.min);
    const rec = this.hub.store.get(this.uaid!);
    if (rec) this.hub.store.setMinUrgency(rec, msg.min);
    this.#send({ messageType: 'urgency', status: 200 });
    // Lowered: messages held back so far may now go out.
    if (URGENCY_RANK[msg.min] < URGENCY_RANK[previous] && !this.#draining) this.#startDrain();
  }

  #wants(msg: StoredMessage): boolean {
    return !this.#minUrgency || URGENCY_RANK[msg.urgency] >= URGENCY_RANK[this.#minUrgency];
  }

  #startDrain(): void {
    this.#draining = true;
    this.#fromStorage = 0;
    this.#inflight.clear();
    this.#cursor = undefined;
    this.#nextBatch();
  }

  /** Next batch once every message of the current one is acked (or otherwise gone). */
  #continueDrain(): void {
    if (!this.#draining || this.state !== 'ready') return;
    for (const id of this.#inflight) if (!this.hub.store.getMessage(id)) this.#inflight.delete(id);
    if (this.#inflight.size === 0) this.#nextBatch();
  }

  #nextBatch(): void {
    const { store, options } = this.hub;
    const rec = store.get(this.uaid!);
    if (!rec) {
      this.#stopDrain();
      return;
    }
    if (this.#cursor?.rec !== rec) this.#cursor = { rec, it: store.visit(rec) };
    // Expired messages are dropped as the cursor passes them: each stored message is looked at once per drain.
    const now = options.now();
    const batch: StoredMessage[] = [];
    while (batch.length < options.batchSize) {
      const step = this.#cursor.it.next();
      if (step.done) break;
      const m = step.value;
      if (m.expiresAt <= now) {
        store.removeMessage(m.id);
        this.#sent.delete(m.id);
        continue;
      }
      if (!this.#sent.has(m.id) && this.#wants(m)) batch.push(m);
    }
    if (batch.length === 0) {
      this.#stopDrain();
      return;
    }
    this.#fromStorage += batch.length;
    if (this.#fromStorage > options.maxMessagesPerSession) {
      // Too many stored messages: drop the UAID so the client starts over (autopush's UaidReset, close 1000).
      store.deleteUaid(this.uaid!);
      this.hub.emit('uaid-reset', { uaid: this.uaid, at: performance.now(), time: Date.now() });
      this.close(1000, 'UAID dropped');
      return;
    }
    for (const m of batch) {
      this.#inflight.add(m.id);
      this.#sendNotification(m, true);
    }
  }

  #stopDrain(): void {
    this.#draining = false;
    this.#fromStorage = 0;
    this.#cursor = undefined;
  }

  #sendNotification(m: StoredMessage, fromStorage: boolean): void {
    this.#sent.add(m.id);
    if (!this.webpush && m.legacyVersion !== undefined) {
      this.#send({ messageType: 'notification', updates: [{ channelID: m.channelID, version: m.legacyVersion }] });
    } else {
      this.#send({
        messageType: 'notification',
        channelID: m.channelID,
        version: m.id,
        ...(m.data !== undefined ? { data: m.data, headers: m.headers ?? {} } : {}),
      });
    }
    this.hub.counters.delivered++;
    this.hub.emit('notification-sent', {
      uaid: this.uaid,
      channelID: m.channelID,
      version: m.id,
      fromStorage,
      at: performance.now(),
      time: Date.now(),
    });
  }

  #send(obj: unknown): void {
    this.#out.send(JSON.stringify(obj));
  }

  #sendPing(): void {
    if (this.ws.readyState !== WebSocket.OPEN || this.#pongTimer) return;
    this.#pongTimer = setTimeout(() => {
      this.#pongTimer = undefined;
      this.close(1011, 'Pong timeout');
    }, this.hub.options.pongTimeoutMs);
    try {
      this.ws.ping();
    } catch {
      this.ws.terminate();
    }
  }

  #onPong(): void {
    clearTimeout(this.#pongTimer);
    this.#pongTimer = undefined;
  }

  #stopTimers(): void {
    clearTimeout(this.#helloTimer);
    clearInterval(this.#pingTimer);
    clearTimeout(this.#pongTimer);
    this.#helloTimer = this.#pingTimer = this.#pongTimer = undefined;
  }

  #onClose(): void {
    this.#stopTimers();
    this.#out.dispose();
    if (this.uaid) this.hub.detach(this.uaid, this);
    this.state = 'closed';
    this.hub.sessions.delete(this);
    // Unacked TTL-0 messages are lost; stored ones wait for the next connection.
    this.#direct.clear();
    this.#sent.clear();
    this.#inflight.clear();
    this.#cursor = undefined;
    this.hub.emit('disconnect', { uaid: this.uaid, at: performance.now(), time: Date.now() });
  }
}

function rawToString(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isStringMap(v: unknown): boolean {
  return isObject(v) && Object.values(v).every((x) => typeof x === 'string');
}

function isP256Point(raw: Buffer): boolean {
  try {
    importP256(raw);
    return true;
  } catch {
    return false;
  }
}
