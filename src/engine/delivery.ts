// The delivery pipeline (docs/architecture.md "The delivery pipeline"), one numbered step per stage:
//   1 receive -> 2 find -> 3 de-duplicate -> 4 decrypt -> 5 persist + ack -> 6 decide -> 7 dispatch -> 8 account.
// Frames that arrive together are handled as one batch: one fsync and one ack frame for all of them. A batch of
// several (a backlog draining) is journaled as received, acked once durable and decrypted after, on a second
// thread; frames arriving during its fsync form the next batch (group commit). See #backlog.

import { randomUUID } from 'node:crypto';
import { decryptPush, DecryptError } from './crypto/index.ts';
import { DecryptThread } from './crypto/decrypt-thread.ts';
import type { PushConnection } from './connection.ts';
import { displayPayload } from './declarative.ts';
import { InboxWriteError, type Inbox, type InboxMessage } from './inbox.ts';
import { clientFrames, type AckCode, type ServerMessage } from './protocol.ts';
import { WORKER_HOST_UNAVAILABLE, type Clock, type Logger, type TimerHandle, type WorkerOutcome } from './ports.ts';
import { Redelivery } from './redelivery.ts';
import type { SubscriptionRegistry } from './subscriptions.ts';
import type { SubscriptionRecord } from './subscription-record.ts';
import type { NotificationModel, NotificationRequest } from './notification.ts';
import type { FateView } from '../shared/settings-api.ts';

/**
 * What became of a message; every message ends in exactly one fate (the history records it). The same words as the
 * settings window's FateView. Choices made here (docs/policies.md):
 * - 'quiet-hours': a notification held back by quiet hours (recorded with its title and body; counted in the summary).
 * - 'shown-silently': a push that showed nothing and was not charged: burst grace or a subscription without a
 *   budget (the detail says which).
 * - 'charged': a push that showed nothing and spent one budget unit (detail "paused" when that paused it).
 * - 'generic-notification': a userVisibleOnly push with no budget left that showed nothing; we showed the generic one.
 * - 'worker-error' / 'worker-timeout': the last attempt failed and showed nothing; the detail carries the error kind
 *   and what the accounting then did ("charged", "generic-notification", ...).
 * - 'display-failed': the notifier refused the notification (or dispatch failed): nothing shown; the detail carries
 *   the error kind, never its message (which can quote the payload).
 * A message left with the service (inbox full, journal not writable) has no fate yet: it is not acked, and its
 * redelivery ends in one.
 */
export type Fate = FateView;

export interface FateRecord {
  messageId: string;
  subscriptionId: string | null;
  origin: string | null;
  fate: Fate;
  /** A typed error kind or a short reason; never key material or payload. */
  detail?: string;
  /** Plain text of the (first) notification shown or held back for this message. */
  title?: string;
  body?: string;
  receivedAt: number;
  at: number;
}

/** What the engine did with a notification request. */
export interface ShowResult {
  /** Held back by quiet hours (in the history, not on screen). */
  quiet: boolean;
  /** Settles when the platform took the notification; rejects when the notifier failed after it returned. */
  confirmed?: Promise<void>;
}

/** A worker's push event, with what it showed. */
export interface WorkerRun {
  outcome: WorkerOutcome;
  /** The first notification it showed (or had held back by quiet hours). */
  first: { title: string; body: string } | null;
  quiet: boolean;
}

/** Where a message sits in a coalesced batch (several messages for one origin sharing one worker wake-up). */
export interface BatchPosition {
  index: number;
  size: number;
}

