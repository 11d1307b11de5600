// One preferences schema: the IPC validator (what the hub runs on the settings window's calls), the engine's
// PreferencesService and the settings view's inputs all take their limits from src/shared/preferences.ts. These
// cases fail when any of them checks a number on its own again and disagrees (as four copies once did:
// burstGraceSeconds 0-60 in the window, 0-600 in the engine).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  POLICY_LIMITS,
  POWER_STATES,
  defaultPreferences,
  validatePreferencesPatch,
} from '../../../src/shared/preferences.ts';
import { InvalidArgumentError, validateSettingsCall } from '../../../src/shared/settings-validate.ts';
import { PreferencesError, PreferencesService } from '../../../src/engine/preferences-service.ts';
import { MemoryStore } from '../../support/memory-store.ts';

const URL = 'wss://push.example/';

function patchFor(key: keyof typeof POLICY_LIMITS, value: unknown): unknown {
  return {
    policy: { [key]: POLICY_LIMITS[key].perPower ? Object.fromEntries(POWER_STATES.map((p) => [p, value])) : value },
  };
}

/** What each consumer says of a patch: accepted, or refused with its typed error. */
function verdicts(patch: unknown): { ipc: boolean; engine: boolean } {
  let ipc = true;
  try {
    validateSettingsCall('setPreferences', [patch]);
  } catch (err) {
    assert.ok(err instanceof InvalidArgumentError, String(err));
    ipc = false;
  }
  let engine = true;
  const service = new PreferencesService(new MemoryStore(), defaultPreferences(URL), () => {});
  try {
    service.set(patch as never);
  } catch (err) {
    assert.ok(err instanceof PreferencesError, String(err));
    engine = false;
  }
  return { ipc, engine };
}

for (const [key, limits] of Object.entries(POLICY_LIMITS) as Array<
  [keyof typeof POLICY_LIMITS, (typeof POLICY_LIMITS)[keyof typeof POLICY_LIMITS]]
>) {
  test(`${key}: the IPC hub and the engine accept ${limits.min}..${limits.max} and refuse just outside`, () => {
    assert.deepEqual(verdicts(patchFor(key, limits.min)), { ipc: true, engine: true });
    assert.deepEqual(verdicts(patchFor(key, limits.max)), { ipc: true, engine: true });
    assert.deepEqual(verdicts(patchFor(key, limits.min - 1)), { ipc: false, engine: false });
    assert.deepEqual(verdicts(patchFor(key, limits.max + 1)), { ipc: false, engine: false });
    assert.deepEqual(verdicts(patchFor(key, limits.min + 0.5)), { ipc: false, engine: false });
  });
}

test('quiet hours and the service URL: both consumers agree on the edges', () => {
  for (const [patch, ok] of [
    [{ quietHours: { start: '00:00', end: '23:59' } }, true],
    [{ quietHours: { start: '24:00' } }, false],
    [{ quietHours: { end: '7:00' } }, false],
    [{ serviceUrl: 'ws://127.0.0.1:8080/' }, true],
    [{ serviceUrl: 'wss://user:secret@push.example/' }, false],
    [{ serviceUrl: 'https://push.example/' }, false],
  ] as const) {
    assert.deepEqual(verdicts(patch), { ipc: ok, engine: ok }, JSON.stringify(patch));
  }
});

test('the defaults are inside the limits', () => {
  assert.doesNotThrow(() => validatePreferencesPatch({ policy: defaultPreferences(URL).policy }));
});

test('the settings view takes its limits from the schema, not from numbers of its own', () => {
  // The view runs in Chromium (tests/browser/settings-window.test.ts); here we check it holds no limits of its own.
  const view = readFileSync(new globalThis.URL('../../../src/renderer/status-view.ts', import.meta.url), 'utf8');
  const html = readFileSync(new globalThis.URL('../../../src/renderer/settings.html', import.meta.url), 'utf8');
  assert.match(view, /POLICY_LIMITS/);
  assert.doesNotMatch(view, /\bmin: \d/, 'a row with its own min');
  for (const id of ['pref-burst', 'pref-coalesce', 'pref-low-battery']) {
    const tag = html.match(new RegExp(`<input id="${id}"[^>]*>`))?.[0] ?? '';
    assert.ok(tag, id);
    assert.doesNotMatch(tag, /\b(min|max)=/, `${id} carries limits of its own`);
  }
});
