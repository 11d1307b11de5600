// Property-based fuzzing of every validator that sits on an IPC boundary (issue 9): the settings window's calls
// (src/shared/settings-validate.ts), a worker's showNotification as the engine receives it (src/engine/notification.ts)
// and the URL checks main applies to what pages ask for (src/main/url-policy.ts, src/main/sender-policy.ts).
// For any input: a value that satisfies the schema, or the typed InvalidArgumentError; never another exception.
// Inputs are passed through structuredClone first, because that is what Electron's IPC delivers to main (getters,
// functions and proxies cannot cross); a second property also feeds uncloned values to the settings validator.
// FUZZ_RUNS sets the runs per property (default 5,000; e.g. FUZZ_RUNS=100000 on demand).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { SETTINGS_METHODS, type SettingsCall } from '../../../src/shared/ipc.ts';
import { InvalidArgumentError, SETTINGS_LIMITS, validateSettingsCall } from '../../../src/shared/settings-validate.ts';
import {
  NOTIFICATION_LIMITS,
  NotificationOptionsError,
  validateNotification,
} from '../../../src/engine/notification.ts';
import { decideNavigation, externalUrl, isSameOrigin, siteOrigin } from '../../../src/main/url-policy.ts';
import { isSettingsFrame } from '../../../src/main/sender-policy.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 5000);
const params = { numRuns: RUNS };

/** What structured clone (Electron IPC) can carry: no functions, symbols or getters. */
const cloneable = fc.anything({
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  withTypedArray: true,
  maxDepth: 4,
});

/** Strings near the validators' edges: ids, labels, URLs, times, base64url, and long ones. */
const edgyString = fc.oneof(
  fc.string(),
  fc.stringMatching(/^[A-Za-z0-9-]{0,70}$/),
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc.constantFrom(
    'ws://localhost:8080/',
    'wss://push.example/',
    'http://localhost/',
    'http://evil.example/',
    'https://u:p@a.example/',
    'javascript:alert(1)',
    'file:///etc/passwd',
    'data:text/html,x',
    ' ',
    '23:59',
    '24:00',
    '7:00',
    'very-low',
    'high',
    'local',
    'Local',
    'local ',
  ),
  fc.string({ minLength: 190, maxLength: 260 }),
  fc.nat({ max: 3000 }).map((n) => 'a'.repeat(n)),
  fc.stringMatching(/^[A-Za-z0-9_-]{80,92}={0,2}$/),
);
const edgyNumber = fc.oneof(
  fc.integer({ min: -5, max: 1100 }),
  fc.double(),
  fc.constantFrom(NaN, Infinity, -0, 2 ** 53),
);
const leaf = fc.oneof(edgyString, edgyNumber, fc.boolean(), fc.constantFrom(null, undefined), cloneable);
const byPower = (v: fc.Arbitrary<unknown>) =>
  fc.oneof(fc.record({ ac: v, battery: v, low: v, extra: v }, { requiredKeys: [] }), leaf);
const patch = fc.record(
  {
    serviceUrl: leaf,
    startAtLogin: leaf,
    quietHours: fc.oneof(fc.record({ enabled: leaf, start: leaf, end: leaf, other: leaf }, { requiredKeys: [] }), leaf),
    policy: fc.oneof(
      fc.record(
        {
          budgetCap: byPower(leaf),
          budgetRefillMinutes: byPower(leaf),
          eventDeadlineSeconds: byPower(leaf),
          workerKeepAliveSeconds: byPower(leaf),
          lowPowerCoalesceSeconds: leaf,
          burstGraceSeconds: leaf,
          minUrgency: byPower(leaf),
          lowBatteryPercent: leaf,
          bogus: leaf,
        },
        { requiredKeys: [] },
      ),
      leaf,
    ),
    unknown: leaf,
  },
  { requiredKeys: [] },
);
const argument = fc.oneof(
  leaf,
  patch,
  fc.record({ label: leaf, applicationServerKey: leaf }, { requiredKeys: [] }),
  fc.record({ subscriptionId: leaf, limit: leaf }, { requiredKeys: [] }),
);
const settingsMethod = fc.oneof(
  { weight: 9, arbitrary: fc.constantFrom(...SETTINGS_METHODS) },
  { weight: 1, arbitrary: fc.oneof(fc.string(), cloneable) },
);
const args = fc.oneof(
  { weight: 9, arbitrary: fc.array(argument, { maxLength: 3 }) },
  { weight: 1, arbitrary: cloneable },
);

