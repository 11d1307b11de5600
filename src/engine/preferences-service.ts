// The user's preferences (docs/policies.md: every number of the policy is a setting with that page's default).
// One job: persist the preferences under the Store key 'preferences' and say when they changed. What is valid is
// the one schema's (src/shared/preferences.ts); a bad patch changes nothing and throws its PreferencesError.

import type { Store } from './ports.ts';
import { applyPreferencesPatch, type Preferences, type PreferencesPatch } from '../shared/preferences.ts';

export const STORE_KEY = 'preferences';
export { POWER_STATES, URGENCIES, PreferencesError, defaultPolicy, defaultPreferences } from '../shared/preferences.ts';

/**
 * Applies a patch to `base`, validating every field against the one schema; throws PreferencesError without touching
 * `base`.
 */
export const applyPatch = applyPreferencesPatch;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads the stored document leniently: each stored field that is still valid is kept, the rest fall back to defaults.
 */
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
  for (const k of ['serviceUrl', 'startAtLogin'] as const)
    if (k in stored) tryPatch({ [k]: stored[k] } as PreferencesPatch);
  if (isObject(stored.quietHours))
    for (const [k, v] of Object.entries(stored.quietHours)) tryPatch({ quietHours: { [k]: v } });
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
