// Putting a notification on screen for a subscription, or during quiet hours holding it back (history only, one
// summary at their end). Either counts for the burst grace (policy/accounting.ts). Used by the pipeline's steps
// (declarative and payload display, the generic notification) and by a worker's showNotification.

import { errorKind } from '../log.ts';
import type { NotificationCenter } from '../notification-center.ts';
import type { NotificationModel, NotificationRequest } from '../notification.ts';
import type { Clock, Logger } from '../ports.ts';
import type { BurstGrace } from '../policy/accounting.ts';
import type { QuietHoursTracker } from '../policy/quiet-hours.ts';
import type { SubscriptionRecord } from '../subscription-record.ts';
import type { Verdict } from './fates.ts';

/** What became of a notification request. */
export interface ShowResult {
  /** Held back by quiet hours (in the history, not on screen). */
  quiet: boolean;
  /** Settles when the platform took the notification; rejects when the notifier failed after it returned. */
  confirmed?: Promise<void>;
}

export interface DisplayParts {
  notifications: NotificationCenter;
  quiet: QuietHoursTracker;
  grace: BurstGrace;
  clock: Clock;
  logger: Logger;
  /** A notification reached the notifier (the engine's 'notification' event). */
  shown(model: NotificationModel, receivedAt: number): void;
}

export class Display {
  readonly #p: DisplayParts;

  constructor(parts: DisplayParts) {
    this.#p = parts;
  }

  /**
   * Shows now, or holds back during quiet hours; does not wait for the platform. `sub` is the subscription it belongs
   * to, or `{ id: '', origin }` with `worker` for a worker's notification outside a push event.
   */
  show(
    sub: Pick<SubscriptionRecord, 'id' | 'origin'>,
    request: NotificationRequest,
    source: NotificationModel['source'],
    receivedAt: number,
    worker?: NotificationModel['worker'],
  ): ShowResult {
    this.#p.grace.shown(sub.origin, this.#p.clock.now());
    if (this.#p.quiet.isQuiet()) {
      this.#p.quiet.hold();
      return { quiet: true };
    }
    const { model, confirmed } = this.#p.notifications.showConfirmed(request, {
      subscriptionId: sub.id,
      origin: sub.origin,
      source,
      ...(worker ? { worker } : {}),
    });
    this.#p.shown(model, receivedAt);
    // Callers that do not wait for it (a worker's showNotification, the generic notification) still hear of a failure.
    confirmed.catch((err: unknown) => this.#p.logger.warn('notification failed', { kind: errorKind(err) }));
    return { quiet: false, confirmed };
  }

  /**
   * Step 7 without a worker: shows and waits for the platform; the message's fate ('shown', 'quiet-hours' or
   * 'display-failed').
   */
  async deliver(
    sub: SubscriptionRecord,
    request: NotificationRequest,
    source: NotificationModel['source'],
    receivedAt: number,
    detail?: string,
  ): Promise<Verdict> {
    try {
      const r = this.show(sub, request, source, receivedAt);
      await r.confirmed;
      return {
        fate: r.quiet ? 'quiet-hours' : 'shown',
        ...(detail ? { detail } : {}),
        shown: { title: request.title, body: request.body ?? '' },
      };
    } catch (err) {
      // Thrown at once, or the platform refused it later: either way nothing reached the screen.
      this.#p.logger.warn('notification could not be shown', { subscription: sub.id, kind: errorKind(err) });
      return { fate: 'display-failed', detail: errorKind(err) };
    }
  }
}
