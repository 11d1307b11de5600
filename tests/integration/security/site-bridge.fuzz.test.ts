// Property-based fuzzing of the site bridge's argument checks (src/engine/services/site-service.ts), over a real engine
// and
// the local push service: whatever a page sends gets a SiteResult with one of the Push API's DOMException names,
// never a rejection or an exception, and never a subscription that violates the schema or leaves the page's origin.
// Permission is denied so that no fuzz case reaches the push service (the validation runs before the permission
// check); one property runs with permission granted on a small budget to cover the success path's shape.
// FUZZ_RUNS sets the runs per property (default 5,000; e.g. FUZZ_RUNS=100000 on demand).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { startPushService } from '../../../tools/push-service/index.ts';
import { SiteService, type PermissionPort } from '../../../src/engine/services/site-service.ts';
import type { SiteResult } from '../../../src/shared/site-bridge.ts';
import { startEngine, type Harness } from '../../support/engine-harness.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 5000);
const ORIGIN = 'https://fuzz.example';
const KEY = 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM';
const NAMES = ['InvalidAccessError', 'InvalidStateError', 'NotAllowedError', 'AbortError', 'SecurityError'];
const denied: PermissionPort = { state: () => 'denied', ask: async () => 'denied' };
const granted: PermissionPort = { state: () => 'granted', ask: async () => 'granted' };

let service: Awaited<ReturnType<typeof startPushService>>;
let h: Harness;

before(async () => {
  service = await startPushService();
  h = await startEngine(service.wsUrl);
});
after(async () => {
  await h?.stop();
  await service?.close();
});

const cloneable = fc.anything({
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withNullPrototype: true,
  withTypedArray: true,
  maxDepth: 3,
});
const urlish = fc.oneof(
  fc.constantFrom(
    `${ORIGIN}/`,
    `${ORIGIN}/sw.js`,
    `${ORIGIN}/a/../b#x`,
    `${ORIGIN}:443/`,
    'https://FUZZ.example/',
    'https://other.example/',
    'http://fuzz.example/',
    'https://fuzz.example.evil/',
    'javascript:alert(1)',
    'blob:https://fuzz.example/x',
    '/relative',
    '',
  ),
  fc.webPath().map((p) => `${ORIGIN}${p}`),
  fc.webUrl(),
  fc.nat({ max: 5000 }).map((n) => `${ORIGIN}/${'a'.repeat(n)}`),
);
const keyish = fc.oneof(
  fc.constant(KEY),
  fc.stringMatching(/^[A-Za-z0-9_-]{0,210}$/),
  fc.uint8Array({ minLength: 60, maxLength: 70 }).map((b) => Buffer.from(b).toString('base64url')),
  cloneable,
);
const value = fc.oneof(urlish, keyish, cloneable);
const request = fc.oneof(
  fc.record(
    {
      scope: value,
      workerScriptURL: value,
      applicationServerKey: keyish,
      userVisibleOnly: fc.oneof(fc.boolean(), cloneable),
    },
    { requiredKeys: [] },
  ),
  cloneable,
);

function isTypedResult(r: SiteResult<unknown>): boolean {
  if (r.ok === true) return true;
  return r.ok === false && NAMES.includes(r.name) && typeof r.message === 'string' && r.message.length < 200;
}

function assertSubscription(v: unknown): void {
  const s = v as Record<string, unknown>;
  assert.equal(typeof s.endpoint, 'string');
  assert.equal(s.expirationTime, null);
  assert.equal(typeof s.userVisibleOnly, 'boolean');
  assert.ok(s.applicationServerKey === null || s.applicationServerKey === KEY);
  const keys = s.keys as Record<string, unknown>;
  assert.ok(typeof keys.p256dh === 'string' && typeof keys.auth === 'string');
}

describe('site bridge fuzz (SiteService)', () => {
  test('any cloned argument to any bridge method gets a typed SiteResult and creates nothing without permission', async () => {
    const site = new SiteService(h.engine, ORIGIN, denied, h.logger);
    const before = h.engine.list().length;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          'subscribe',
          'getSubscription',
          'unsubscribe',
          'legacyUnregister',
          'legacyRegister',
          'legacyRegistrations',
          'permissionState',
        ),
        request,
        value,
        async (method, a, b) => {
          const [x, y] = structuredClone([a, b]);
          let r: SiteResult<unknown>;
          switch (method) {
            case 'subscribe':
              r = await site.subscribe(x);
              break;
            case 'getSubscription':
              r = await site.getSubscription(x);
              break;
            case 'unsubscribe':
              r = await site.unsubscribe(x, y);
              break;
            case 'legacyUnregister':
              r = await site.legacyUnregister(y);
              break;
            case 'legacyRegister':
              r = await site.legacyRegister();
              break;
            case 'legacyRegistrations':
              r = await site.legacyRegistrations();
              break;
            default:
              r = await site.permissionState();
              break;
          }
          assert.ok(isTypedResult(r), `untyped result ${JSON.stringify(r)}`);
          if (method === 'subscribe' || method === 'legacyRegister')
            assert.equal(r.ok, false, 'nothing subscribes without permission');
          if (method === 'getSubscription' && r.ok) assert.equal(r.value, null);
          if (method === 'unsubscribe' || method === 'legacyUnregister') assert.ok(!r.ok || r.value === false);
        },
      ),
      { numRuns: RUNS },
    );
    assert.equal(h.engine.list().length, before);
    site.close();
  });

  test('with permission, what subscribe accepts is a well-formed subscription scoped to the page origin', async () => {
    const site = new SiteService(h.engine, ORIGIN, granted, h.logger);
    const scope = fc.oneof(fc.constantFrom(`${ORIGIN}/`, `${ORIGIN}/app/`), urlish);
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          scope,
          workerScriptURL: fc.oneof(fc.constant(null), urlish),
          applicationServerKey: fc.oneof(fc.constant(KEY), fc.constant(null), keyish),
          userVisibleOnly: fc.constant(true),
        }),
        async (req) => {
          const r = await site.subscribe(structuredClone(req));
          assert.ok(isTypedResult(r));
          if (r.ok) assertSubscription(r.value);
        },
      ),
      // Each accepted case registers with the push service, so this property runs on a small budget.
      { numRuns: Math.min(RUNS, 200) },
    );
    const mine = h.engine.list().filter((s) => s.origin === ORIGIN);
    assert.ok(mine.length > 0, 'the property reached the success path');
    for (const s of mine)
      assert.ok(h.engine.subscription(s.id)?.scope?.startsWith(`${ORIGIN}/`), 'every scope at the origin');
    site.close();
  });
});
