// What became of a message, and the one "still deliverable?" check. Every message ends in exactly one fate; the
// FateLog turns it into a history entry and tells the engine's listeners.

import type { Fate, HistoryEntry } from '../../shared/history-entry.ts';
import type { SubscriptionRecord } from '../subscription-record.ts';
import type { History } from '../history.ts';
import type { SubscriptionRegistry } from '../subscription-registry.ts';

/*
 * What became of a message (Fate, src/shared/history-entry.ts); every message ends in exactly one fate (the history
 * records it). Choices made here (docs/policies.md):
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
export type { Fate };

/** A fate with what the steps found: the result each step of the pipeline returns. */
export interface Verdict {
  fate: Fate;
  /** A typed error kind or a short reason; never key material or payload. */
  detail?: string;
  /** Plain text of the (first) notification shown or held back for this message. */
  shown?: { title: string; body: string } | null;
}

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

/**
 * Step 6, decide: whether a message for `sub` may still be delivered, asked on arrival, before dispatch and before
 * each retry (the user can unsubscribe, mute or the budget pause it meanwhile). Null: deliverable.
 */
export function undeliverable(
  sub: SubscriptionRecord | undefined,
  when: 'arrival' | 'dispatch' | 'retry',
): Verdict | null {
  if (!sub)
    return {
      fate: 'unknown-subscription',
      ...(when === 'arrival'
        ? {}
        : { detail: when === 'retry' ? 'unsubscribed during retries' : 'unsubscribed before delivery' }),
    };
  // A muted subscription's messages are acked 100 and journaled: muting hides them, it does not refuse them.
  if (sub.muted && when !== 'arrival')
    return { fate: 'muted', ...(when === 'retry' ? { detail: 'muted during retries' } : {}) };
  // A paused one refuses deliveries (docs/policies.md): acked 102 and recorded.
  if (sub.paused) return { fate: 'paused', detail: sub.paused.reason };
  return null;
}

/** Records fates: one history entry each (with the subscription's label then), and the listener hears both. */
export class FateLog {
  readonly #history: History;
  readonly #registry: SubscriptionRegistry;
  readonly #listener: (record: FateRecord, entry: HistoryEntry) => void;

  constructor(
    history: History,
    registry: SubscriptionRegistry,
    listener: (record: FateRecord, entry: HistoryEntry) => void,
  ) {
    this.#history = history;
    this.#registry = registry;
    this.#listener = listener;
  }

  record(r: FateRecord): void {
    const entry: HistoryEntry = {
      id: r.messageId,
      subscriptionId: r.subscriptionId,
      origin: r.origin,
      label: r.subscriptionId ? (this.#registry.get(r.subscriptionId)?.label ?? null) : null,
      fate: r.fate,
      detail: r.detail ?? null,
      title: r.title ?? null,
      body: r.body ?? null,
      receivedAt: r.receivedAt,
      at: r.at,
    };
    this.#history.add(entry);
    this.#listener(r, entry);
  }
}
