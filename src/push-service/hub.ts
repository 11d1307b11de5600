// The service's shared state and routing: which session holds which UAID, and how an accepted message reaches
// its client (sent now if connected, stored until acked/expired otherwise). HTTP and WebSocket code both go
// through here, so the delivery rules live in one place.
import { EventEmitter } from 'node:events';
import type { Store } from './storage.ts';
import type { TokenCodec } from './tokens.ts';
import type { ResolvedOptions, StoredMessage, Urgency } from './types.ts';
import type { ClientSession } from './websocket.ts';

export type AcceptResult = { ok: true } | { ok: false; reason: 'channel-full' | 'uaid-full' | 'store-full' };

export class Hub {
  readonly options: ResolvedOptions;
  readonly events = new EventEmitter();
  readonly tokens: TokenCodec;
  store: Store;
  /** http://host:port, the origin of every endpoint and the required VAPID `aud`. */
  origin = '';
  frameDelayMs = 0;
  readonly counters = { delivered: 0, acked: 0 };
  readonly sessions = new Set<ClientSession>();
  #byUaid = new Map<string, ClientSession>();
  #lastUrgency = new Map<string, Urgency>();

  constructor(options: ResolvedOptions, store: Store, tokens: TokenCodec) {
    this.options = options;
    this.store = store;
    this.tokens = tokens;
    // Tests and benchmarks listen; a listener that throws must not take the service down with it.
    this.events.setMaxListeners(0);
  }

  sessionFor(uaid: string): ClientSession | undefined {
    return this.#byUaid.get(uaid);
  }

  /** Binds a UAID to a session; an older session with the same UAID is closed (autopush "ghost", 1011). */
  attach(uaid: string, session: ClientSession): void {
    const older = this.#byUaid.get(uaid);
    this.#byUaid.set(uaid, session);
    if (older && older !== session) older.close(1011, 'New client with the same UAID has connected');
  }

  detach(uaid: string, session: ClientSession): void {
    if (this.#byUaid.get(uaid) === session) this.#byUaid.delete(uaid);
  }

  setLastUrgency(uaid: string, min: Urgency): void {
    this.#lastUrgency.set(uaid, min);
  }

  lastUrgency(uaid: string): Urgency | undefined {
    return this.#lastUrgency.get(uaid) ?? this.store.get(uaid)?.minUrgency;
  }

  /**
   * Routes an accepted message. TTL 0 is never stored: delivered only to a client connected right now. Anything
   * else is stored first (so an unacked message survives a disconnect) and offered to the connected session.
   */
  accept(uaid: string, msg: StoredMessage): AcceptResult {
    const session = this.#byUaid.get(uaid);
    if (msg.ttl === 0) {
      session?.offer(msg, false);
      return { ok: true };
    }
    const rec = this.store.get(uaid);
    if (!rec) return { ok: true };
    const added = this.store.add(rec, msg);
    if (!added.ok) return added;
    if (added.replaced.length) session?.forget(added.replaced.map((m) => m.id));
    session?.offer(msg, true);
    return { ok: true };
  }

  /** DELETE /m/<id>: the message is gone before it reached the client. */
  deleteMessage(id: string): void {
    const found = this.store.getMessage(id);
    if (!found) return;
    this.store.removeMessage(id);
    this.#byUaid.get(found.rec.uaid)?.forget([id]);
  }

  emit(event: string, ...args: unknown[]): void {
    try {
      this.events.emit(event, ...args);
    } catch (err) {
      console.error(`push service: a '${event}' listener threw:`, err);
    }
  }
}