// ---- independent schema checks: what the engine may rely on after validation ----

const isId = (v: unknown) => typeof v === 'string' && /^[A-Za-z0-9-]{1,64}$/.test(v);
const isLabel = (v: unknown) =>
  typeof v === 'string' && v.length >= 1 && v.length <= SETTINGS_LIMITS.labelChars && v === v.trim();
const isInt = (v: unknown, min: number, max: number) =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const hasOnly = (o: object, keys: readonly string[]) =>
  Object.getPrototypeOf(o) === Object.prototype && Object.keys(o).every((k) => keys.includes(k));
const POWER = ['ac', 'battery', 'low'] as const;

function url(v: unknown, protocols: readonly string[]): boolean {
  if (typeof v !== 'string' || v.length > SETTINGS_LIMITS.urlChars * 2) return false;
  const u = new URL(v);
  return protocols.includes(u.protocol) && !u.username && !u.password && u.href === v;
}

function powerRecord(v: unknown, item: (x: unknown) => boolean): boolean {
  return typeof v === 'object' && v !== null && hasOnly(v, POWER) && Object.values(v).every(item);
}

function isPatch(p: unknown): boolean {
  if (typeof p !== 'object' || p === null || !hasOnly(p, ['serviceUrl', 'startAtLogin', 'quietHours', 'policy']))
    return false;
  const o = p as Record<string, unknown>;
  // 'local', exactly: the push service embedded in the app.
  if ('serviceUrl' in o && o.serviceUrl !== 'local' && !url(o.serviceUrl, ['ws:', 'wss:'])) return false;
  if ('startAtLogin' in o && typeof o.startAtLogin !== 'boolean') return false;
  if ('quietHours' in o) {
    const q = o.quietHours as Record<string, unknown>;
    if (!hasOnly(q, ['enabled', 'start', 'end'])) return false;
    if ('enabled' in q && typeof q.enabled !== 'boolean') return false;
    for (const k of ['start', 'end'])
      if (k in q && !(typeof q[k] === 'string' && /^([01]\d|2[0-3]):[0-5]\d$/.test(q[k]))) return false;
  }
  if ('policy' in o) {
    const pol = o.policy as Record<string, unknown>;
    const checks: Record<string, (x: unknown) => boolean> = {
      budgetCap: (x) => powerRecord(x, (y) => isInt(y, 0, 1000)),
      budgetRefillMinutes: (x) => powerRecord(x, (y) => y === null || isInt(y, 1, 7 * 24 * 60)),
      eventDeadlineSeconds: (x) => powerRecord(x, (y) => isInt(y, 1, 300)),
      workerKeepAliveSeconds: (x) => powerRecord(x, (y) => isInt(y, 0, 600)),
      lowPowerCoalesceSeconds: (x) => isInt(x, 0, 600),
      burstGraceSeconds: (x) => isInt(x, 0, 60),
      minUrgency: (x) => powerRecord(x, (y) => ['very-low', 'low', 'normal', 'high'].includes(y as string)),
      lowBatteryPercent: (x) => isInt(x, 0, 100),
    };
    if (!hasOnly(pol, Object.keys(checks))) return false;
    for (const [k, check] of Object.entries(checks)) if (k in pol && !check(pol[k])) return false;
  }
  return true;
}

