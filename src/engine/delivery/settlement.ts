// Step 8 for a non-declarative push that ended with nothing shown: what it costs (policy/accounting.ts decides;
// this applies it): free, one budget unit (pausing the subscription when that was the last), or the generic
// notification. Returns the message's fate.

import type { Clock, Logger } from '../ports.ts';
import { genericNotificationTitle, judgeSilentPush, type BurstGrace } from '../policy/accounting.ts';
import type { BudgetLedger } from '../policy/budget.ts';
import type { PowerPolicy } from '../policy/power.ts';
import type { PreferencesService } from '../preferences-service.ts';
import type { SubscriptionRegistry } from '../subscription-registry.ts';
import type { SubscriptionRecord } from '../subscription-record.ts';
import type { Display } from './display.ts';
import type { Verdict } from './fates.ts';

export interface SettlementParts {
  registry: SubscriptionRegistry;
  budgets: BudgetLedger;
  grace: BurstGrace;
  power: PowerPolicy;
  display: Display;
  clock: Clock;
  logger: Logger;
  /** The burst grace is a preference, read live. */
  preferences: PreferencesService;
  /** A subscription was paused (the engine's 'subscriptions' event). */
  paused(): void;
}

/** Only sites' subscriptions have a silent-push budget (docs/policies.md). */
export const hasBudget = (sub: SubscriptionRecord): boolean => sub.kind === 'site';

export class Settlement {
  readonly #p: SettlementParts;

  constructor(parts: SettlementParts) {
    this.#p = parts;
  }

  settleSilent(sub: SubscriptionRecord, receivedAt: number): Verdict {
    const p = this.#p;
    const now = p.clock.now();
    const rule = p.power.budgetRule();
    const budgeted = hasBudget(sub);
    const verdict = judgeSilentPush({
      hasBudget: budgeted,
      userVisibleOnly: sub.userVisibleOnly,
      inGrace: p.grace.inGrace(sub.origin, now, p.preferences.current.policy.burstGraceSeconds * 1000),
      left: budgeted ? p.budgets.get(sub.id, rule, now).left : 0,
    });
    switch (verdict.kind) {
      case 'free':
        return { fate: 'shown-silently', detail: verdict.reason };
      case 'generic': {
        const site = sub.label || new URL(sub.origin).host;
        p.display.show(sub, { title: genericNotificationTitle(site) }, 'generic', receivedAt);
        return { fate: 'generic-notification', detail: 'no budget left' };
      }
      case 'charge': {
        p.budgets.charge(sub.id, rule, now);
        if (!verdict.pauseAfter) return { fate: 'charged' };
        p.registry.update(sub.id, { paused: { reason: 'silent-push budget used up', since: now } });
        p.logger.info('subscription paused: silent-push budget used up', { subscription: sub.id });
        p.paused();
        return { fate: 'charged', detail: 'paused' };
      }
    }
  }
}