/** What the pipeline needs from the engine around it. */
export interface DeliveryHost {
  registry: SubscriptionRegistry;
  inbox: Inbox;
  connection: PushConnection;
  logger: Logger;
  clock: Clock;
  fate(record: FateRecord): void;
  show(sub: SubscriptionRecord, request: NotificationRequest, source: NotificationModel['source'], receivedAt: number): ShowResult;
  /** Dispatches a push event to the subscription's worker; null when it has none (or no worker host). */
  dispatchToWorker(sub: SubscriptionRecord, data: Uint8Array | null, declared: NotificationRequest | undefined, batch: BatchPosition | null): Promise<WorkerRun> | null;
  /** Step 8 for a non-declarative push that ended with nothing shown: charge, pause or the generic notification. */
  settleSilent(sub: SubscriptionRecord, receivedAt: number): { fate: Fate; detail?: string };
  /** Coalescing window for this subscription's worker wake-ups now; 0 = dispatch at once. */
  coalesceMs(sub: SubscriptionRecord): number;
  /** Delay before retry number `attempt` (0-based) of a failed worker event; null = give up. */
  retryDelayMs(attempt: number): number | null;
  /** The unknown channel should be dropped at the service too. */
  forgetChannel(channelID: string): void;
  /** The first message of `sub`'s origin kept for want of a worker host: the generic notification saying why. */
  hostUnavailable(sub: SubscriptionRecord, why: string, receivedAt: number): void;
}

type Notification = Extract<ServerMessage, { type: 'notification' }>;

/** A message past steps 2-3, to decrypt and persist. */
interface Candidate {
  sub: SubscriptionRecord;
  entry: InboxMessage;
  keys: NonNullable<ReturnType<SubscriptionRegistry['keys']>>;
}

type Decrypted = { plaintext: Buffer | null } | { error: unknown };

const encrypted = (e: InboxMessage) => ({ data: e.data === null ? null : Buffer.from(e.data, 'base64url'), headers: e.headers });

export class DeliveryPipeline {
  #queue: Notification[] = [];
  #flushScheduled = false;
  /** A backlog batch waiting for its fsync: the next batch is flushed after it, so batches are acked in order. */
  #flushing: Promise<void> | null = null;
  /** Backlog messages acked (durable), decrypting, to dispatch in arrival order. */
  #toDecrypt: Array<Candidate & { result: Promise<Decrypted> }> = [];
  #pumping = false;
  /** A second thread for backlogs' decryption (stops itself when idle). */
  #thread = new DecryptThread();
  /** Per-subscription chains keep each subscription's messages in order through async dispatch. */
  #chains = new Map<string, Promise<void>>();
  #closed = false;
  /** Wakes the messages waiting to retry a worker event, so that stopping does not wait for their backoff. */
  #retryWaits = new Set<() => void>();
  #held = new Map<string, { items: Array<{ subscriptionId: string; entry: InboxMessage; plaintext: Buffer | null }>; timer: TimerHandle }>();
  /** Messages kept (in the inbox, no fate yet) because the worker host had no browser, by origin, in order. */
  #waitingForHost = new Map<string, Array<{ subscriptionId: string; entry: InboxMessage; plaintext: Buffer | null }>>();
  readonly #host: DeliveryHost;
  readonly #redelivery: Redelivery;

