// The delivery pipeline (design.md §4), one numbered step per stage:
//   1 receive -> 2 find -> 3 de-duplicate -> 4 decrypt -> 5 persist + ack -> 6 decide -> 7 dispatch -> 8 account.
// Frames that arrive together are handled as one batch: one fsync and one ack frame for all of them.

import { randomUUID } from 'node:crypto';
import { decryptPush, DecryptError } from './crypto/index.ts';
import type { PushConnection } from './connection.ts';
import { displayPayload } from './declarative.ts';
import type { Inbox, InboxMessage } from './inbox.ts';
import { clientFrames, type AckCode, type ServerMessage } from './protocol.ts';
import type { Logger, WorkerOutcome } from './ports.ts';
import type { SubscriptionRegistry } from './subscriptions.ts';
import type { SubscriptionRecord } from './subscription-record.ts';
import type { NotificationModel, NotificationRequest } from './notification.ts';

/** What became of a message; every message ends in exactly one fate (the history records it). */
export type Fate =
  | 'shown'
  | 'shown-by-worker'
  | 'worker-showed-nothing'
  | 'worker-error'
  | 'worker-timeout'
  | 'muted'
  | 'paused'
  | 'duplicate'
  | 'undecryptable'
  | 'unknown-subscription'
  | 'inbox-full';

export interface FateRecord {
  messageId: string;
  subscriptionId: string | null;
  origin: string | null;
  fate: Fate;
  /** A typed error kind or a short reason; never key material or payload. */
  detail?: string;
  receivedAt: number;
  at: number;
}

/** What the pipeline needs from the engine around it. */
export interface DeliveryHost {
  registry: SubscriptionRegistry;
  inbox: Inbox;
  connection: PushConnection;
  logger: Logger;
  now(): number;
  fate(record: FateRecord): void;
  show(sub: SubscriptionRecord, request: NotificationRequest, source: NotificationModel['source'], receivedAt: number): NotificationModel;
  /** Dispatches a push event to the subscription's worker; null when it has none (or no worker host). */
  dispatchToWorker(sub: SubscriptionRecord, data: Uint8Array | null, declared?: NotificationRequest): Promise<WorkerOutcome> | null;
  /** The unknown channel should be dropped at the service too. */
  forgetChannel(channelID: string): void;
}

type Notification = Extract<ServerMessage, { type: 'notification' }>;

export class DeliveryPipeline {
  #queue: Notification[] = [];
  #flushScheduled = false;
  /** Per-subscription chains keep each subscription's messages in order through async dispatch. */
  #chains = new Map<string, Promise<void>>();
  readonly #host: DeliveryHost;

  constructor(host: DeliveryHost) {
    this.#host = host;
  }

