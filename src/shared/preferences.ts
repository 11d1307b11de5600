// The preferences schema: the types, one limits table and the time-of-day format, and the one validator that the
// settings window's inputs, the IPC hub and the engine all use (docs/policies.md lists what each number means).
// Pure: no Node, no effects, so every layer may import it.

import { EMBEDDED_SERVICE } from './service-choice.ts';

export type PowerStateView = 'ac' | 'battery' | 'low';
export const POWER_STATES: readonly PowerStateView[] = ['ac', 'battery', 'low'];
export const URGENCIES = ['very-low', 'low', 'normal', 'high'] as const;
export type Urgency = (typeof URGENCIES)[number];

/** Every number of docs/policies.md is a preference with that page's default. */
export interface PolicyPreferences {
  /** Silent-push budget cap per origin, by power state. Defaults 16 / 8 / 2. */
  budgetCap: Record<PowerStateView, number>;
  /** Minutes per +1 budget unit, by power state; null = no refill. Defaults 30 / 60 / null. */
  budgetRefillMinutes: Record<PowerStateView, number | null>;
  /** Push event deadline in seconds, by power state. Defaults 30 / 30 / 10. */
  eventDeadlineSeconds: Record<PowerStateView, number>;
  /** Worker kept alive after an event, seconds. Defaults 30 / 10 / 0. */
  workerKeepAliveSeconds: Record<PowerStateView, number>;
  /** Coalescing window for worker wake-ups under `low`, seconds. Default 10. */
  lowPowerCoalesceSeconds: number;
  /** Burst grace: a push is not charged when the origin showed a notification this many seconds before. Default 3. */
  burstGraceSeconds: number;
  /** Minimum urgency asked of the service, by power state. Defaults very-low / low / high. */
  minUrgency: Record<PowerStateView, Urgency>;
  /** Battery percentage under which the state is `low`. Default 20. */
  lowBatteryPercent: number;
}

export interface QuietHours {
  enabled: boolean;
  /** Local time "HH:MM", 24-hour. */
  start: string;
  end: string;
}

export interface Preferences {
  serviceUrl: string;
  startAtLogin: boolean;
  quietHours: QuietHours;
  policy: PolicyPreferences;
}

/** Per-power-state records may be partial in a patch: missing states keep their value. */
export type PolicyPatch = {
  [K in keyof PolicyPreferences]?: PolicyPreferences[K] extends Record<PowerStateView, infer V>
    ? Partial<Record<PowerStateView, V>>
    : PolicyPreferences[K];
};

export type PreferencesPatch = Partial<Omit<Preferences, 'policy' | 'quietHours'>> & {
  quietHours?: Partial<QuietHours>;
  policy?: PolicyPatch;
};

/** "HH:MM", 24-hour. */
export const TIME_OF_DAY = /^([01]\d|2[0-3]):[0-5]\d$/;

type NumericPolicyKey = Exclude<keyof PolicyPreferences, 'minUrgency'>;

/** The one limits table. Every number is a whole number; `perPower` ones have a value per power state. */
export const POLICY_LIMITS: {
  readonly [K in NumericPolicyKey]: { min: number; max: number; perPower: boolean; nullable?: true };
} = {
  budgetCap: { min: 0, max: 1000, perPower: true },
  budgetRefillMinutes: { min: 1, max: 7 * 24 * 60, perPower: true, nullable: true },
  eventDeadlineSeconds: { min: 1, max: 300, perPower: true },
  workerKeepAliveSeconds: { min: 0, max: 600, perPower: true },
  lowPowerCoalesceSeconds: { min: 0, max: 300, perPower: false },
  burstGraceSeconds: { min: 0, max: 60, perPower: false },
  lowBatteryPercent: { min: 1, max: 99, perPower: false },
};

export const SERVICE_URL_MAX_CHARS = 2048;

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
  return {
    serviceUrl,
    startAtLogin: false,
    quietHours: { enabled: false, start: '22:00', end: '07:00' },
    policy: defaultPolicy(),
  };
}

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

const fail = (field: string, message: string): never => {
  throw new PreferencesError(field, message);
};

/** A plain object: not an array, not a Date or a boxed value, not a class instance. */
function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function only(v: Record<string, unknown>, allowed: readonly string[], field: string): void {
  for (const k of Object.keys(v)) if (!allowed.includes(k)) fail(field ? `${field}.${k}` : k, 'is not a setting');
}

function wholeNumber(field: string, v: unknown, limits: { min: number; max: number; nullable?: true }): number | null {
  if (v === null && limits.nullable) return null;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < limits.min || v > limits.max) {
    fail(field, `must be a whole number from ${limits.min} to ${limits.max}${limits.nullable ? ', or null' : ''}`);
  }
  return v as number;
}

