// The user's preferences (design.md §7: every number of the policy is a setting with the design's default).
// One job: validate a patch, merge it, persist it under the Store key 'preferences' and say when it changed.
// A bad patch changes nothing and throws a PreferencesError naming the first bad field.

import type { Store } from '../ports.ts';
import { EMBEDDED_SERVICE } from '../../shared/service-choice.ts';
import type { Preferences, PreferencesPatch, PolicyPreferences, PowerStateView, QuietHours } from '../../shared/settings-api.ts';

export const STORE_KEY = 'preferences';
export const POWER_STATES: readonly PowerStateView[] = ['ac', 'battery', 'low'];
export const URGENCIES = ['very-low', 'low', 'normal', 'high'] as const;

export class PreferencesError extends Error {
  readonly kind = 'invalid-preferences' as const;
  /** Dotted path of the offending field, e.g. "policy.budgetCap.battery". */
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'PreferencesError';
    this.field = field;
  }
}

export function defaultPolicy(): PolicyPreferences {
  return {
    budgetCap: { ac: 16, battery: 8, low: 2 },
    budgetRefillMinutes: { ac: 30, battery: 60, low: null },
    eventDeadlineSeconds: { ac: 30, battery: 30, low: 10 },
    workerKeepAliveSeconds: { ac: 30, battery: 10, low: 0 },
    lowPowerCoalesceSeconds: 10,
    burstGraceSeconds: 3,
    minUrgency: { ac: 'very-low', battery: 'low', low: 'high' },
    lowBatteryPercent: 20,
  };
}