  /** Step 1: a validated notification frame (the connection has checked its shape). */
  receive(message: Notification): void {
    this.#queue.push(message);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => this.#flush());
    }
  }

  /** Re-runs steps 6-8 for messages persisted but not done when the agent last stopped. */
  replay(): void {
    for (const entry of this.#host.inbox.pending()) {
      const sub = this.#host.registry.get(entry.subscriptionId);
      const keys = sub && this.#host.registry.keys(sub.id);
      if (!sub || !keys) {
        this.#host.inbox.done(entry.id);
        continue;
      }
      let plaintext: Buffer | null;
      try {
        plaintext = decryptPush({ data: entry.data === null ? null : Buffer.from(entry.data, 'base64url'), headers: entry.headers }, keys);
      } catch {
        this.#host.inbox.done(entry.id);
        continue;
      }
      this.#enqueue(sub, entry, plaintext);
    }
  }

  /** Resolves when every accepted message has been dispatched (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#queue.length || this.#chains.size) {
      await new Promise((r) => setImmediate(r));
      await Promise.all([...this.#chains.values()]);
    }
  }

  #flush(): void {
    this.#flushScheduled = false;
    const batch = this.#queue.splice(0);
    const h = this.#host;
    const acks: Array<{ channelID: string; version: string; code: AckCode }> = [];
    const accepted: Array<{ sub: SubscriptionRecord; entry: InboxMessage; plaintext: Buffer | null }> = [];
    const seen = new Set<string>();
    for (const m of batch) {
      const receivedAt = h.now();
      const messageId = randomUUID();
      const record = (sub: SubscriptionRecord | undefined, fate: Fate, detail?: string) =>
        h.fate({ messageId, subscriptionId: sub?.id ?? null, origin: sub?.origin ?? null, fate, ...(detail ? { detail } : {}), receivedAt, at: h.now() });

      // 2. Find the subscription.
      const sub = h.registry.byChannel(m.channelID);
      const keys = sub && h.registry.keys(sub.id);
      if (!sub || !keys) {
        acks.push({ channelID: m.channelID, version: m.version, code: 102 });
        record(undefined, 'unknown-subscription');
        h.forgetChannel(m.channelID);
        continue;
      }
      // 3. De-duplicate by version (persisted ring, and within this batch).
      const key = `${sub.id}\u0000${m.version}`;
      if (seen.has(key) || h.inbox.isDuplicate(sub.id, m.version)) {
        acks.push({ channelID: m.channelID, version: m.version, code: 102 });
        record(sub, 'duplicate');
        continue;
      }
      seen.add(key);
      // A paused subscription refuses deliveries (design.md §7): acked 102 and recorded.
      if (sub.paused) {
        acks.push({ channelID: m.channelID, version: m.version, code: 102 });
        record(sub, 'paused', sub.paused.reason);
        continue;
      }
      // 4. Decrypt.
      let plaintext: Buffer | null;
      try {
        plaintext = decryptPush({ data: m.data === null ? null : Buffer.from(m.data, 'base64url'), headers: m.headers }, keys);
      } catch (err) {
        const kind = err instanceof DecryptError ? err.kind : 'internal';
        acks.push({ channelID: m.channelID, version: m.version, code: 101 });
        record(sub, 'undecryptable', kind);
        h.logger.warn('push message could not be decrypted', { subscription: sub.id, kind });
        continue;
      }
      accepted.push({ sub, entry: { id: messageId, subscriptionId: sub.id, version: m.version, receivedAt, data: m.data, headers: m.headers }, plaintext });
    }

    // 5. Persist (one fsync for the batch), then ack. Without room, leave them unacked: the service keeps them.
    const durable = h.inbox.hasRoom(accepted.length) ? accepted : [];
    if (durable.length < accepted.length) {
      h.logger.warn('inbox full: messages left with the service', { count: accepted.length });
      for (const a of accepted) h.fate({ messageId: a.entry.id, subscriptionId: a.sub.id, origin: a.sub.origin, fate: 'inbox-full', receivedAt: a.entry.receivedAt, at: h.now() });
    }
    try {
      h.inbox.accept(durable.map((a) => a.entry));
    } catch (err) {
      // Not durable, so not acked: the service redelivers on the next connection.
      h.logger.error('inbox write failed; messages left unacked', { error: (err as Error).message });
      durable.length = 0;
    }
    for (const a of durable) acks.push({ channelID: a.sub.channelID, version: a.entry.version, code: 100 });
    if (acks.length && !h.connection.send(clientFrames.ack(acks))) h.logger.info('ack not sent: no connection; the service will redeliver', { count: acks.length });
    for (const a of durable) this.#enqueue(a.sub, a.entry, a.plaintext);
  }

  #enqueue(sub: SubscriptionRecord, entry: InboxMessage, plaintext: Buffer | null): void {
    const prev = this.#chains.get(sub.id) ?? Promise.resolve();
    const next = prev
      .then(() => this.#process(sub.id, entry, plaintext))
      .catch((err: Error) => this.#host.logger.error('dispatch failed', { subscription: sub.id, error: err.message }))
      .finally(() => {
        if (this.#chains.get(sub.id) === next) this.#chains.delete(sub.id);
      });
    this.#chains.set(sub.id, next);
  }

  async #process(subscriptionId: string, entry: InboxMessage, plaintext: Buffer | null): Promise<void> {
    const h = this.#host;
    const sub = h.registry.get(subscriptionId);
    const fate = (f: Fate, detail?: string) =>
      h.fate({ messageId: entry.id, subscriptionId, origin: sub?.origin ?? null, fate: f, ...(detail ? { detail } : {}), receivedAt: entry.receivedAt, at: h.now() });
    try {
      if (!sub) return; // removed meanwhile
      // 6. Decide.
      if (sub.muted) return fate('muted');
      // 7. Dispatch: declarative display unless a worker handles it.
      const display = displayPayload(plaintext, sub.label || sub.origin, sub.origin);
      const declared = display.kind === 'declarative' ? display.message : null;
      const worker = declared && !declared.mutable ? null : h.dispatchToWorker(sub, plaintext, declared?.notification);
      if (!worker) {
        h.show(sub, declared ? declared.notification : (display as Extract<typeof display, { kind: 'plain' }>).notification, declared ? 'declarative' : 'payload', entry.receivedAt);
        return fate('shown');
      }
      const outcome = await worker;
      // 8. Account. A mutable declarative message whose worker showed nothing shows the declared one.
      if (declared && outcome.shown === 0) {
        h.show(sub, declared.notification, 'declarative', entry.receivedAt);
      }
      if (outcome.status === 'ok') {
        return fate(outcome.shown > 0 || declared ? 'shown-by-worker' : 'worker-showed-nothing');
      }
      const code = outcome.status === 'timeout' ? 303 : outcome.code;
      h.connection.send(clientFrames.nack(entry.version, code));
      return fate(outcome.status === 'timeout' ? 'worker-timeout' : 'worker-error', outcome.status === 'error' ? outcome.kind : 'deadline');
    } finally {
      h.inbox.done(entry.id);
    }
  }
}