function perPower<T>(
  field: string,
  v: unknown,
  item: (field: string, x: unknown) => T,
): Partial<Record<PowerStateView, T>> {
  if (!isPlainObject(v)) return fail(field, 'must be an object keyed by ac, battery, low');
  only(v, POWER_STATES, field);
  const out: Partial<Record<PowerStateView, T>> = {};
  for (const p of POWER_STATES) if (v[p] !== undefined) out[p] = item(`${field}.${p}`, v[p]);
  return out;
}

/**
 * A ws(s) URL, or EMBEDDED_SERVICE ('local'): the host runs a push service inside its own process and gives the
 * engine that service's URL (the engine itself never starts one).
 */
export function checkServiceUrl(v: unknown, field = 'serviceUrl'): string {
  if (v === EMBEDDED_SERVICE) return v;
  if (typeof v !== 'string' || v.length === 0 || v.length > SERVICE_URL_MAX_CHARS)
    return fail(field, "must be a ws:// or wss:// URL, or 'local'");
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    return fail(field, "must be a ws:// or wss:// URL, or 'local'");
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') fail(field, "must be a ws:// or wss:// URL, or 'local'");
  // Credentials in the URL would be shown in the status view and written into state.json.
  if (url.username || url.password) fail(field, 'must not contain a user name or password');
  return v;
}

/**
 * Validates a patch (untrusted: from the settings window, or a stored document) and returns a clean copy holding only
 * the fields it had. Throws a PreferencesError naming the first bad field; never coerces.
 */
export function validatePreferencesPatch(patch: unknown): PreferencesPatch {
  if (!isPlainObject(patch)) return fail('(patch)', 'must be an object');
  only(patch, ['serviceUrl', 'startAtLogin', 'quietHours', 'policy'], '');
  const out: PreferencesPatch = {};
  if (patch.serviceUrl !== undefined) out.serviceUrl = checkServiceUrl(patch.serviceUrl);
  if (patch.startAtLogin !== undefined) {
    if (typeof patch.startAtLogin !== 'boolean') fail('startAtLogin', 'must be true or false');
    out.startAtLogin = patch.startAtLogin as boolean;
  }
  if (patch.quietHours !== undefined) {
    const q = patch.quietHours;
    if (!isPlainObject(q)) return fail('quietHours', 'must be an object');
    only(q, ['enabled', 'start', 'end'], 'quietHours');
    const qh: Partial<QuietHours> = {};
    if (q.enabled !== undefined) {
      if (typeof q.enabled !== 'boolean') fail('quietHours.enabled', 'must be true or false');
      qh.enabled = q.enabled as boolean;
    }
    for (const k of ['start', 'end'] as const) {
      if (q[k] === undefined) continue;
      if (typeof q[k] !== 'string' || !TIME_OF_DAY.test(q[k])) fail(`quietHours.${k}`, 'must be a time like 22:00');
      qh[k] = q[k] as string;
    }
    out.quietHours = qh;
  }
  if (patch.policy !== undefined) {
    const p = patch.policy;
    if (!isPlainObject(p)) return fail('policy', 'must be an object');
    only(p, [...Object.keys(POLICY_LIMITS), 'minUrgency'], 'policy');
    const policy: Record<string, unknown> = {};
    for (const [key, limits] of Object.entries(POLICY_LIMITS) as Array<
      [NumericPolicyKey, (typeof POLICY_LIMITS)[NumericPolicyKey]]
    >) {
      if (p[key] === undefined) continue;
      const field = `policy.${key}`;
      policy[key] = limits.perPower
        ? perPower(field, p[key], (f, x) => wholeNumber(f, x, limits))
        : wholeNumber(field, p[key], limits);
    }
    if (p.minUrgency !== undefined) {
      policy.minUrgency = perPower('policy.minUrgency', p.minUrgency, (f, x) => {
        if (!URGENCIES.includes(x as Urgency)) fail(f, `must be one of ${URGENCIES.join(', ')}`);
        return x as Urgency;
      });
    }
    out.policy = policy as PolicyPatch;
  }
  return out;
}

/** Validates `patch` and merges it into a copy of `base`; `base` is untouched when it throws. */
export function applyPreferencesPatch(base: Preferences, patch: unknown): Preferences {
  const clean = validatePreferencesPatch(patch);
  const next: Preferences = structuredClone(base);
  if (clean.serviceUrl !== undefined) next.serviceUrl = clean.serviceUrl;
  if (clean.startAtLogin !== undefined) next.startAtLogin = clean.startAtLogin;
  if (clean.quietHours) Object.assign(next.quietHours, clean.quietHours);
  if (clean.policy) {
    const policy = next.policy as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries(clean.policy)) {
      const current = policy[key];
      policy[key] = isPlainObject(value) && isPlainObject(current) ? { ...current, ...value } : value;
    }
  }
  return next;
}
