// The notifications the engine has on screen: showing them through the Notifier (with tag replacement),
// answering getNotifications, and resolving what an activation means (docs/architecture.md "Notifications").

import { randomUUID } from 'node:crypto';
import { httpUrl, type NotificationModel, type NotificationRequest } from './notification.ts';
import type { Clock, Notifier } from './ports.ts';

/** At most this many notifications are remembered per origin; the oldest are closed first. */
const MAX_ACTIVE_PER_ORIGIN = 50;

export type Activation =
  | { kind: 'open'; url: string }
  | { kind: 'worker-click'; notification: NotificationModel; action: string }
  | { kind: 'none' };

export class NotificationCenter {
  #active = new Map<string, NotificationModel>();
  /** Last time each origin had a notification shown (the policy's burst grace needs it). */
  #lastShownAt = new Map<string, number>();
  readonly #notifier: Notifier;
  readonly #clock: Clock;
  readonly #onAsyncError: (err: unknown) => void;

  /** `onAsyncError`: a notifier's show() that rejects later (its synchronous throw reaches the caller of show()). */
  constructor(notifier: Notifier, clock: Clock, onAsyncError: (err: unknown) => void = () => {}) {
    this.#notifier = notifier;
    this.#clock = clock;
    this.#onAsyncError = onAsyncError;
  }

  show(request: NotificationRequest, meta: { subscriptionId: string; origin: string; source: NotificationModel['source'] }): NotificationModel {
    const { model, confirmed } = this.showConfirmed(request, meta);
    confirmed.catch(this.#onAsyncError);
    return model;
  }

  /**
   * Like show(), and also says whether the platform took it: `confirmed` rejects when the notifier fails after it
   * returned (a notification server that is not there), so the caller can record that instead of "shown".
   */
  showConfirmed(request: NotificationRequest, meta: { subscriptionId: string; origin: string; source: NotificationModel['source'] }): { model: NotificationModel; confirmed: Promise<void> } {
    const model: NotificationModel = { ...request, id: randomUUID(), subscriptionId: meta.subscriptionId, origin: meta.origin, source: meta.source, shownAt: this.#clock.now() };
    if (request.tag) {
      // Same non-empty tag from the same origin replaces the earlier notification.
      for (const old of this.#active.values()) {
        if (old.origin === meta.origin && old.tag === request.tag) this.#remove(old.id, true);
      }
    }
    const mine = [...this.#active.values()].filter((n) => n.origin === meta.origin);
    for (const old of mine.slice(0, Math.max(0, mine.length - MAX_ACTIVE_PER_ORIGIN + 1))) this.#remove(old.id, true);
    // A notifier that throws leaves nothing remembered here; the caller records the failure.
    const pending = this.#notifier.show(model) ?? Promise.resolve();
    this.#active.set(model.id, model);
    this.#lastShownAt.set(meta.origin, model.shownAt);
    const confirmed = pending.catch((err: unknown) => {
      this.#active.delete(model.id);
      throw err;
    });
    return { model, confirmed };
  }

  get(id: string): NotificationModel | undefined {
    return this.#active.get(id);
  }

  list(origin: string, tag?: string): NotificationModel[] {
    return [...this.#active.values()].filter((n) => n.origin === origin && (tag === undefined || tag === '' || n.tag === tag));
  }

  lastShownAt(origin: string): number | undefined {
    return this.#lastShownAt.get(origin);
  }

  /** The user clicked the notification (action = '' for the body). What should happen. */
  activate(id: string, action: string, fallbackUrl: string | undefined, hasWorker: boolean): Activation {
    const n = this.#active.get(id);
    if (!n) return { kind: 'none' };
    this.#remove(id, false);
    const chosen = action ? n.actions?.find((a) => a.action === action) : undefined;
    const navigate = chosen?.navigate ?? (action ? undefined : n.navigate);
    if (navigate) return { kind: 'open', url: navigate };
    if (hasWorker) return { kind: 'worker-click', notification: n, action };
    const url = httpUrl(fallbackUrl);
    return url ? { kind: 'open', url } : { kind: 'none' };
  }

  /** The user (or the platform) dismissed it. Returns it, for notificationclose. */
  dismissed(id: string): NotificationModel | undefined {
    const n = this.#active.get(id);
    if (n) this.#active.delete(id);
    return n;
  }

  /** A site's script closed one of its origin's notifications. Returns it, for notificationclose. */
  closeFor(origin: string, id: string): NotificationModel | undefined {
    const n = this.#active.get(id);
    if (!n || n.origin !== origin) return undefined;
    this.#remove(id, true);
    return n;
  }

  closeOrigin(origin: string): void {
    for (const n of this.list(origin)) this.#remove(n.id, true);
  }

  #remove(id: string, closeOnScreen: boolean): void {
    if (!this.#active.delete(id)) return;
    if (closeOnScreen) this.#notifier.close(id);
  }
}