export function defaultPreferences(serviceUrl: string): Preferences {
  return { serviceUrl, startAtLogin: false, quietHours: { enabled: false, start: '22:00', end: '07:00' }, policy: defaultPolicy() };
}

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function number(field: string, v: unknown, min: number, max: number, integer = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
    throw new PreferencesError(field, `must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
  }
  return v;
}

/** A partial per-power-state record: unknown states are refused, missing ones keep their value. */
function perState<T>(field: string, v: unknown, base: Record<PowerStateView, T>, check: (field: string, v: unknown) => T): Record<PowerStateView, T> {
  if (!isObject(v)) throw new PreferencesError(field, 'must be an object keyed by ac, battery, low');
  const out = { ...base };
  for (const [k, value] of Object.entries(v)) {
    if (!POWER_STATES.includes(k as PowerStateView)) throw new PreferencesError(`${field}.${k}`, 'is not a power state');
    out[k as PowerStateView] = check(`${field}.${k}`, value);
  }
  return out;
}

const POLICY_CHECKS: { [K in keyof PolicyPreferences]: (field: string, v: unknown, base: PolicyPreferences[K]) => PolicyPreferences[K] } = {
  budgetCap: (f, v, b) => perState(f, v, b, (ff, x) => number(ff, x, 0, 1000, true)),
  budgetRefillMinutes: (f, v, b) => perState(f, v, b, (ff, x) => (x === null ? null : number(ff, x, 1, 7 * 24 * 60))),
  eventDeadlineSeconds: (f, v, b) => perState(f, v, b, (ff, x) => number(ff, x, 1, 600)),
  workerKeepAliveSeconds: (f, v, b) => perState(f, v, b, (ff, x) => number(ff, x, 0, 3600)),
  lowPowerCoalesceSeconds: (f, v) => number(f, v, 0, 600),
  burstGraceSeconds: (f, v) => number(f, v, 0, 600),
  minUrgency: (f, v, b) =>
    perState(f, v, b, (ff, x) => {
      if (!URGENCIES.includes(x as (typeof URGENCIES)[number])) throw new PreferencesError(ff, `must be one of ${URGENCIES.join(', ')}`);
      return x as (typeof URGENCIES)[number];
    }),
  lowBatteryPercent: (f, v) => number(f, v, 0, 100),
};

/**
 * A ws(s) URL, or EMBEDDED_SERVICE: the host runs a push service inside its own process and gives the engine that
 * service's URL (the engine itself never starts one).
 */
function serviceUrl(v: unknown): string {
  if (v === EMBEDDED_SERVICE) return v;
  if (typeof v !== 'string' || v.length > 2048) throw new PreferencesError('serviceUrl', "must be a ws:// or wss:// URL, or 'local'");
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new PreferencesError('serviceUrl', "must be a ws:// or wss:// URL, or 'local'");
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new PreferencesError('serviceUrl', "must be a ws:// or wss:// URL, or 'local'");
  return v;
}

/** Applies a patch to `base`, validating every field; throws PreferencesError without touching `base`. */
export function applyPatch(base: Preferences, patch: unknown): Preferences {
  if (!isObject(patch)) throw new PreferencesError('(patch)', 'must be an object');
  const next: Preferences = structuredClone(base);
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    switch (k) {
      case 'serviceUrl':
        next.serviceUrl = serviceUrl(v);
        break;
      case 'startAtLogin':
        if (typeof v !== 'boolean') throw new PreferencesError(k, 'must be true or false');
        next.startAtLogin = v;
        break;
      case 'quietHours': {
        if (!isObject(v)) throw new PreferencesError(k, 'must be an object');
        for (const [qk, qv] of Object.entries(v)) {
          if (qv === undefined) continue;
          if (qk === 'enabled') {
            if (typeof qv !== 'boolean') throw new PreferencesError('quietHours.enabled', 'must be true or false');
            next.quietHours.enabled = qv;
          } else if (qk === 'start' || qk === 'end') {
            if (typeof qv !== 'string' || !HHMM.test(qv)) throw new PreferencesError(`quietHours.${qk}`, 'must be a time like 22:00');
            next.quietHours[qk as keyof Omit<QuietHours, 'enabled'>] = qv;
          } else throw new PreferencesError(`quietHours.${qk}`, 'is not a setting');
        }
        break;
      }
      case 'policy': {
        if (!isObject(v)) throw new PreferencesError(k, 'must be an object');
        for (const [pk, pv] of Object.entries(v)) {
          if (pv === undefined) continue;
          const check = POLICY_CHECKS[pk as keyof PolicyPreferences] as ((f: string, x: unknown, b: unknown) => unknown) | undefined;
          if (!check) throw new PreferencesError(`policy.${pk}`, 'is not a setting');
          (next.policy as unknown as Record<string, unknown>)[pk] = check(`policy.${pk}`, pv, next.policy[pk as keyof PolicyPreferences]);
        }
        break;
      }
      default:
        throw new PreferencesError(k, 'is not a setting');
    }
  }
  return next;
}

/** Reads the stored document leniently: each stored field that is still valid is kept, the rest fall back to defaults. */
export function loadPreferences(stored: unknown, defaults: Preferences): Preferences {
  if (!isObject(stored)) return structuredClone(defaults);
  let out = structuredClone(defaults);
  const tryPatch = (patch: PreferencesPatch) => {
    try {
      out = applyPatch(out, patch);
    } catch {
      // A value this build no longer accepts: keep the default for it.
    }
  };
  for (const k of ['serviceUrl', 'startAtLogin'] as const) if (k in stored) tryPatch({ [k]: stored[k] } as PreferencesPatch);
  if (isObject(stored.quietHours)) for (const [k, v] of Object.entries(stored.quietHours)) tryPatch({ quietHours: { [k]: v } });
  if (isObject(stored.policy)) for (const [k, v] of Object.entries(stored.policy)) tryPatch({ policy: { [k]: v } });
  return out;
}

/** `engine.preferences`: live values, validated writes, persisted under 'preferences'. */
export class PreferencesService {
  #store: Store;
  #value: Preferences;
  #onChange: (p: Preferences) => void;

  constructor(store: Store, defaults: Preferences, onChange: (p: Preferences) => void) {
    this.#store = store;
    this.#value = loadPreferences(store.get(STORE_KEY), defaults);
    this.#onChange = onChange;
  }

  /** A copy: callers cannot change the live values by mutating it. */
  get(): Preferences {
    return structuredClone(this.#value);
  }

  /** The live values, read-only, for the engine's hot paths. */
  get current(): Readonly<Preferences> {
    return this.#value;
  }

  set(patch: PreferencesPatch): Preferences {
    const next = applyPatch(this.#value, patch);
    this.#store.set(STORE_KEY, next);
    this.#value = next;
    this.#onChange(this.get());
    return this.get();
  }
}
