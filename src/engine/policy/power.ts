// Power state and what it means (docs/policies.md table). One job: the current state from the host's PowerSource and
// the per-state numbers, read live from the preferences so that a changed setting applies without a restart.

import type { Logger, PowerReport, PowerSource, PowerState } from '../ports.ts';
import type { PolicyPreferences } from '../../shared/preferences.ts';
import type { BudgetRule } from './budget.ts';

const STATES = new Set<PowerState>(['ac', 'battery', 'low']);

/** The one rule for both hosts: the OS saver, or a known battery level under the threshold, is `low`. */
export function powerStateFromReport(report: PowerReport, lowPercent: number): PowerState {
  if (report.saver) return 'low';
  if (!report.onBattery) return 'ac';
  return report.percent !== null && report.percent < lowPercent ? 'low' : 'battery';
}

function isReport(v: unknown): v is PowerReport {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return (
    typeof r.onBattery === 'boolean' &&
    typeof r.saver === 'boolean' &&
    (r.percent === null || (typeof r.percent === 'number' && Number.isFinite(r.percent)))
  );
}

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
  /** The host's last good report, kept so that a changed threshold is applied to it (reevaluate). */
  #report: PowerReport | null = null;
  #onChange: (state: PowerState) => void;

  constructor(
    source: PowerSource,
    policy: () => Readonly<PolicyPreferences>,
    logger: Logger,
    onChange: (state: PowerState) => void,
  ) {
    this.#policy = policy;
    this.#onChange = onChange;
    const first = safeCurrent(source, logger);
    if (first !== null && typeof first === 'object') this.#report = first;
    this.#state = first === null ? 'ac' : this.#decide(first);
    this.#off = source.onChange((value) => {
      // The host is trusted but its platform may report oddities: an unknown value keeps the last good state.
      if (!isReport(value) && !STATES.has(value))
        return logger.warn('power source reported an unknown state', { state: String(value).slice(0, 20) });
      this.#report = isReport(value) ? value : null;
      this.#set(this.#decide(value));
    });
  }

  /** Applies a changed `lowBatteryPercent` to the last report (the engine calls this on every preferences change). */
  reevaluate(): void {
    if (this.#report) this.#set(this.#decide(this.#report));
  }

  #decide(value: PowerState | PowerReport): PowerState {
    return typeof value === 'object' ? powerStateFromReport(value, this.#policy().lowBatteryPercent) : value;
  }

  #set(state: PowerState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.#onChange(state);
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

  /** Wake-up coalescing window: only under `low` (docs/policies.md); 0 = dispatch at once. */
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

function safeCurrent(source: PowerSource, logger: Logger): PowerState | PowerReport | null {
  try {
    const s = source.current();
    if (isReport(s) || STATES.has(s)) return s;
    logger.warn('power source reported an unknown state', { state: String(s).slice(0, 20) });
  } catch (err) {
    logger.warn('power source failed', { error: (err as Error).message });
  }
  return null;
}