function isValidSettingsCall(call: SettingsCall): boolean {
  const a = call.args as unknown[];
  switch (call.method) {
    case 'getStatus':
    case 'listSubscriptions':
    case 'clearHistory':
    case 'getPreferences':
    case 'sendTestNotification':
      return a.length === 0;
    case 'getSubscriptionJSON':
    case 'sendTestMessage':
    case 'replaceEndpoint':
    case 'deleteSubscription':
    case 'resume':
      return a.length === 1 && isId(a[0]);
    case 'createEndpoint': {
      const e = a[0] as Record<string, unknown>;
      return (
        a.length === 1 &&
        hasOnly(e, ['label', 'applicationServerKey']) &&
        isLabel(e.label) &&
        (!('applicationServerKey' in e) ||
          (typeof e.applicationServerKey === 'string' &&
            /^[A-Za-z0-9_-]+={0,2}$/.test(e.applicationServerKey) &&
            e.applicationServerKey.length <= SETTINGS_LIMITS.keyChars))
      );
    }
    case 'renameSubscription':
      return a.length === 2 && isId(a[0]) && isLabel(a[1]);
    case 'setMuted':
      return a.length === 2 && isId(a[0]) && typeof a[1] === 'boolean';
    case 'addSite': {
      if (a.length !== 1 || !url(a[0], ['https:', 'http:'])) return false;
      const u = new URL(a[0] as string);
      return u.protocol === 'https:' || ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname);
    }
    case 'getHistory': {
      if (a.length === 0) return true;
      const f = a[0] as Record<string, unknown>;
      return (
        a.length === 1 &&
        hasOnly(f, ['subscriptionId', 'limit']) &&
        (!('subscriptionId' in f) || isId(f.subscriptionId)) &&
        (!('limit' in f) || isInt(f.limit, 1, SETTINGS_LIMITS.historyLimit))
      );
    }
    case 'setPreferences':
      return a.length === 1 && isPatch(a[0]);
  }
}

/** Runs a validator: its value, or its typed error; anything else fails the property. */
function outcome<T>(run: () => T): { value: T } | { error: InvalidArgumentError } {
  try {
    return { value: run() };
  } catch (err) {
    assert.ok(err instanceof InvalidArgumentError, `untyped exception: ${String(err)}`);
    assert.equal(err.kind, 'invalid-argument');
    assert.ok(err.message.length > 0 && err.message.length < 300, 'a short message');
    return { error: err };
  }
}

describe('settings window calls (validateSettingsCall)', () => {
  test('any cloned input is a schema-valid call or an InvalidArgumentError', () => {
    fc.assert(
      fc.property(settingsMethod, args, (method, a) => {
        const [m, cloned] = structuredClone([method, a]);
        const r = outcome(() => validateSettingsCall(m, cloned));
        if ('value' in r) {
          assert.ok(isValidSettingsCall(r.value), `schema violated by ${JSON.stringify(r.value)}`);
          // Validation is a fixpoint: what it let through passes again unchanged.
          assert.deepEqual(validateSettingsCall(r.value.method, structuredClone(r.value.args)), r.value);
        }
      }),
      params,
    );
  });

  test('near-valid calls of every method are accepted often enough for the fuzz to reach the deep checks', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.constantFrom(...SETTINGS_METHODS), args, (method, a) => {
        if ('value' in outcome(() => validateSettingsCall(method, structuredClone(a)))) accepted++;
      }),
      { numRuns: 2000, seed: 9 },
    );
    assert.ok(accepted > 50, `only ${accepted} of 2000 accepted: the generators no longer reach the validators' depth`);
  });

  test('uncloned hostile objects (throwing getters, proxies, toString bombs): a typed error or a throw of its own, never a value outside the schema', () => {
    const bomb = () => {
      throw new Error('boom');
    };
    const hostile = fc.constantFrom<unknown>(
      {
        get label() {
          return bomb();
        },
      },
      new Proxy({}, { getPrototypeOf: bomb }),
      new Proxy({}, { ownKeys: bomb }),
      { toString: bomb, valueOf: bomb },
      Object.create(null),
      Object.assign(Object.create({ polluted: true }), { label: 'x' }),
      JSON.parse('{"__proto__": {"label": "x"}, "label": "ok"}'),
      Symbol('s'),
      () => 'fn',
    );
    const failures: string[] = [];
    fc.assert(
      fc.property(
        fc.constantFrom(...SETTINGS_METHODS),
        fc.array(fc.oneof(hostile, argument), { minLength: 0, maxLength: 2 }),
        (method, a) => {
          try {
            const call = validateSettingsCall(method, a);
            assert.ok(isValidSettingsCall(call));
          } catch (err) {
            if (!(err instanceof InvalidArgumentError))
              failures.push(`${method}: ${(err as Error)?.message ?? String(err)}`);
          }
        },
      ),
      { numRuns: Math.min(RUNS, 2000) },
    );
    // Proxies and getters cannot cross Electron's structured clone, so a throw from them is not reachable over IPC;
    // this records that the validator itself never swallows them into a "valid" value.
    assert.ok(
      failures.every((f) => /boom/.test(f)),
      `unexpected untyped errors: ${[...new Set(failures)].slice(0, 3).join('; ')}`,
    );
  });
});