  constructor(host: DeliveryHost, redelivery?: { initialMs?: number; maxMs?: number }) {
    this.#host = host;
    this.#redelivery = new Redelivery({
      clock: host.clock,
      logger: host.logger,
      reconnect: (reason) => host.connection.reconnect(reason),
      lowWater: Math.floor(host.inbox.capacity / 2),
      ...redelivery,
    });
  }

  /** Step 1: a validated notification frame (the connection has checked its shape). */
  receive(message: Notification): void {
    this.#queue.push(message);
    this.#scheduleFlush();
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled || this.#flushing || !this.#queue.length) return;
    this.#flushScheduled = true;
    setImmediate(() => this.#flush());
  }

  /** Re-runs steps 6-8 for messages persisted but not done when the agent last stopped. */
  replay(): void {
    for (const entry of this.#host.inbox.pending()) {
      const sub = this.#host.registry.get(entry.subscriptionId);
      const keys = sub && this.#host.registry.keys(sub.id);
      if (!sub || !keys) {
        this.#done(entry.id);
        continue;
      }
      let plaintext: Buffer | null;
      try {
        plaintext = decryptPush({ data: entry.data === null ? null : Buffer.from(entry.data, 'base64url'), headers: entry.headers }, keys);
      } catch {
        this.#done(entry.id);
        continue;
      }
      this.#enqueue(sub, entry, plaintext);
    }
  }

  /** Resolves when every accepted message has been dispatched (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#queue.length || this.#chains.size || this.#flushing || this.#toDecrypt.length) {
      await new Promise((r) => setImmediate(r));
      await this.#flushing;
      await Promise.all([...this.#chains.values()]);
    }
  }

  #flush(): void {
    this.#flushScheduled = false;
    const batch = this.#queue.splice(0);
    const h = this.#host;
    const acks: Array<{ channelID: string; version: string; code: AckCode }> = [];
    const candidates: Candidate[] = [];
    const seen = new Set<string>();
    for (const m of batch) {
      const receivedAt = h.clock.now();
      const messageId = randomUUID();
      const record = (sub: SubscriptionRecord | undefined, fate: Fate, detail?: string) =>
        h.fate({ messageId, subscriptionId: sub?.id ?? null, origin: sub?.origin ?? null, fate, ...(detail ? { detail } : {}), receivedAt, at: h.clock.now() });

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
      // A paused subscription refuses deliveries (docs/policies.md): acked 102 and recorded.
      if (sub.paused) {
        acks.push({ channelID: m.channelID, version: m.version, code: 102 });
        record(sub, 'paused', sub.paused.reason);
        continue;
      }
      candidates.push({ sub, keys, entry: { id: messageId, subscriptionId: sub.id, version: m.version, receivedAt, data: m.data, headers: m.headers } });
    }

    const sendAcks = () => {
      if (acks.length && !h.connection.send(clientFrames.ack(acks))) h.logger.info('ack not sent: no connection; the service will redeliver', { count: acks.length });
    };
    if (candidates.length > 1) return this.#backlog(candidates, acks, sendAcks);

    // 4. Decrypt (one message: here, before the ack, so a failure is acked 101).
    const accepted: Array<{ c: Candidate; plaintext: Buffer | null }> = [];
    for (const c of candidates) {
      try {
        accepted.push({ c, plaintext: decryptPush(encrypted(c.entry), c.keys) });
      } catch (err) {
        this.#undecryptable(c, err);
        acks.push({ channelID: c.sub.channelID, version: c.entry.version, code: 101 });
      }
    }

    // 5. Persist (one fsync for the batch), then ack. What does not fit or cannot be written is left unacked, with
    // no fate: the service keeps it and redelivers it on a new connection, which Redelivery opens when it is time.
    let durable = this.#fitting(accepted);
    if (durable.length) {
      try {
        h.inbox.accept(durable.map((a) => a.c.entry));
        this.#redelivery.writeSucceeded();
      } catch (err) {
        // The inbox kept nothing of the batch (not pending, not in the de-duplication window), so the redelivery counts.
        h.logger.error('inbox write failed; messages left with the service', { code: err instanceof InboxWriteError ? err.code : errorKind(err), count: durable.length });
        durable = [];
        this.#redelivery.writeFailed();
      }
    }
    for (const a of durable) acks.push({ channelID: a.c.sub.channelID, version: a.c.entry.version, code: 100 });
    sendAcks();
    // Behind any backlog messages still to decrypt, so that dispatch stays in arrival order.
    if (!this.#toDecrypt.length) durable.forEach((a) => this.#enqueue(a.c.sub, a.c.entry, a.plaintext));
    else for (const a of durable) this.#toDecrypt.push({ ...a.c, result: Promise.resolve({ plaintext: a.plaintext }) });
  }

  /**
   * Steps 4-5 for a backlog (several messages in one batch): persisted as received (the fsync on the thread pool),
   * acked 100 once durable, then decrypted on the decryption thread (crypto/decrypt-thread.ts). The service sends
   * the next batch only when this one is acked, so decrypting first would put it on the critical path of every
   * batch; after the ack it overlaps the round trip and the next batch's journaling. The ack then says "stored
   * durably", not "decrypted": a message that turns out undecryptable was acked 100, not 101
   * (docs/protocol-notes.md). Batches are flushed one at a time (frames arriving meanwhile form the next: group
   * commit) and dispatched in arrival order.
   */
  #backlog(candidates: Candidate[], acks: Array<{ channelID: string; version: string; code: AckCode }>, sendAcks: () => void): void {
    const h = this.#host;
    const fitting = this.#fitting(candidates);
    if (!fitting.length) return sendAcks();
    this.#flushing = h.inbox
      .acceptAsync(fitting.map((c) => c.entry))
      .then(
        () => {
          this.#redelivery.writeSucceeded();
          for (const c of fitting) acks.push({ channelID: c.sub.channelID, version: c.entry.version, code: 100 });
          sendAcks();
          for (const c of fitting) {
            const result = this.#thread.decrypt(encrypted(c.entry), c.keys).then((plaintext): Decrypted => ({ plaintext }), (error: unknown): Decrypted => ({ error }));
            this.#toDecrypt.push({ ...c, result });
          }
          this.#pumpDecrypt();
        },
        (err: unknown) => {
          // The inbox kept nothing of the batch, so the redelivery counts.
          h.logger.error('inbox write failed; messages left with the service', { code: err instanceof InboxWriteError ? err.code : errorKind(err), count: fitting.length });
          this.#redelivery.writeFailed();
          sendAcks();
        },
      )
      .finally(() => {
        this.#flushing = null;
        this.#scheduleFlush();
      });
  }

  /** Dispatches backlog messages in arrival order as their decryption (on the second thread) completes. */
  #pumpDecrypt(): void {
    const head = this.#toDecrypt[0];
    if (this.#pumping || !head) return;
    this.#pumping = true;
    void head.result.then((o) => {
      this.#pumping = false;
      this.#toDecrypt.shift();
      try {
        if ('plaintext' in o) {
          this.#enqueue(head.sub, head.entry, o.plaintext);
        } else {
          this.#undecryptable(head, o.error);
          this.#host.inbox.done(head.entry.id);
        }
      } finally {
        this.#pumpDecrypt();
      }
    });
  }

  #undecryptable(c: Candidate, err: unknown): void {
    const kind = err instanceof DecryptError ? err.kind : 'internal';
    this.#host.fate({ messageId: c.entry.id, subscriptionId: c.sub.id, origin: c.sub.origin, fate: 'undecryptable', detail: kind, receivedAt: c.entry.receivedAt, at: this.#host.clock.now() });
    this.#host.logger.warn('push message could not be decrypted', { subscription: c.sub.id, kind });
  }

  /** What fits in the inbox; the rest is left with the service, and Redelivery asks for it once there is room again. */
  #fitting<T>(items: T[]): T[] {
    const room = this.#host.inbox.room();
    if (items.length <= room) return items;
    this.#host.logger.warn('inbox full: messages left with the service', { count: items.length - room });
    this.#redelivery.refusedFull();
    return items.slice(0, room);
  }

  /** Messages held for a coalesced worker wake-up (under `low`), by origin. */
  get held(): number {
    let n = 0;
    for (const b of this.#held.values()) n += b.items.length;
    return n;
  }

  /**
   * Stops holding: pending coalescing timers are cancelled. Held messages are persisted but not done, so the
   * inbox replays them at the next start.
   */
  close(): void {
    this.#closed = true;
    this.#redelivery.close();
    for (const b of this.#held.values()) this.#host.clock.clearTimeout(b.timer);
    this.#held.clear();
    for (const wake of this.#retryWaits) wake();
    this.#retryWaits.clear();
  }

  #waitForHost(sub: SubscriptionRecord, entry: InboxMessage, plaintext: Buffer | null, why: string): void {
    let waiting = this.#waitingForHost.get(sub.origin);
    if (!waiting) {
      this.#waitingForHost.set(sub.origin, (waiting = []));
      this.#host.hostUnavailable(sub, why, entry.receivedAt);
    }
    this.#host.logger.warn('message kept: no browser to run its worker', { subscription: sub.id });
    waiting.push({ subscriptionId: sub.id, entry, plaintext });
  }

  /** Messages kept for the worker host's browser, not yet dispatched again. */
  get waitingForHost(): number {
    let n = 0;
    for (const w of this.#waitingForHost.values()) n += w.length;
    return n;
  }

  /** The worker host has a browser again: the kept messages are dispatched, in order. */
  releaseWaitingForHost(): void {
    if (this.#closed) return;
    const all = [...this.#waitingForHost.values()].flat();
    this.#waitingForHost.clear();
    for (const it of all) this.#chain(it.subscriptionId, it.entry, it.plaintext, null);
  }

  /** Dispatches every held batch now (e.g. the power state left `low`). */
  releaseHeld(): void {
    for (const [origin, b] of [...this.#held]) {
      this.#host.clock.clearTimeout(b.timer);
      this.#release(origin);
    }
  }

  // Step 6 (defer): under `low`, messages for one origin that need its worker wait for the coalescing window
  // opened by the first of them, then run back to back in one worker session (BatchPosition, ports.ts).
  #enqueue(sub: SubscriptionRecord, entry: InboxMessage, plaintext: Buffer | null): void {
    const windowMs = this.#host.coalesceMs(sub) > 0 && this.#needsWorker(plaintext) ? this.#host.coalesceMs(sub) : 0;
    if (windowMs <= 0) return this.#chain(sub.id, entry, plaintext, null);
    let batch = this.#held.get(sub.origin);
    if (!batch) {
      const origin = sub.origin;
      const timer = this.#host.clock.setTimeout(() => this.#release(origin), windowMs);
      timer.unref?.();
      batch = { items: [], timer };
      this.#held.set(origin, batch);
    }
    batch.items.push({ subscriptionId: sub.id, entry, plaintext });
  }

  #release(origin: string): void {
    const batch = this.#held.get(origin);
    if (!batch) return;
    this.#held.delete(origin);
    const size = batch.items.length;
    batch.items.forEach((it, index) => this.#chain(it.subscriptionId, it.entry, it.plaintext, { index, size }));
  }

  /** A declarative message that its worker may not change needs no worker: never held. */
  #needsWorker(plaintext: Buffer | null): boolean {
    const display = displayPayload(plaintext, '', 'https://invalid');
    return !(display.kind === 'declarative' && !display.message.mutable);
  }

  #chain(subscriptionId: string, entry: InboxMessage, plaintext: Buffer | null, batch: BatchPosition | null): void {
    const prev = this.#chains.get(subscriptionId) ?? Promise.resolve();
    const next = prev
      .then(() => this.#process(subscriptionId, entry, plaintext, batch))
      // The error's kind only: a message can quote the payload.
      .catch((err: unknown) => this.#host.logger.error('dispatch failed', { subscription: subscriptionId, kind: errorKind(err) }))
      .finally(() => {
        if (this.#chains.get(subscriptionId) === next) this.#chains.delete(subscriptionId);
      });
    this.#chains.set(subscriptionId, next);
  }

  async #process(subscriptionId: string, entry: InboxMessage, plaintext: Buffer | null, batch: BatchPosition | null): Promise<void> {
    const h = this.#host;
    let sub = h.registry.get(subscriptionId);
    const origin = sub?.origin ?? null;
    const recordFate = (f: Fate, detail?: string, shown?: { title: string; body: string } | null) =>
      h.fate({
        messageId: entry.id,
        subscriptionId,
        origin,
        fate: f,
        ...(detail ? { detail } : {}),
        ...(shown ? { title: shown.title, body: shown.body } : {}),
        receivedAt: entry.receivedAt,
        at: h.clock.now(),
      });
    let keep = false;
    let fated = false;
    const fate = (f: Fate, detail?: string, shown?: { title: string; body: string } | null) => {
      fated = true;
      recordFate(f, detail, shown);
    };
    try {
      // 6. Decide.
      if (!sub) return fate('unknown-subscription', 'unsubscribed before delivery');
      if (sub.muted) return fate('muted');
      if (sub.paused) return fate('paused', sub.paused.reason);
      // 7. Dispatch: declarative display unless a worker handles it.
      const payload = displayPayload(plaintext, sub.label || sub.origin, sub.origin);
      const declared = payload.kind === 'declarative' ? payload.message : null;
      const shownText = (n: NotificationRequest) => ({ title: n.title, body: n.body ?? '' });
      const display = async (n: NotificationRequest, source: NotificationModel['source'], detail?: string) => {
        try {
          const r = h.show(sub!, n, source, entry.receivedAt);
          await r.confirmed;
          return fate(r.quiet ? 'quiet-hours' : 'shown', detail, shownText(n));
        } catch (err) {
          // Thrown at once, or the platform refused it later: either way nothing reached the screen.
          h.logger.warn('notification could not be shown', { subscription: subscriptionId, kind: errorKind(err) });
          return fate('display-failed', errorKind(err));
        }
      };
      let worker = declared && !declared.mutable ? null : h.dispatchToWorker(sub, plaintext, declared?.notification, batch);
      if (!worker) {
        const n = declared ? declared.notification : (payload as Extract<typeof payload, { kind: 'plain' }>).notification;
        return await display(n, declared ? 'declarative' : 'payload');
      }
      // Worker failures are nacked (301/302/303, metrics only) and retried with backoff (docs/architecture.md "The delivery pipeline", step 8),
      // unless the worker already showed something: a retry would show it twice.
      let run: WorkerRun;
      for (let attempt = 0; ; attempt++) {
        run = await worker;
        const o = run.outcome;
        if (o.status === 'ok') break;
        if (o.status === 'error' && o.kind === WORKER_HOST_UNAVAILABLE && o.shown === 0 && !declared) {
          // No browser to run the worker: kept, not lost, until the host has one (releaseWaitingForHost).
          keep = true;
          this.#waitForHost(sub, entry, plaintext, o.message);
          return;
        }
        h.connection.send(clientFrames.nack(entry.version, o.status === 'timeout' ? 303 : o.code));
        if (o.shown > 0) break;
        const delay = h.retryDelayMs(attempt);
        if (delay === null) break;
        await this.#retryWait(delay);
        if (this.#closed) {
          // Stopping: left in the inbox, replayed (and retried) at the next start.
          keep = true;
          return;
        }
        const again = h.registry.get(subscriptionId);
        if (!again) return fate('unknown-subscription', 'unsubscribed during retries');
        if (again.muted) return fate('muted', 'muted during retries');
        if (again.paused) return fate('paused', again.paused.reason);
        sub = again;
        const retry = h.dispatchToWorker(sub, plaintext, declared?.notification, null);
        if (!retry) break;
        worker = retry;
      }
      // 8. Account.
      const o = run.outcome;
      const failure = o.status === 'ok' ? null : o.status === 'timeout' ? ('worker-timeout' as const) : ('worker-error' as const);
      const failureDetail = o.status === 'error' ? o.kind : o.status === 'timeout' ? 'deadline' : '';
      if (o.shown > 0) return fate(run.quiet ? 'quiet-hours' : 'shown-by-worker', failureDetail || undefined, run.first);
      if (declared) {
        // A mutable declarative message whose worker showed nothing shows the declared one; never charged.
        return await display(declared.notification, 'declarative', failureDetail || undefined);
      }
      const settled = h.settleSilent(sub, entry.receivedAt);
      if (!failure) return fate(settled.fate, settled.detail);
      return fate(failure, `${failureDetail}; then ${settled.fate}${settled.detail ? ` (${settled.detail})` : ''}`);
    } catch (err) {
      // Every message ends in exactly one fate, even when dispatch itself failed.
      if (!fated) fate('display-failed', errorKind(err));
      throw err;
    } finally {
      // After the fate, never before: a kill in between shows the message again at the next start (a duplicate),
      // where marking it done first would lose it.
      if (!keep) this.#done(entry.id);
    }
  }

  #done(id: string): void {
    this.#host.inbox.done(id);
    this.#redelivery.drained(this.#host.inbox.pendingCount);
  }

  #retryWait(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = () => {
        this.#host.clock.clearTimeout(timer);
        this.#retryWaits.delete(wake);
        resolve();
      };
      const timer = this.#host.clock.setTimeout(wake, ms);
      this.#retryWaits.add(wake);
    });
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
