// The silent-push budget (docs/policies.md): one ledger entry per subscription that has one (sites, not user-made
// endpoints). One job: how many units are left, given the cap and refill rate of the current power state.
// Refill is computed lazily from the time of the last change, so no timer runs for it. A lower cap (e.g. switching
// to battery) clamps what is left at once; a higher one is reached by refill. A subscription never seen starts full.
// Persisted under the Store key 'budgets' on every charge, refill and forget (not on lazy reads).

import type { Store } from '../ports.ts';

export const STORE_KEY = 'budgets';

export interface BudgetRule {
  cap: number;
  /** Milliseconds per +1 unit; null = no refill. */
  refillMs: number | null;
}

export interface BudgetEntry {
  left: number;
  /** Refill accrues from this time. */
  since: number;
}

/** Pure: the entry after refill up to `now` and clamping to the cap. */
export function settle(entry: BudgetEntry | undefined, rule: BudgetRule, now: number): BudgetEntry {
  const cap = Math.max(0, Math.floor(rule.cap));
  if (!entry) return { left: cap, since: now };
  let left = Math.min(entry.left, cap);
  let since = Math.min(entry.since, now); // a clock that went back must not stall refill forever
  if (left >= cap || rule.refillMs === null || rule.refillMs <= 0) return { left, since: now };
  const units = Math.floor((now - since) / rule.refillMs);
  if (units > 0) {
    left = Math.min(cap, left + units);
    since = left >= cap ? now : since + units * rule.refillMs;
  }
  return { left, since };
}

function isEntry(v: unknown): v is BudgetEntry {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Record<string, unknown>;
  return (
    typeof e.left === 'number' &&
    Number.isInteger(e.left) &&
    e.left >= 0 &&
    typeof e.since === 'number' &&
    Number.isFinite(e.since)
  );
}

export class BudgetLedger {
  #store: Store;
  #entries = new Map<string, BudgetEntry>();

  constructor(store: Store) {
    this.#store = store;
    const raw = store.get(STORE_KEY);
    if (typeof raw === 'object' && raw !== null) {
      // Bad entries are dropped: the subscription then starts full, which favours the site, not the battery, once.
      for (const [id, e] of Object.entries(raw as Record<string, unknown>))
        if (isEntry(e)) this.#entries.set(id, { left: e.left, since: e.since });
    }
  }

  get(id: string, rule: BudgetRule, now: number): { left: number; cap: number } {
    return { left: settle(this.#entries.get(id), rule, now).left, cap: Math.max(0, Math.floor(rule.cap)) };
  }

  /** Spends one unit if any is left. Returns whether it could, and what is left. */
  charge(id: string, rule: BudgetRule, now: number): { charged: boolean; left: number } {
    const e = settle(this.#entries.get(id), rule, now);
    if (e.left <= 0) {
      this.#put(id, e);
      return { charged: false, left: 0 };
    }
    // Refill starts counting from the first unit spent below the cap.
    const next = { left: e.left - 1, since: e.left >= rule.cap ? now : e.since };
    this.#put(id, next);
    return { charged: true, left: next.left };
  }

  refill(id: string, rule: BudgetRule, now: number): void {
    this.#put(id, { left: Math.max(0, Math.floor(rule.cap)), since: now });
  }

  forget(id: string): void {
    if (this.#entries.delete(id)) this.#save();
  }

  #put(id: string, e: BudgetEntry): void {
    const old = this.#entries.get(id);
    this.#entries.set(id, e);
    if (!old || old.left !== e.left || old.since !== e.since) this.#save();
  }

  #save(): void {
    this.#store.set(STORE_KEY, Object.fromEntries(this.#entries));
  }
}