// ---- a worker's showNotification, as the engine receives it from either host ----

const notificationOptions = fc.oneof(
  fc.record(
    {
      body: leaf,
      tag: leaf,
      icon: leaf,
      data: cloneable,
      actions: fc.array(fc.record({ action: leaf, title: leaf }, { requiredKeys: [] })),
      dir: leaf,
      vibrate: leaf,
      renotify: leaf,
      silent: leaf,
    },
    { requiredKeys: [] },
  ),
  fc.nat({ max: 80_000 }).map((n) => ({ body: 'b'.repeat(n) })),
  leaf,
);

describe("a worker's showNotification (the engine's validateNotification)", () => {
  test('any title and cloned options become a notification within the limits or a NotificationOptionsError (a TypeError), never another exception', () => {
    fc.assert(
      fc.property(leaf, notificationOptions, (title, options) => {
        // What the service-worker script sends over the host's channel is JSON: the same for these inputs.
        let sent: unknown;
        try {
          sent = JSON.parse(JSON.stringify(structuredClone(options)) ?? 'null');
        } catch {
          return; // not JSON-serializable: the service-worker script refuses it before the channel
        }
        try {
          const n = validateNotification(title, sent, 'https://site.example/');
          assert.ok(
            n.title.length <= NOTIFICATION_LIMITS.titleChars && (n.body ?? '').length <= NOTIFICATION_LIMITS.bodyChars,
          );
          assert.ok(
            (n.tag ?? '').length <= NOTIFICATION_LIMITS.tagChars &&
              (n.actions?.length ?? 0) <= NOTIFICATION_LIMITS.actions,
          );
          for (const f of ['icon', 'badge', 'image', 'navigate'] as const)
            if (n[f] !== undefined) assert.match(n[f]!, /^https?:/);
        } catch (err) {
          assert.ok(
            err instanceof NotificationOptionsError && err instanceof TypeError,
            `untyped: ${(err as Error)?.message ?? String(err)}`,
          );
        }
      }),
      params,
    );
  });
});

// ---- URLs pages ask main to open or navigate to ----

describe('url-policy and sender-policy', () => {
  const target = fc.oneof(
    leaf,
    fc.webUrl({
      validSchemes: ['https', 'http', 'file', 'javascript', 'data', 'ftp', 'push-agent'],
      withQueryParameters: true,
      withFragments: true,
      authoritySettings: { withUserInfo: true, withPort: true, withIPv4: true, withIPv6: true },
    }),
  );
  test('externalUrl, siteOrigin, isSameOrigin and decideNavigation return only http(s) without credentials, for any input', () => {
    fc.assert(
      fc.property(
        target,
        fc.constantFrom('https://a.example', 'http://localhost:8080'),
        fc.constantFrom('navigate', 'window-open') as fc.Arbitrary<'navigate' | 'window-open'>,
        (t, origin, kind) => {
          const ext = externalUrl(t);
          if (ext !== null) {
            const u = new URL(ext);
            assert.ok(
              ['https:', 'http:'].includes(u.protocol) && !u.username && !u.password,
              `externalUrl let ${ext} through`,
            );
          }
          const o = siteOrigin(t);
          if (o !== null) {
            const u = new URL(o);
            assert.equal(u.origin, o);
            assert.ok(
              u.protocol === 'https:' || ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname),
              `siteOrigin let ${o} through`,
            );
          }
          const same = isSameOrigin(t, origin);
          if (same) assert.equal(new URL(t as string).origin, origin);
          const d = decideNavigation(t, origin, kind);
          if (d.action === 'allow') assert.ok(kind === 'navigate' && same);
          if (d.action === 'external') assert.equal(d.url, externalUrl(t));
          assert.equal(typeof isSettingsFrame(t), 'boolean');
        },
      ),
      params,
    );
  });
});
