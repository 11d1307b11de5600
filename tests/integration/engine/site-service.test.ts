// SiteService (src/engine/services/site-service.ts) against a real engine and the local push service: whatever a page
// sends
// over the site bridge gets a typed result, never an exception, and never reaches another origin's subscriptions.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startPushService } from '../../../tools/push-service/index.ts';
import { SiteService, type PermissionPort } from '../../../src/engine/services/site-service.ts';
import type { SiteResult } from '../../../src/shared/site-bridge.ts';
import { startEngine, type Harness } from '../../support/engine-harness.ts';
import { createECDH } from 'node:crypto';
import { servePushManagerCall } from '../../../src/engine/service-worker-wire.ts';

const KEY = 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM';
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

function isResult(r: SiteResult<unknown>): boolean {
  return r.ok === true || (r.ok === false && typeof r.name === 'string' && typeof r.message === 'string');
}

describe('SiteService', () => {
  test('hostile arguments to every bridge method get typed results, never an exception', async () => {
    const site = new SiteService(h.engine, 'https://hostile.example', granted, h.logger);
    const junk: unknown[] = [
      undefined,
      null,
      0,
      NaN,
      '',
      'x'.repeat(100_000),
      {},
      [],
      { scope: {} },
      {
        toString: () => {
          throw new Error('boom');
        },
      },
      Symbol.iterator,
    ];
    const calls: Array<Promise<SiteResult<unknown>>> = [];
    for (const j of junk) {
      calls.push(site.subscribe(j), site.getSubscription(j), site.unsubscribe(j, j), site.legacyUnregister(j));
      calls.push(
        site.subscribe({
          scope: 'https://hostile.example/',
          workerScriptURL: j,
          applicationServerKey: j,
          userVisibleOnly: true,
        }),
      );
    }
    const results = await Promise.all(calls);
    assert.ok(results.every(isResult), 'every call answered with a SiteResult');
    // The only valid request among them: no key and no script (both optional), which makes one subscription.
    const made = h.engine.list().filter((s) => s.origin === 'https://hostile.example');
    assert.equal(made.length, 1);
    const endpoints = new Set(
      results.flatMap((r) =>
        r.ok && r.value && typeof r.value === 'object' ? [(r.value as { endpoint: string }).endpoint] : [],
      ),
    );
    assert.deepEqual([...endpoints], [made[0]!.endpoint]);
    assert.ok(results.every((r) => !r.ok || r.value === null || r.value === false || typeof r.value === 'object'));
    site.close();
  });

  test("an origin never sees or removes another origin's subscriptions", async () => {
    const a = new SiteService(h.engine, 'https://a.example', granted);
    const b = new SiteService(h.engine, 'https://b.example', granted);
    const sub = await a.subscribe({
      scope: 'https://a.example/',
      workerScriptURL: 'https://a.example/sw.js',
      applicationServerKey: KEY,
      userVisibleOnly: true,
    });
    assert.ok(sub.ok);
    assert.deepEqual(await b.getSubscription('https://a.example/'), {
      ok: false,
      name: 'SecurityError',
      message: "scope must be at the page's origin",
    });
    assert.deepEqual(await b.unsubscribe('https://b.example/', sub.value.endpoint), { ok: true, value: false });
    const legacy = await a.legacyRegister();
    assert.ok(legacy.ok);
    assert.deepEqual(await b.legacyRegistrations(), { ok: true, value: [] });
    assert.deepEqual(await b.legacyUnregister(legacy.value), { ok: true, value: false });
    assert.deepEqual(await a.legacyRegistrations(), { ok: true, value: [legacy.value] });
    a.close();
    b.close();
  });

  test('two racing subscribe() calls for one scope make one subscription', async () => {
    const site = new SiteService(h.engine, 'https://race.example', granted);
    const req = {
      scope: 'https://race.example/app/',
      workerScriptURL: null,
      applicationServerKey: KEY,
      userVisibleOnly: true,
    };
    const [x, y] = await Promise.all([site.subscribe(req), site.subscribe(req)]);
    assert.ok(x.ok && y.ok);
    assert.equal(x.value.endpoint, y.value.endpoint);
    assert.equal(h.engine.list().filter((s) => s.origin === 'https://race.example').length, 1);
    site.close();
  });

  test("a worker's pushManager calls (servePushManagerCall) are for the worker's own registration; a worker never prompts", async () => {
    const other = createECDH('prime256v1').generateKeys('base64url');
    let asked = 0;
    const port: PermissionPort = {
      state: () => (asked === 0 ? 'prompt' : 'granted'),
      ask: async () => (asked++, 'granted'),
    };
    const site = new SiteService(h.engine, 'https://worker.example', port);
    const worker = { scope: 'https://worker.example/app/', scriptURL: 'https://worker.example/app/sw.js' };
    // The call's own scope and script are never read.
    const forged = {
      scope: 'https://worker.example/',
      workerScriptURL: 'https://worker.example/evil.js',
      applicationServerKey: KEY,
      userVisibleOnly: true,
    };
    assert.deepEqual(await servePushManagerCall(site, worker, 'subscribe', [forged]), {
      value: { ok: false, name: 'NotAllowedError', message: 'Registration failed - permission denied' },
    });
    assert.equal(asked, 0, 'no prompt from a worker');
    await port.ask('https://worker.example');
    const made = await servePushManagerCall(site, worker, 'subscribe', [forged]);
    assert.ok(made && (made.value as SiteResult<{ endpoint: string }>).ok);
    const endpoint = (made.value as { value: { endpoint: string } }).value.endpoint;
    const records = h.engine
      .list()
      .filter((i) => i.origin === 'https://worker.example')
      .map((i) => h.engine.subscription(i.id)!);
    assert.deepEqual(
      records.map((r) => [r.scope, r.workerScriptURL, r.applicationServerKey]),
      [[worker.scope, worker.scriptURL, KEY]],
    );
    assert.deepEqual(
      await servePushManagerCall(site, worker, 'subscribe', [{ applicationServerKey: KEY, userVisibleOnly: true }]),
      made,
      'same key: the same subscription',
    );
    assert.deepEqual(
      await servePushManagerCall(site, worker, 'subscribe', [{ applicationServerKey: other, userVisibleOnly: true }]),
      {
        value: {
          ok: false,
          name: 'InvalidStateError',
          message: 'A subscription with a different applicationServerKey already exists for this scope.',
        },
      },
    );
    assert.deepEqual(await servePushManagerCall(site, worker, 'getSubscription', ['https://worker.example/']), made);
    assert.deepEqual(
      await servePushManagerCall(site, { ...worker, scope: 'https://worker.example/' }, 'getSubscription', [
        worker.scope,
      ]),
      { value: { ok: true, value: null } },
    );
    assert.deepEqual(await servePushManagerCall(site, worker, 'unsubscribe', [endpoint]), {
      value: { ok: true, value: true },
    });
    assert.equal(
      await servePushManagerCall(site, worker, 'showNotification', ['x']),
      null,
      "not a pushManager call: the host's",
    );
    site.close();
  });
});
