// Step 7 with a worker: one event to a subscription's service worker through the host's WorkerHost, and what the
// worker may ask of the engine meanwhile (WorkerClient). A push event's result says what the worker showed; the
// other events (click, close, subscription change) come from the engine's public API.

import { httpUrl, validateNotification, type NotificationModel, type NotificationRequest } from '../notification.ts';
import type { NotificationCenter } from '../notification-center.ts';
import type {
  Clock,
  Logger,
  UrlOpener,
  WorkerClient,
  WorkerEvent,
  WorkerHost,
  WorkerOutcome,
  WorkerRef,
} from '../ports.ts';
import type { PowerPolicy } from '../policy/power.ts';
import type { SubscriptionRegistry } from '../subscription-registry.ts';
import type { SubscriptionRecord } from '../subscription-record.ts';
import type { Display } from './display.ts';

/** A worker kept alive between the events of one coalesced batch: the next one is dispatched as soon as this ends. */
const BATCH_BRIDGE_MS = 2_000;

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

export interface WorkerDispatchParts {
  host: WorkerHost | undefined;
  registry: SubscriptionRegistry;
  notifications: NotificationCenter;
  display: Display;
  power: PowerPolicy;
  clock: Clock;
  logger: Logger;
  opener: UrlOpener | undefined;
  /**
   * Sends `notificationclose` for a notification a worker showed outside a push event to that worker
   * (origin-notifications.ts), when a subscription's worker closed it.
   */
  closedOutsideEvent?(notification: NotificationModel): void;
  /** Overrides of the power state's deadline and keep-alive (tests, benchmarks). */
  deadlineMs?: number;
  keepAliveMs?: number;
}

export class WorkerDispatcher {
  readonly #p: WorkerDispatchParts;

  constructor(parts: WorkerDispatchParts) {
    this.#p = parts;
  }

  /** The subscription has a service worker and the host can run it. */
  has(sub: SubscriptionRecord): boolean {
    return Boolean(this.#p.host && sub.workerScriptURL);
  }

  /** A push event; null when the subscription has no worker (or there is no worker host). */
  push(
    sub: SubscriptionRecord,
    data: Uint8Array | null,
    declared: NotificationRequest | undefined,
    batch: BatchPosition | null,
  ): Promise<WorkerRun> | null {
    if (!this.has(sub)) return null;
    let first: WorkerRun['first'] = null;
    let quiet = false;
    const shown = (request: NotificationRequest, held: boolean) => {
      first ??= { title: request.title, body: request.body ?? '' };
      if (held) quiet = true;
    };
    const keepAliveMs =
      batch && batch.index < batch.size - 1 ? Math.max(BATCH_BRIDGE_MS, this.#keepAliveMs()) : undefined;
    const event: WorkerEvent = { type: 'push', data, ...(declared ? { notification: declared } : {}) };
    return this.#run(sub, event, shown, keepAliveMs).then((outcome) => ({ outcome, first, quiet }));
  }

  /** Any other event (the caller has checked `has(sub)`). */
  dispatch(sub: SubscriptionRecord, event: WorkerEvent): Promise<WorkerOutcome> {
    return this.#run(sub, event);
  }

  /** Opens an http(s) URL in the user's browser; a failure is logged, never thrown. */
  async open(url: string): Promise<void> {
    const safe = httpUrl(url);
    if (!safe || !this.#p.opener) return;
    try {
      await this.#p.opener.open(safe);
    } catch (err) {
      this.#p.logger.warn('could not open URL', { error: (err as Error).message });
    }
  }

  #keepAliveMs(): number {
    return this.#p.keepAliveMs ?? this.#p.power.keepAliveMs();
  }

  #run(
    sub: SubscriptionRecord,
    event: WorkerEvent,
    shown?: (request: NotificationRequest, quiet: boolean) => void,
    keepAliveMs?: number,
  ): Promise<WorkerOutcome> {
    const p = this.#p;
    const receivedAt = p.clock.now();
    const client: WorkerClient = {
      showNotification: async (title, options) => {
        const request = validateNotification(title, options, sub.scope);
        const r = p.display.show(sub, request, 'worker', receivedAt);
        shown?.(request, r.quiet);
      },
      getNotifications: (tag) => p.notifications.list(sub.origin, tag),
      openWindow: this.windowOpener(event, sub.scope),
      getSubscription: () => p.registry.toJSON(sub.id),
      closeNotification: (id) => {
        const n = p.notifications.closeFor(sub.origin, id);
        if (n?.worker && p.closedOutsideEvent) p.closedOutsideEvent(n);
        else if (n && this.has(sub)) void this.#run(sub, { type: 'notificationclose', notification: n });
      },
    };
    // has(sub) held for every caller: there is a host.
    return this.dispatchTo(
      { origin: sub.origin, scope: sub.scope, scriptURL: sub.workerScriptURL! },
      event,
      client,
      keepAliveMs,
    )!;
  }

  /**
   * One event to a worker known by its registration, its calls answered by `client` (a subscription's worker above;
   * a worker's notification shown outside a push event, src/engine/origin-notifications.ts). Null without a host.
   */
  dispatchTo(
    worker: WorkerRef,
    event: WorkerEvent,
    client: WorkerClient,
    keepAliveMs?: number,
  ): Promise<WorkerOutcome> | null {
    const p = this.#p;
    if (!p.host) return null;
    return p.host.dispatch(
      {
        ...worker,
        event,
        deadlineMs: p.deadlineMs ?? p.power.deadlineMs(),
        keepAliveMs: keepAliveMs ?? this.#keepAliveMs(),
      },
      client,
    );
  }

  /**
   * A worker's `clients.openWindow` during `event`: one window per click, counted here where the URL is opened; no
   * other event may open one.
   */
  windowOpener(event: WorkerEvent | undefined, scope: string): WorkerClient['openWindow'] {
    let windows = 0;
    return async (url) => {
      if (event?.type !== 'notificationclick' || windows >= 1) return false;
      const safe = httpUrl(url, scope);
      if (!safe) return false;
      windows++;
      await this.open(safe);
      return true;
    };
  }
}
