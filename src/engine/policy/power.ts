// Power state and what it means (design.md §7 table). One job: the current state from the host's PowerSource and
// the per-state numbers, read live from the preferences so that a changed setting applies without a restart.

import type { Logger, PowerSource, PowerState } from '../ports.ts';
import type { PolicyPreferences } from '../../shared/settings-api.ts';
import type { BudgetRule } from './budget.ts';

const STATES = new Set<PowerState>(['ac', 'battery', 'low']);

/** For hosts that cannot tell (and tests): a fixed state that a test may change. */
export class FixedPowerSource implements PowerSource {
  #state: PowerState;
  #listeners = new Set<(s: PowerState) => void>();
  constructor(state: PowerState = 'ac') {
    this.#state = state;
  }
  current(): PowerState {
    return this.#state;
  }
  onChange(listener: (state: PowerState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
  set(state: PowerState): void {
    if (state === this.#state) return;
    this.#state = state;
    for (const l of [...this.#listeners]) l(state);
  }
}

export class PowerPolicy {
  #state: PowerState;
  #policy: () => Readonly<PolicyPreferences>;
  #off: () => void;

  constructor(source: PowerSource, policy: () => Readonly<PolicyPreferences>, logger: Logger, onChange: (state: PowerState) => void) {
    this.#policy = policy;
    const first = safeCurrent(source, logger);
    this.#state = first ?? 'ac';
    this.#off = source.onChange((state) => {
      // The host is trusted but its platform may report oddities: an unknown value keeps the last good state.
      if (!STATES.has(state)) return logger.warn('power source reported an unknown state', { state: String(state).slice(0, 20) });
      if (state === this.#state) return;
      this.#state = state;
      onChange(state);
    });
  }

  get state(): PowerState {
    return this.#state;
  }

  budgetRule(state = this.#state): BudgetRule {
    const p = this.#policy();
    const minutes = p.budgetRefillMinutes[state];
    return { cap: p.budgetCap[state], refillMs: minutes === null ? null : minutes * 60_000 };
  }

  deadlineMs(): number {
    return this.#policy().eventDeadlineSeconds[this.#state] * 1000;
  }

  keepAliveMs(): number {
    return this.#policy().workerKeepAliveSeconds[this.#state] * 1000;
  }

  /** Wake-up coalescing window: only under `low` (design.md §7); 0 = dispatch at once. */
  coalesceMs(): number {
    return this.#state === 'low' ? this.#policy().lowPowerCoalesceSeconds * 1000 : 0;
  }

  minUrgency(): PolicyPreferences['minUrgency'][PowerState] {
    return this.#policy().minUrgency[this.#state];
  }

  close(): void {
    this.#off();
  }
}

function safeCurrent(source: PowerSource, logger: Logger): PowerState | null {
  try {
    const s = source.current();
    if (STATES.has(s)) return s;
    logger.warn('power source reported an unknown state', { state: String(s).slice(0, 20) });
  } catch (err) {
    logger.warn('power source failed', { error: (err as Error).message });
  }
  return null;
}
