// The delivery pipeline (docs/architecture.md "The delivery pipeline"), one numbered step per stage, read top-down:
//   1 receive -> 2 find -> 3 de-duplicate -> 4 decrypt -> 5 persist + ack -> 6 decide -> 7 dispatch -> 8 account.
// Each step returns its result (an ack code for the service, a Verdict with the message's fate); the last records
// the fate and marks the journal entry done. Frames that arrive together are handled as one batch: one fsync and
// one ack frame for all of them. A message on its own is decrypted, journaled, and shown while its fsync runs on
// the thread pool; its ack follows the fsync (#ackWhenDurable). A batch of several (a backlog draining) is journaled
// as received, acked once durable and decrypted after, on a second thread; frames arriving during its fsync form the
// next batch (group commit). See #backlog. Lifecycle (replay, idle, release, close) follows the steps.

import { randomUUID } from 'node:crypto';
import { decryptPush, DecryptError } from '../crypto/index.ts';
import type { PushConnection } from '../push-connection.ts';
import { errorKind } from '../log.ts';
import type { NotificationRequest } from '../notification.ts';
import { clientFrames, type AckCode, type ServerMessage } from '../protocol.ts';
import { WORKER_HOST_UNAVAILABLE, type Clock, type Logger, type TimerHandle } from '../ports.ts';
import type { PowerPolicy } from '../policy/power.ts';
import type { SubscriptionRegistry } from '../subscription-registry.ts';
import type { SubscriptionRecord } from '../subscription-record.ts';
import { BacklogDecryption } from './backlog-decryption.ts';
import { displayPayload, type DeclarativeMessage } from './declarative.ts';
import type { Display } from './display.ts';
import { undeliverable, type FateLog, type Verdict } from './fates.ts';
import { InboxWriteError, type Inbox, type InboxMessage } from './inbox.ts';
import { Redelivery } from './redelivery.ts';
import type { Settlement } from './settlement.ts';
import type { UnknownChannels } from './unknown-channels.ts';
import type { BatchPosition, WorkerDispatcher, WorkerRun } from './worker-dispatch.ts';

/** The parts the pipeline drives; the engine builds them (engine.ts is the composition root). */
export interface DeliveryParts {
  registry: SubscriptionRegistry;
  inbox: Inbox;
  connection: PushConnection;
  display: Display;
  workers: WorkerDispatcher;
  settlement: Settlement;
  fates: FateLog;
  unknownChannels: UnknownChannels;
  power: PowerPolicy;
  clock: Clock;
  logger: Logger;
  /** Delays before each retry of a failed worker event; their number is the number of retries. */
  retryDelaysMs: readonly number[];
  redelivery?: { initialMs?: number; maxMs?: number };
}

type Notification = Extract<ServerMessage, { type: 'notification' }>;
type Ack = { channelID: string; version: string; code: AckCode };

/** A message past steps 2-3, to decrypt and persist. */
interface Candidate {
  sub: SubscriptionRecord;
  entry: InboxMessage;
  keys: NonNullable<ReturnType<SubscriptionRegistry['keys']>>;
}

type Decrypted = { plaintext: Buffer | null } | { error: unknown };

/** A message persisted, decrypted, waiting for steps 6-8. */
interface Accepted {
  subscriptionId: string;
  entry: InboxMessage;
  plaintext: Buffer | null;
}

/** Step 7's result for a message left in the journal, without a fate yet (no worker host; stopping mid-retry). */
const KEPT = Symbol('kept');
type Kept = typeof KEPT;

/**
 * How long the first frames of a drain's batch wait for the rest of it. A Node timer, not the engine's Clock, on
 * purpose: it waits for the service's next frames in real time; a test's manual clock would hold the batch forever.
 */
const BATCH_WAIT_MS = 1;

const encrypted = (e: InboxMessage) => ({
  data: e.data === null ? null : Buffer.from(e.data, 'base64url'),
  headers: e.headers,
});

