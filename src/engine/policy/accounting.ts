// What a push that showed nothing costs (docs/policies.md). One job: the decision, as a pure function, plus the
// memory of when each origin last showed a notification (the burst grace). The ledger is budget.ts.
//
// - Declarative messages never cost anything (the caller does not ask).
// - A push costs 1 unit only when it ends with no notification of its own and none from its origin was shown in
//   the grace period before it ended (Firefox's 3-second burst grace).
// - userVisibleOnly subscriptions spend budget while any is left, then get the generic notification; this holds
//   after success, rejection and timeout alike (Chrome's rule).
// - Others are paused when the budget reaches 0 (the next deliveries are acked 102 and recorded).

export type SilentVerdict =
  /** Not charged: subscriptions without a budget (user-made endpoints) or inside the burst grace. */
  { kind: 'free'; reason: 'no-budget' | 'burst-grace' } | { kind: 'charge'; pauseAfter: boolean } | { kind: 'generic' };

export interface SilentPush {
  /** False for subscriptions without a budget. */
  hasBudget: boolean;
  userVisibleOnly: boolean;
  /** The origin showed a notification within the grace period. */
  inGrace: boolean;
  /** Units left before this push. */
  left: number;
}

export function judgeSilentPush(p: SilentPush): SilentVerdict {
  if (!p.hasBudget) return { kind: 'free', reason: 'no-budget' };
  if (p.inGrace) return { kind: 'free', reason: 'burst-grace' };
  if (p.left > 0) return { kind: 'charge', pauseAfter: !p.userVisibleOnly && p.left - 1 <= 0 };
  // Nothing left: userVisibleOnly must show something; others pause (normally they already are).
  return p.userVisibleOnly ? { kind: 'generic' } : { kind: 'charge', pauseAfter: true };
}

/** When each origin last showed a notification (in memory: a restart forgets at most a few seconds of grace). */
export class BurstGrace {
  #last = new Map<string, number>();

  shown(origin: string, at: number): void {
    this.#last.set(origin, at);
    if (this.#last.size > 10_000) this.#last.delete(this.#last.keys().next().value!);
  }

  inGrace(origin: string, now: number, graceMs: number): boolean {
    const t = this.#last.get(origin);
    return t !== undefined && now - t <= graceMs && now >= t;
  }
}

/** The generic notification's text (Chrome: "This site has been updated in the background."). */
export function genericNotificationTitle(site: string): string {
  return `${site} updated in the background`;
}
