import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyPatch,
  defaultPreferences,
  loadPreferences,
  PreferencesError,
  PreferencesService,
  STORE_KEY,
} from '../../../src/engine/preferences-service.ts';
import type { Preferences } from '../../../src/shared/preferences.ts';
import { MemoryStore } from '../../support/memory-store.ts';

const URL = 'wss://push.example/';

test('defaults are the docs/policies.md table', () => {
  const p = defaultPreferences(URL);
  assert.equal(p.serviceUrl, URL);
  assert.equal(p.startAtLogin, false);
  assert.deepEqual(p.policy.budgetCap, { ac: 16, battery: 8, low: 2 });
  assert.deepEqual(p.policy.budgetRefillMinutes, { ac: 30, battery: 60, low: null });
  assert.deepEqual(p.policy.eventDeadlineSeconds, { ac: 30, battery: 30, low: 10 });
  assert.deepEqual(p.policy.workerKeepAliveSeconds, { ac: 30, battery: 10, low: 0 });
  assert.equal(p.policy.lowPowerCoalesceSeconds, 10);
  assert.equal(p.policy.burstGraceSeconds, 3);
  assert.deepEqual(p.policy.minUrgency, { ac: 'very-low', battery: 'low', low: 'high' });
  assert.equal(p.policy.lowBatteryPercent, 20);
  assert.equal(p.quietHours.enabled, false);
});

const valid: Array<[string, unknown, (p: Preferences) => unknown, unknown]> = [
  ['one cap', { policy: { budgetCap: { battery: 4 } } }, (p) => p.policy.budgetCap, { ac: 16, battery: 4, low: 2 }],
  ['refill off on ac', { policy: { budgetRefillMinutes: { ac: null } } }, (p) => p.policy.budgetRefillMinutes.ac, null],
  [
    'quiet hours',
    { quietHours: { enabled: true, start: '23:30' } },
    (p) => p.quietHours,
    { enabled: true, start: '23:30', end: '07:00' },
  ],
  ['urgency', { policy: { minUrgency: { ac: 'normal' } } }, (p) => p.policy.minUrgency.ac, 'normal'],
  ['grace 0', { policy: { burstGraceSeconds: 0 } }, (p) => p.policy.burstGraceSeconds, 0],
  ['service URL', { serviceUrl: 'ws://127.0.0.1:9/' }, (p) => p.serviceUrl, 'ws://127.0.0.1:9/'],
  ['embedded service', { serviceUrl: 'local' }, (p) => p.serviceUrl, 'local'],
  ['start at login', { startAtLogin: true }, (p) => p.startAtLogin, true],
  ['undefined fields are ignored', { policy: { burstGraceSeconds: undefined } }, (p) => p.policy.burstGraceSeconds, 3],
];
for (const [name, patch, pick, want] of valid) {
  test(`a valid patch applies: ${name}`, () => {
    assert.deepEqual(pick(applyPatch(defaultPreferences(URL), patch)), want);
  });
}

const invalid: Array<[unknown, string]> = [
  [null, '(patch)'],
  [{ bogus: 1 }, 'bogus'],
  [{ startAtLogin: 'yes' }, 'startAtLogin'],
  [{ serviceUrl: 'https://x/' }, 'serviceUrl'],
  [{ serviceUrl: 'not a url' }, 'serviceUrl'],
  [{ serviceUrl: 'localhost' }, 'serviceUrl'],
  [{ quietHours: { start: '24:00' } }, 'quietHours.start'],
  [{ quietHours: { end: '7:00' } }, 'quietHours.end'],
  [{ quietHours: { enabled: 1 } }, 'quietHours.enabled'],
  [{ quietHours: { extra: true } }, 'quietHours.extra'],
  [{ policy: { budgetCap: { ac: -1 } } }, 'policy.budgetCap.ac'],
  [{ policy: { budgetCap: { ac: 1.5 } } }, 'policy.budgetCap.ac'],
  [{ policy: { budgetCap: { solar: 1 } } }, 'policy.budgetCap.solar'],
  [{ policy: { budgetCap: 3 } }, 'policy.budgetCap'],
  [{ policy: { budgetRefillMinutes: { low: 0 } } }, 'policy.budgetRefillMinutes.low'],
  [{ policy: { eventDeadlineSeconds: { ac: Infinity } } }, 'policy.eventDeadlineSeconds.ac'],
  [{ policy: { workerKeepAliveSeconds: { battery: '10' } } }, 'policy.workerKeepAliveSeconds.battery'],
  [{ policy: { lowPowerCoalesceSeconds: NaN } }, 'policy.lowPowerCoalesceSeconds'],
  [{ policy: { burstGraceSeconds: -3 } }, 'policy.burstGraceSeconds'],
  [{ policy: { minUrgency: { low: 'urgent' } } }, 'policy.minUrgency.low'],
  [{ policy: { lowBatteryPercent: 101 } }, 'policy.lowBatteryPercent'],
  [{ policy: { nope: 1 } }, 'policy.nope'],
];
for (const [patch, field] of invalid) {
  test(`a bad value is refused with a typed error and changes nothing: ${field}`, () => {
    const store = new MemoryStore();
    const changes: Preferences[] = [];
    const prefs = new PreferencesService(store, defaultPreferences(URL), (p) => changes.push(p));
    const before = prefs.get();
    assert.throws(
      () => prefs.set(patch as never),
      (err: unknown) => err instanceof PreferencesError && err.kind === 'invalid-preferences' && err.field === field,
    );
    assert.deepEqual(prefs.get(), before);
    assert.equal(store.writes, 0);
    assert.equal(changes.length, 0);
  });
}

test('set persists under "preferences", reports the change, and a new service reads it back', () => {
  const store = new MemoryStore();
  const changes: Preferences[] = [];
  const prefs = new PreferencesService(store, defaultPreferences(URL), (p) => changes.push(p));
  const out = prefs.set({ policy: { budgetCap: { ac: 5, battery: 8, low: 2 } }, quietHours: { enabled: true } });
  assert.equal(out.policy.budgetCap.ac, 5);
  assert.equal(changes.length, 1);
  assert.equal(changes[0]!.policy.budgetCap.ac, 5);
  assert.equal((store.get(STORE_KEY) as Preferences).policy.budgetCap.ac, 5);
  const again = new PreferencesService(store, defaultPreferences(URL), () => {});
  assert.equal(again.current.policy.budgetCap.ac, 5);
  assert.equal(again.current.quietHours.enabled, true);
});

test('get returns a copy: mutating it changes nothing', () => {
  const prefs = new PreferencesService(new MemoryStore(), defaultPreferences(URL), () => {});
  prefs.get().policy.budgetCap.ac = 999;
  assert.equal(prefs.current.policy.budgetCap.ac, 16);
});

test('a stored document with bad or unknown values keeps the good ones and defaults the rest', () => {
  const p = loadPreferences(
    {
      startAtLogin: 'x',
      policy: { budgetCap: { ac: 3, battery: -1 }, burstGraceSeconds: 5, future: 1 },
      quietHours: { start: 'bad', end: '06:00' },
    },
    defaultPreferences(URL),
  );
  assert.equal(p.startAtLogin, false);
  assert.deepEqual(p.policy.budgetCap, { ac: 16, battery: 8, low: 2 }, 'one bad state refuses that whole record');
  assert.equal(p.policy.burstGraceSeconds, 5);
  assert.equal(p.quietHours.start, '22:00');
  assert.equal(p.quietHours.end, '06:00');
  assert.deepEqual(loadPreferences('garbage', defaultPreferences(URL)), defaultPreferences(URL));
});