export class DeliveryPipeline {
  #queue: Notification[] = [];
  #flushScheduled = false;
  /** The first frames of a drain's batch waiting for the rest of it (#scheduleFlush). */
  #batchWait: NodeJS.Timeout | null = null;
  /** The most frames a batch of the current drain has held (the service's batch size, 10 for autopush). */
  #drainBatch = 0;
  /** A backlog batch waiting for its fsync: the next batch is flushed after it, so batches are acked in order. */
  #flushing: Promise<void> | null = null;
  /** Lone messages' fsyncs still running, their acks waiting for them (idle() waits: the inbox closes after). */
  #syncs = new Set<Promise<void>>();
  /** Backlog messages acked (durable), decrypting, to dispatch in arrival order. */
  #toDecrypt: Array<Candidate & { result: Promise<Decrypted> }> = [];
  #pumping = false;
  /** Backlogs' decryption: on a second thread, and on this one in a drain's tail (backlog-decryption.ts). */
  #decryption = new BacklogDecryption();
  /** Per-subscription chains keep each subscription's messages in order through async dispatch. */
  #chains = new Map<string, Promise<void>>();
  #closed = false;
  /** Wakes the messages waiting to retry a worker event, so that stopping does not wait for their backoff. */
  #retryWaits = new Set<() => void>();
  #held = new Map<string, { items: Accepted[]; timer: TimerHandle }>();
  /** Messages kept (in the inbox, no fate yet) because the worker host had no browser, by origin, in order. */
  #waitingForHost = new Map<string, Accepted[]>();
  readonly #p: DeliveryParts;
  readonly #redelivery: Redelivery;

