// Notifications a service worker shows outside any event the engine dispatched: from a timer, a `message` event its
// page sent, its script's first statement. The Notifications API lets a worker show one whenever its origin's
// notification permission is granted, push subscription or not. The hosts relay such calls here
// (WorkerHost.serveOutsideEvents); this module decides:
// - permission: granted in the engine's permission store (site-permissions.ts), else a TypeError as Chromium's;
// - rate: at most OUTSIDE_EVENT_LIMIT.count per origin in any OUTSIDE_EVENT_LIMIT.windowMs (docs/policies.md), beyond
//   that a TypeError; a push event's own notifications are not counted here (they have their per-event cap);
// - a history entry per notification (no subscription: `subscriptionId` null);
// - the notification remembers its worker (scope and script), so a click, a dismissal and the worker's own
//   `Notification.close()` dispatch `notificationclick` / `notificationclose` to that worker, and getNotifications
//   lists it with the origin's others.

import { randomUUID } from 'node:crypto';
import { errorKind } from './log.ts';
import type { NotificationCenter } from './notification-center.ts';
import { validateNotification, type NotificationModel } from './notification.ts';
import type { Clock, Logger, PermissionReader, WorkerClient, WorkerEvent, WorkerRef } from './ports.ts';
import type { Display } from './delivery/display.ts';
import type { FateRecord } from './delivery/fates.ts';
import type { WorkerDispatcher } from './delivery/worker-dispatch.ts';
import type { SubscriptionRegistry } from './subscription-registry.ts';

/** Notifications an origin's workers may show outside push events: `count` in any `windowMs`. */
export const OUTSIDE_EVENT_LIMIT = { count: 8, windowMs: 60_000 } as const;

/** Chromium's message when the origin has no notification permission. */
export const NO_PERMISSION_MESSAGE = 'No notification permission has been granted for this origin.';

export class OriginNotificationError extends TypeError {
  readonly kind: 'no-permission' | 'rate-limited';
  constructor(kind: OriginNotificationError['kind'], message: string) {
    super(message);
    this.kind = kind;
  }
}

export interface OriginNotificationParts {
  /** The engine's permission store; none: no origin is granted. */
  permissions: PermissionReader | undefined;
  notifications: NotificationCenter;
  display: Display;
  workers: WorkerDispatcher;
  registry: SubscriptionRegistry;
  clock: Clock;
  logger: Logger;
  /** One history entry (the engine's FateLog). */
  record(r: FateRecord): void;
}

export class OriginNotifications {
  readonly #p: OriginNotificationParts;
  /** When each origin's last notifications outside events were shown (at most `count` kept). */
  readonly #recent = new Map<string, number[]>();
  /** The window (its oldest entry) for which an origin's refusals were last logged. */
  readonly #loggedAt = new Map<string, number>();

  constructor(parts: OriginNotificationParts) {
    this.#p = parts;
  }

  /** What answers `worker`'s calls: outside any event (no `event`), or during a click or close dispatched here. */
  client(worker: WorkerRef, event?: WorkerEvent): WorkerClient {
    const p = this.#p;
    return {
      showNotification: (title, options) => this.#show(worker, title, options),
      getNotifications: (tag) => p.notifications.list(worker.origin, tag),
      openWindow: p.workers.windowOpener(event, worker.scope),
      getSubscription: () => {
        const sub = p.registry
          .list()
          .find((s) => s.kind === 'site' && s.origin === worker.origin && s.scope === worker.scope);
        return sub ? p.registry.toJSON(sub.id) : null;
      },
      closeNotification: (id) => {
        const n = p.notifications.closeFor(worker.origin, id);
        if (n) void this.dispatch(n, { type: 'notificationclose', notification: n });
      },
    };
  }

  /**
   * Sends a click or close on `n` to the worker that showed it outside a push event; false when `n` is not such a
   * notification (or there is no worker host), and the caller routes it by its subscription.
   */
  async dispatch(n: NotificationModel, event: WorkerEvent): Promise<boolean> {
    if (!n.worker) return false;
    const worker: WorkerRef = { origin: n.origin, ...n.worker };
    const outcome = await this.#p.workers.dispatchTo(worker, event, this.client(worker, event));
    if (!outcome) return false;
    if (outcome.status !== 'ok')
      this.#p.logger.info('a worker event for a notification shown outside a push event failed', {
        origin: n.origin,
        type: event.type,
        status: outcome.status,
      });
    return true;
  }

  async #show(worker: WorkerRef, title: string, options: unknown): Promise<void> {
    const p = this.#p;
    if (p.permissions?.state(worker.origin) !== 'granted')
      throw new OriginNotificationError('no-permission', NO_PERMISSION_MESSAGE);
    const request = validateNotification(title, options, worker.scope);
    const now = p.clock.now();
    const recent = (this.#recent.get(worker.origin) ?? []).filter(
      (t) => now - t < OUTSIDE_EVENT_LIMIT.windowMs && t <= now,
    );
    if (recent.length >= OUTSIDE_EVENT_LIMIT.count) {
      this.#recent.set(worker.origin, recent);
      // One line per origin per window: a worker calling in a loop does not flood the log.
      if (this.#loggedAt.get(worker.origin) !== recent[0]) {
        this.#loggedAt.set(worker.origin, recent[0]!);
        p.logger.info('notifications outside a push event refused: over the rate', { origin: worker.origin });
      }
      throw new OriginNotificationError(
        'rate-limited',
        `At most ${OUTSIDE_EVENT_LIMIT.count} notifications a minute may be shown outside a push event.`,
      );
    }
    recent.push(now);
    this.#recent.delete(worker.origin);
    this.#recent.set(worker.origin, recent);
    // Bounded like the burst grace's memory: the least recently showing origin goes first.
    if (this.#recent.size > 10_000) {
      const oldest = this.#recent.keys().next().value!;
      this.#recent.delete(oldest);
      this.#loggedAt.delete(oldest);
    }
    const r = p.display.show({ id: '', origin: worker.origin }, request, 'worker', now, {
      scope: worker.scope,
      scriptURL: worker.scriptURL,
    });
    let fate: FateRecord['fate'] = r.quiet ? 'quiet-hours' : 'shown-by-worker';
    let detail = 'outside a push event';
    try {
      await r.confirmed;
    } catch (err) {
      fate = 'display-failed';
      detail = errorKind(err);
    }
    const text = fate === 'display-failed' ? {} : { title: request.title, body: request.body ?? '' };
    p.record({
      messageId: randomUUID(),
      subscriptionId: null,
      origin: worker.origin,
      fate,
      detail,
      ...text,
      receivedAt: now,
      at: p.clock.now(),
    });
  }
}