  constructor(parts: DeliveryParts) {
    this.#p = parts;
    this.#redelivery = new Redelivery({
      clock: parts.clock,
      logger: parts.logger,
      reconnect: (reason) => parts.connection.reconnect(reason),
      lowWater: Math.floor(parts.inbox.capacity / 2),
      ...parts.redelivery,
    });
  }

  /** Step 1: a validated notification frame (the connection has checked its shape). */
  receive(message: Notification): void {
    this.#queue.push(message);
    this.#decryption.noteFrame();
    this.#scheduleFlush();
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled || this.#flushing || !this.#queue.length) return;
    if (this.#queue.length < this.#drainBatch && this.#toDecrypt.length) {
      // During a drain, fewer frames than the service's batches have held are most often the first of its next
      // batch, whose other frames are a few hundred microseconds behind (it writes them one by one): wait for
      // them, briefly, so that one fsync covers the batch instead of two in a row.
      this.#batchWait ??= setTimeout(() => {
        this.#batchWait = null;
        this.#flushScheduled = true;
        this.#flush();
      }, BATCH_WAIT_MS);
      return;
    }
    if (this.#batchWait) clearTimeout(this.#batchWait);
    this.#batchWait = null;
    this.#flushScheduled = true;
    setImmediate(() => this.#flush());
  }

  /** Steps 2-5 for the frames received since the last flush: each gets its ack code, all in one ack frame. */
  #flush(): void {
    this.#flushScheduled = false;
    const acks: Ack[] = [];
    const candidates: Candidate[] = [];
    const seen = new Set<string>();
    for (const m of this.#queue.splice(0)) {
      const c = this.#admit(m, seen);
      if ('code' in c) acks.push(c);
      else candidates.push(c);
    }
    // A frame alone while a backlog is still decrypting is part of it (the service's batch of 10 often arrives as 1
    // + 9 reads): journaled and acked with it, not decrypted and fsync'd on this thread ahead of the rest.
    if (candidates.length > 1 || (candidates.length && this.#toDecrypt.length)) return this.#backlog(candidates, acks);

    // 4. Decrypt (one message: here, before the ack, so a failure is acked 101).
    const accepted: Array<{ c: Candidate; plaintext: Buffer | null }> = [];
    for (const c of candidates) {
      try {
        accepted.push({ c, plaintext: decryptPush(encrypted(c.entry), c.keys) });
      } catch (err) {
        this.#undecryptable(c, err);
        acks.push(ackOf(c, 101));
      }
    }

    // 5. Persist, then ack. The journal line is written now (a kill loses nothing from here: it is in the page
    // cache) and its fsync runs on the thread pool while steps 6-8 show the message; the ack 100 waits for the
    // fsync, so it still means "stored durably". What does not fit or cannot be written is left unacked and not
    // shown, with no fate: the service keeps it and redelivers it on a new connection, which Redelivery opens when
    // it is time.
    let written = this.#fitting(accepted);
    if (written.length) {
      try {
        this.#p.inbox.write(written.map((a) => a.c.entry));
      } catch (err) {
        // The inbox kept nothing of the batch (not pending, not in the de-duplication window), so the redelivery
        // counts.
        this.#writeFailed(err, written.length);
        written = [];
      }
    }
    // 101 and 102 wait for nothing: none of those messages is journaled.
    this.#sendAcks(acks);
    // Behind any backlog messages still to decrypt, so that dispatch stays in arrival order.
    if (!this.#toDecrypt.length) written.forEach((a) => this.#enqueue(a.c.sub, a.c.entry, a.plaintext));
    else for (const a of written) this.#toDecrypt.push({ ...a.c, result: Promise.resolve({ plaintext: a.plaintext }) });
    // Handing the fsync to the thread pool costs this thread ~50 us: queued after the microtask that starts steps
    // 6-8 (when the subscription has nothing else in flight), it starts right after the show, in the same task.
    const durable = written.map((a) => ackOf(a.c, 100));
    if (durable.length) queueMicrotask(() => this.#ackWhenDurable(durable));
  }

  /**
   * Step 5's ack for messages written and already on their way to the screen: sent once the fsync completes. One
   * whose fsync fails is not acked: the service keeps it and redelivers it on a new connection, where the inbox,
   * which still holds it, acks it 102 as a duplicate instead of showing it again.
   */
  #ackWhenDurable(acks: Ack[]): void {
    const synced = this.#p.inbox.sync().then(
      () => {
        this.#redelivery.writeSucceeded();
        this.#sendAcks(acks);
      },
      (err: unknown) => {
        this.#p.logger.error('inbox fsync failed; messages not acked, their redelivery is a duplicate', {
          code: err instanceof InboxWriteError ? err.code : errorKind(err),
          count: acks.length,
        });
        if (!this.#closed) this.#redelivery.writeFailed();
      },
    );
    this.#syncs.add(synced);
    void synced.finally(() => this.#syncs.delete(synced));
  }

  /** Steps 2-3 for one frame: a candidate to decrypt and persist, or its ack (102) with its fate recorded. */
  #admit(m: Notification, seen: Set<string>): Candidate | Ack {
    const receivedAt = this.#p.clock.now();
    const messageId = randomUUID();
    const refuse = (sub: SubscriptionRecord | undefined, v: Verdict): Ack => {
      this.#record(messageId, sub?.id ?? null, sub?.origin ?? null, receivedAt, v);
      return { channelID: m.channelID, version: m.version, code: 102 };
    };
    // 2. Find the subscription.
    const sub = this.#p.registry.byChannel(m.channelID);
    const keys = sub && this.#p.registry.keys(sub.id);
    if (!sub || !keys) {
      this.#p.unknownChannels.forget(m.channelID);
      return refuse(undefined, { fate: 'unknown-subscription' });
    }
    // 3. De-duplicate by version (persisted ring, and within this batch).
    const key = `${sub.id}\u0000${m.version}`;
    if (seen.has(key) || this.#p.inbox.isDuplicate(sub.id, m.version)) return refuse(sub, { fate: 'duplicate' });
    seen.add(key);
    const refused = undeliverable(sub, 'arrival');
    if (refused) return refuse(sub, refused);
    return {
      sub,
      keys,
      entry: {
        id: messageId,
        subscriptionId: sub.id,
        version: m.version,
        receivedAt,
        data: m.data,
        headers: m.headers,
      },
    };
  }

  /** One ack frame for a batch; without a connection the service redelivers what it did not hear acked. */
  #sendAcks(acks: Ack[]): void {
    if (acks.length && !this.#p.connection.send(clientFrames.ack(acks)))
      this.#p.logger.info('ack not sent: no connection; the service will redeliver', { count: acks.length });
  }

  /**
   * Steps 4-5 for a backlog (several messages in one batch, or one while a backlog decrypts): persisted as received
   * (the fsync on the thread pool), acked 100 once durable, then decrypted on the decryption thread
   * (crypto/decrypt-thread.ts). The service sends the next batch only when this one is acked, so decrypting first
   * would put it on the critical path of every batch; after the ack it overlaps the round trip and the next
   * batch's journaling. The ack then says "stored
   * durably", not "decrypted": a message that turns out undecryptable was acked 100, not 101
   * (docs/protocol-notes.md). Batches are flushed one at a time (frames arriving meanwhile form the next: group
   * commit) and dispatched in arrival order.
   */
  #backlog(candidates: Candidate[], acks: Ack[]): void {
    this.#drainBatch = Math.max(this.#drainBatch, candidates.length + acks.length);
    const fitting = this.#fitting(candidates);
    if (!fitting.length) return this.#sendAcks(acks);
    this.#flushing = this.#p.inbox
      .acceptAsync(fitting.map((c) => c.entry))
      .then(
        () => {
          this.#redelivery.writeSucceeded();
          for (const c of fitting) acks.push(ackOf(c, 100));
          this.#sendAcks(acks);
          for (const c of fitting) {
            const result = this.#decryption.decrypt(encrypted(c.entry), c.keys).then(
              (plaintext): Decrypted => ({ plaintext }),
              (error: unknown): Decrypted => ({ error }),
            );
            this.#toDecrypt.push({ ...c, result });
          }
          this.#pumpDecrypt();
        },
        (err: unknown) => {
          // The inbox kept nothing of the batch, so the redelivery counts.
          this.#writeFailed(err, fitting.length);
          this.#sendAcks(acks);
        },
      )
      .finally(() => {
        this.#flushing = null;
        this.#scheduleFlush();
      });
  }

  #writeFailed(err: unknown, count: number): void {
    this.#p.logger.error('inbox write failed; messages left with the service', {
      code: err instanceof InboxWriteError ? err.code : errorKind(err),
      count,
    });
    this.#redelivery.writeFailed();
  }

  /** Dispatches backlog messages in arrival order as their decryption (on the second thread) completes. */
  #pumpDecrypt(): void {
    const head = this.#toDecrypt[0];
    if (this.#pumping || !head) return;
    this.#pumping = true;
    void head.result.then((o) => {
      this.#pumping = false;
      this.#toDecrypt.shift();
      if (!this.#toDecrypt.length) this.#drainBatch = 0;
      try {
        if ('plaintext' in o) {
          this.#enqueue(head.sub, head.entry, o.plaintext);
        } else {
          this.#undecryptable(head, o.error);
          this.#p.inbox.done(head.entry.id);
        }
      } finally {
        this.#pumpDecrypt();
      }
    });
  }

  #undecryptable(c: Candidate, err: unknown): void {
    const kind = err instanceof DecryptError ? err.kind : 'internal';
    this.#record(c.entry.id, c.sub.id, c.sub.origin, c.entry.receivedAt, { fate: 'undecryptable', detail: kind });
    this.#p.logger.warn('push message could not be decrypted', { subscription: c.sub.id, kind });
  }

  /** What fits in the inbox; the rest is left with the service, and Redelivery asks for it once there is room again. */
  #fitting<T>(items: T[]): T[] {
    const room = this.#p.inbox.room();
    if (items.length <= room) return items;
    this.#p.logger.warn('inbox full: messages left with the service', { count: items.length - room });
    this.#redelivery.refusedFull();
    return items.slice(0, room);
  }

  // Step 6 (defer): under `low`, messages for one origin that need its worker wait for the coalescing window
  // opened by the first of them, then run back to back in one worker session (BatchPosition, worker-dispatch.ts).
  #enqueue(sub: SubscriptionRecord, entry: InboxMessage, plaintext: Buffer | null): void {
    const coalesceMs = this.#p.workers.has(sub) ? this.#p.power.coalesceMs() : 0;
    const windowMs = coalesceMs > 0 && this.#needsWorker(plaintext) ? coalesceMs : 0;
    if (windowMs <= 0) return this.#chain({ subscriptionId: sub.id, entry, plaintext }, null);
    let batch = this.#held.get(sub.origin);
    if (!batch) {
      const origin = sub.origin;
      const timer = this.#p.clock.setTimeout(() => this.#release(origin), windowMs);
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
    batch.items.forEach((it, index) => this.#chain(it, { index, size }));
  }

  /** A declarative message that its worker may not change needs no worker: never held. */
  #needsWorker(plaintext: Buffer | null): boolean {
    const display = displayPayload(plaintext, '', 'https://invalid');
    return !(display.kind === 'declarative' && !display.message.mutable);
  }

  /** Steps 6-8 for one message, after the subscription's earlier messages. */
  #chain(message: Accepted, batch: BatchPosition | null): void {
    const { subscriptionId } = message;
    const prev = this.#chains.get(subscriptionId) ?? Promise.resolve();
    const next = prev
      .then(() => this.#settle(message, batch))
      // The error's kind only: a message can quote the payload.
      .catch((err: unknown) =>
        this.#p.logger.error('dispatch failed', { subscription: subscriptionId, kind: errorKind(err) }),
      )
      .finally(() => {
        if (this.#chains.get(subscriptionId) === next) this.#chains.delete(subscriptionId);
      });
    this.#chains.set(subscriptionId, next);
  }

  /** Records the message's one fate, then marks it done; a message kept for later stays in the journal. */
  async #settle(message: Accepted, batch: BatchPosition | null): Promise<void> {
    const { subscriptionId, entry } = message;
    const origin = this.#p.registry.get(subscriptionId)?.origin ?? null;
    let verdict: Verdict | Kept;
    let failure: unknown = null;
    try {
      verdict = await this.#deliver(message, batch);
    } catch (err) {
      // Every message ends in exactly one fate, even when dispatch itself failed.
      failure = err;
      verdict = { fate: 'display-failed', detail: errorKind(err) };
    }
    if (verdict === KEPT) return;
    try {
      this.#record(entry.id, subscriptionId, origin, entry.receivedAt, verdict);
    } finally {
      // After the fate, never before: a kill in between shows the message again at the next start (a duplicate),
      // where marking it done first would lose it.
      this.#done(entry.id);
    }
    if (failure) throw failure;
  }

  /** Steps 6-8: the message's verdict, or KEPT when it stays in the journal without one. */
  async #deliver(message: Accepted, batch: BatchPosition | null): Promise<Verdict | Kept> {
    const { subscriptionId, entry, plaintext } = message;
    const sub = this.#p.registry.get(subscriptionId);
    // 6. Decide.
    const refused = undeliverable(sub, 'dispatch');
    if (refused || !sub) return refused!;
    // 7. Dispatch: declarative display unless a worker handles it.
    const payload = displayPayload(plaintext, sub.label || sub.origin, sub.origin);
    const declared = payload.kind === 'declarative' ? payload.message : null;
    const worker =
      declared && !declared.mutable ? null : this.#p.workers.push(sub, plaintext, declared?.notification, batch);
    if (!worker) {
      const n = declared ? declared.notification : (payload as Extract<typeof payload, { kind: 'plain' }>).notification;
      return this.#p.display.deliver(sub, n, declared ? 'declarative' : 'payload', entry.receivedAt);
    }
    const ran = await this.#runWorker(sub, message, declared, worker);
    if (ran === KEPT || 'fate' in ran) return ran;
    // 8. Account.
    return this.#account(ran.sub, ran.run, declared, entry);
  }

  /**
   * Step 7 with a worker. Failures are nacked (301/302/303, metrics only) and retried with backoff
   * (docs/architecture.md
   * "The delivery pipeline", step 8), unless the worker already showed something: a retry would show it twice.
   */
  async #runWorker(
    sub: SubscriptionRecord,
    message: Accepted,
    declared: DeclarativeMessage | null,
    first: Promise<WorkerRun>,
  ): Promise<{ sub: SubscriptionRecord; run: WorkerRun } | Verdict | Kept> {
    const { entry, plaintext } = message;
    let worker = first;
    let run: WorkerRun;
    for (let attempt = 0; ; attempt++) {
      run = await worker;
      const o = run.outcome;
      if (o.status === 'ok') break;
      if (o.status === 'error' && o.kind === WORKER_HOST_UNAVAILABLE && o.shown === 0 && !declared) {
        // No browser to run the worker: kept, not lost, until the host has one (releaseWaitingForHost).
        this.#waitForHost(sub, message, o.message);
        return KEPT;
      }
      this.#p.connection.send(clientFrames.nack(entry.version, o.status === 'timeout' ? 303 : o.code));
      if (o.shown > 0) break;
      const delay = this.#p.retryDelaysMs[attempt];
      if (delay === undefined) break;
      await this.#retryWait(delay);
      // Stopping: left in the inbox, replayed (and retried) at the next start.
      if (this.#closed) return KEPT;
      const again = this.#p.registry.get(sub.id);
      const refused = undeliverable(again, 'retry');
      if (refused || !again) return refused!;
      sub = again;
      const retry = this.#p.workers.push(sub, plaintext, declared?.notification, null);
      if (!retry) break;
      worker = retry;
    }
    return { sub, run };
  }

  /** Step 8: what the worker's run comes to. */
  async #account(
    sub: SubscriptionRecord,
    run: WorkerRun,
    declared: DeclarativeMessage | null,
    entry: InboxMessage,
  ): Promise<Verdict> {
    const o = run.outcome;
    const failure =
      o.status === 'ok' ? null : o.status === 'timeout' ? ('worker-timeout' as const) : ('worker-error' as const);
    const failureDetail = o.status === 'error' ? o.kind : o.status === 'timeout' ? 'deadline' : '';
    if (o.shown > 0)
      return {
        fate: run.quiet ? 'quiet-hours' : 'shown-by-worker',
        ...(failureDetail ? { detail: failureDetail } : {}),
        shown: run.first,
      };
    // A mutable declarative message whose worker showed nothing shows the declared one; never charged.
    if (declared)
      return this.#p.display.deliver(
        sub,
        declared.notification,
        'declarative',
        entry.receivedAt,
        failureDetail || undefined,
      );
    const settled = this.#p.settlement.settleSilent(sub, entry.receivedAt);
    if (!failure) return settled;
    return {
      fate: failure,
      detail: `${failureDetail}; then ${settled.fate}${settled.detail ? ` (${settled.detail})` : ''}`,
    };
  }

  #waitForHost(sub: SubscriptionRecord, message: Accepted, why: string): void {
    let waiting = this.#waitingForHost.get(sub.origin);
    if (!waiting) {
      // The first message of the origin kept: one generic notification saying why.
      this.#waitingForHost.set(sub.origin, (waiting = []));
      const site = sub.label || new URL(sub.origin).host;
      this.#p.display.show(
        sub,
        {
          title: `${site} sent a message`,
          body: `Kept until it can be delivered: ${why}`,
        } satisfies NotificationRequest,
        'generic',
        message.entry.receivedAt,
      );
    }
    this.#p.logger.warn('message kept: no browser to run its worker', { subscription: sub.id });
    waiting.push(message);
  }

  #record(
    messageId: string,
    subscriptionId: string | null,
    origin: string | null,
    receivedAt: number,
    v: Verdict,
  ): void {
    this.#p.fates.record({
      messageId,
      subscriptionId,
      origin,
      fate: v.fate,
      ...(v.detail ? { detail: v.detail } : {}),
      ...(v.shown ? { title: v.shown.title, body: v.shown.body } : {}),
      receivedAt,
      at: this.#p.clock.now(),
    });
  }

  #done(id: string): void {
    this.#p.inbox.done(id);
    this.#redelivery.drained(this.#p.inbox.pendingCount);
  }

  #retryWait(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = () => {
        this.#p.clock.clearTimeout(timer);
        this.#retryWaits.delete(wake);
        resolve();
      };
      const timer = this.#p.clock.setTimeout(wake, ms);
      this.#retryWaits.add(wake);
    });
  }

  // ---- lifecycle ----

  /** Re-runs steps 6-8 for messages persisted but not done when the agent last stopped. */
  replay(): void {
    for (const entry of this.#p.inbox.pending()) {
      const sub = this.#p.registry.get(entry.subscriptionId);
      const keys = sub && this.#p.registry.keys(sub.id);
      if (!sub || !keys) {
        this.#done(entry.id);
        continue;
      }
      let plaintext: Buffer | null;
      try {
        plaintext = decryptPush(encrypted(entry), keys);
      } catch {
        this.#done(entry.id);
        continue;
      }
      this.#enqueue(sub, entry, plaintext);
    }
  }

  /** Resolves when every accepted message has been dispatched (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#queue.length || this.#chains.size || this.#flushing || this.#toDecrypt.length || this.#syncs.size) {
      await new Promise((r) => setImmediate(r));
      await this.#flushing;
      await Promise.all([...this.#syncs]);
      await Promise.all([...this.#chains.values()]);
    }
  }

  /** Messages held for a coalesced worker wake-up (under `low`), by origin. */
  get held(): number {
    let n = 0;
    for (const b of this.#held.values()) n += b.items.length;
    return n;
  }

  /** Dispatches every held batch now (e.g. the power state left `low`). */
  releaseHeld(): void {
    for (const [origin, b] of [...this.#held]) {
      this.#p.clock.clearTimeout(b.timer);
      this.#release(origin);
    }
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
    for (const it of all) this.#chain(it, null);
  }

  /**
   * Stops holding: pending coalescing timers are cancelled. Held messages are persisted but not done, so the
   * inbox replays them at the next start.
   */
  close(): void {
    this.#closed = true;
    // Frames waiting for the rest of their batch stay unacked: the service redelivers them.
    if (this.#batchWait) clearTimeout(this.#batchWait);
    this.#batchWait = null;
    this.#redelivery.close();
    for (const b of this.#held.values()) this.#p.clock.clearTimeout(b.timer);
    this.#held.clear();
    for (const wake of this.#retryWaits) wake();
    this.#retryWaits.clear();
  }
}

const ackOf = (c: Candidate, code: AckCode): Ack => ({ channelID: c.sub.channelID, version: c.entry.version, code });
