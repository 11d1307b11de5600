// The hostile worker corpus on real Chromium (issue 9), beside the busy loop, memory bomb, notification flood and
// openWindow cases of worker-runtime.test.ts: a fetch flood, giant titles/bodies/data, reads of another origin's
// storage, importScripts of foreign and non-http URLs, self.close(), and forged messages to the host page. Each site
// runs at its own origin through PlaywrightWorkerHost; the engine side is a client that applies what Electron's
// main applies to a worker's calls (bridge-validate's validateWorkerCall, then the engine's validateNotification),
// so what it records is what would reach the notifier. Each test asserts the contained outcome.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { NOTIFICATION_LIMITS, httpUrl, validateNotification, type NotificationModel, type NotificationRequest } from '../../src/engine/notification.ts';
import type { WorkerClient, WorkerEvent } from '../../src/engine/ports.ts';
import type { SubscriptionJSON } from '../../src/engine/subscription-record.ts';
import { validateWorkerCall } from '../../src/main/bridge-validate.ts';
import { MAX_NOTIFICATIONS_PER_EVENT } from '../../src/shared/worker-bridge.ts';
import { PlaywrightWorkerHost, buildWorkerAssets, launchChromium } from '../support/playwright-worker-host.ts';
import { ManualClock } from '../support/manual-clock.ts';

// ---- fixture sites: https://<host>/<path> is served from here ----

const sites = new Map<string, Record<string, { type?: string; body: string; headers?: Record<string, string> }>>();
const requests: string[] = [];
/** Requests held open forever (until the test ends): a server that never answers. */
const held = new Set<http.ServerResponse>();
let fixtureBase = '';

function site(host: string, files: Record<string, string | { type?: string; body: string; headers?: Record<string, string> }>): string {
  sites.set(host, Object.fromEntries(Object.entries(files).map(([p, f]) => [p, typeof f === 'string' ? { body: f } : f])));
  return `https://${host}`;
}

function startFixtureServer(): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fixture');
    const [, host, ...rest] = url.pathname.split('/');
    const p = `/${rest.join('/')}`;
    requests.push(`${host}${p}`);
    if (p === '/hang') {
      held.add(res);
      return;
    }
    const file = sites.get(host ?? '')?.[p];
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': file.type ?? 'text/javascript; charset=utf-8', 'cache-control': 'no-store', ...file.headers }).end(file.body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// ---- the engine side, as Electron's main would apply it ----

const SUBSCRIPTION = {
  endpoint: 'https://push.test/wpush/v2/abc',
  expirationTime: null,
  keys: { p256dh: 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM', auth: 'tBHItJI5svbpez7KI4CCXg' },
} as SubscriptionJSON;

class MainLikeClient implements WorkerClient {
  readonly shown: NotificationRequest[] = [];
  readonly refused: string[] = [];
  readonly opened: string[] = [];
  readonly #base: string;
  constructor(base: string) {
    this.#base = base;
  }
  async showNotification(title: string, options: unknown): Promise<void> {
    let request: NotificationRequest;
    try {
      // The IPC hub's check (what the worker host page may send), then the engine's (the spec's TypeErrors, caps).
      const call = validateWorkerCall('showNotification', [title, structuredClone(options)]);
      request = validateNotification(call.args[0], call.args[1], this.#base);
    } catch (err) {
      this.refused.push((err as { kind?: string }).kind ?? 'untyped');
      throw err;
    }
    this.shown.push(request);
  }
  getNotifications(): NotificationModel[] {
    return [];
  }
  async openWindow(url: string): Promise<boolean> {
    const safe = httpUrl(url, this.#base);
    if (safe) this.opened.push(safe);
    return safe !== undefined;
  }
  getSubscription(): SubscriptionJSON | null {
    return SUBSCRIPTION;
  }
}

let server: http.Server;
let browser: Browser;
let host: PlaywrightWorkerHost;

const push = (data: string | null): WorkerEvent => ({ type: 'push', data: data === null ? null : new TextEncoder().encode(data) });

function dispatch(origin: string, event: WorkerEvent, opts: { deadlineMs?: number } = {}) {
  const client = new MainLikeClient(`${origin}/`);
  const scriptURL = `${origin}/sw.js`;
  const outcome = host.dispatch({ origin, scope: `${origin}/`, scriptURL, event, deadlineMs: opts.deadlineMs ?? 10_000, keepAliveMs: 30_000 }, client);
  return { client, outcome };
}

/** A worker that reports what it saw as the body of one notification titled `report`. */
const REPORT = `const report = (value) => registration.showNotification('report', { body: JSON.stringify(value) });`;
function reported(client: MainLikeClient): unknown {
  const n = client.shown.find((s) => s.title === 'report');
  assert.ok(n, `no report shown (refused: ${client.refused.join(', ')})`);
  return JSON.parse(n.body ?? '');
}

before(async () => {
  server = await startFixtureServer();
  fixtureBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  [browser] = await Promise.all([launchChromium(), buildWorkerAssets()]);
  // Idle stops only when the test says so.
  host = new PlaywrightWorkerHost({ browser, clock: new ManualClock(), upstream: (origin) => `${fixtureBase}/${new URL(origin).host}` });
});

after(async () => {
  for (const res of held) res.destroy();
  await host?.close();
  await browser?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

describe('hostile workers on Chromium', () => {
  test('a fetch flood (300 requests that never answer) is cut at the deadline; another origin is served meanwhile', async () => {
    const flood = site('fetchflood.test', {
      '/sw.js': `self.onpush = (e) => {
        if (e.data.text() !== 'flood') return e.waitUntil(registration.showNotification('recovered'));
        e.waitUntil(Promise.all(Array.from({ length: 300 }, (_, i) => fetch('/hang?' + i))));
      };`,
    });
    const calm = site('fetchcalm.test', { '/sw.js': `self.onpush = (e) => e.waitUntil(registration.showNotification(e.data.text()));` });
    const flooding = dispatch(flood, push('flood'), { deadlineMs: 2_000 }).outcome;
    // Wait until the flood has really started (the fixture saw its requests) before the other origin's event.
    for (let i = 0; requests.filter((r) => r.startsWith('fetchflood.test/hang')).length < 50; i++) {
      assert.ok(i < 500, 'the flood never started');
      await new Promise((r) => setTimeout(r, 20));
    }
    const calmRun = dispatch(calm, push('meanwhile'));
    assert.deepEqual(await calmRun.outcome, { status: 'ok', shown: 1 });
    assert.deepEqual(await flooding, { status: 'timeout', shown: 0 });
    const after = dispatch(flood, push('next'));
    assert.deepEqual(await after.outcome, { status: 'ok', shown: 1 }, 'the flooding origin gets a fresh worker');
    assert.equal(after.client.shown[0]?.title, 'recovered');
  });

  test('giant titles, bodies and data are capped or refused with a TypeError; nothing past the limits reaches the notifier', async () => {
    const origin = site('giant.test', {
      '/sw.js': `self.onpush = (e) => e.waitUntil((async () => {
        const seen = [];
        const attempt = async (title, options) => {
          try { await registration.showNotification(title, options); seen.push('shown'); }
          catch (err) { seen.push(err.name); }
        };
        await attempt('T'.repeat(4000), { body: 'B'.repeat(60000) });
        await attempt('T'.repeat(5e6));
        await attempt('ok', { data: { blob: 'D'.repeat(1e6) } });
        await attempt('ok', { body: 'B'.repeat(1e7) });
        await attempt('ok', { data: 'D'.repeat(40 * 1024) });
        await attempt('ok', { tag: 'G'.repeat(1e5), actions: Array.from({ length: 1000 }, (_, i) => ({ action: 'a' + i, title: 'A'.repeat(1e4) })) });
        await registration.showNotification('report', { body: JSON.stringify(seen) });
      })());`,
    });
    const { client, outcome } = dispatch(origin, push('x'));
    const result = await outcome;
    assert.equal(result.status, 'ok', JSON.stringify(result));
    const seen = reported(client) as string[];
    assert.equal(seen.length, 6);
    assert.ok(seen.every((s) => s === 'shown' || s === 'TypeError'), `only shown or TypeError: ${seen.join(', ')}`);
    assert.equal(seen[0], 'shown', 'a long title and body are cut to the limits');
    assert.equal(seen[1], 'TypeError', 'a title above what crosses IPC is refused');
    assert.equal(seen[2], 'TypeError', 'data above 64 KiB is refused');
    assert.equal(seen[3], 'TypeError', 'a 10 MB body is refused before the engine');
    assert.equal(seen[4], 'TypeError', 'data above NOTIFICATION_LIMITS.dataBytes is refused');
    assert.ok(client.refused.length >= 4 && client.refused.every((k) => k === 'invalid-argument' || k === 'invalid-notification-options'), client.refused.join(', '));
    for (const n of client.shown) {
      assert.ok(n.title.length <= NOTIFICATION_LIMITS.titleChars, `title ${n.title.length}`);
      assert.ok((n.body ?? '').length <= NOTIFICATION_LIMITS.bodyChars, `body ${n.body?.length}`);
      assert.ok((n.tag ?? '').length <= NOTIFICATION_LIMITS.tagChars, `tag ${n.tag?.length}`);
      assert.ok((n.actions?.length ?? 0) <= NOTIFICATION_LIMITS.actions);
      for (const a of n.actions ?? []) assert.ok(a.title.length <= NOTIFICATION_LIMITS.titleChars);
      assert.ok(n.data === undefined || JSON.stringify(n.data).length <= NOTIFICATION_LIMITS.dataBytes, 'data within the cap');
    }
    // The worker is still healthy.
    assert.deepEqual(await dispatch(origin, push('again')).outcome, { status: 'ok', shown: seen.filter((x) => x === 'shown').length + 1 });
  });

  test("a worker sees nothing of another origin's IndexedDB, Cache Storage, localStorage or credentialed responses", async () => {
    const victim = site('victim.test', {
      '/sw.js': `${REPORT}
        self.onpush = (e) => e.waitUntil((async () => {
          await new Promise((resolve, reject) => {
            const open = indexedDB.open('secrets', 1);
            open.onupgradeneeded = () => open.result.createObjectStore('kv');
            open.onsuccess = () => { const tx = open.result.transaction('kv', 'readwrite'); tx.objectStore('kv').put('victim-secret', 'token'); tx.oncomplete = () => { open.result.close(); resolve(); }; tx.onerror = reject; };
            open.onerror = reject;
          });
          const cache = await caches.open('private');
          await cache.put('/secret', new Response('victim-cached-secret'));
          await report({ wrote: true, localStorage: typeof localStorage });
        })());`,
      // Playwright's route.fulfill adds permissive CORS headers to a cross-origin response that has none (its
      // _maybeAddCorsHeaders), so the victim names its own origin: what Chromium then enforces is the real CORS check.
      '/account': { type: 'application/json', body: '{"secret":"victim-account"}', headers: { 'access-control-allow-origin': 'https://victim.test' } },
    });
    const thief = site('thief.test', {
      '/sw.js': `${REPORT}
        self.onpush = (e) => e.waitUntil((async () => {
          const out = { localStorage: typeof localStorage };
          out.databases = (await indexedDB.databases()).map((d) => d.name);
          out.idb = await new Promise((resolve) => {
            const open = indexedDB.open('secrets', 1);
            open.onupgradeneeded = () => open.result.createObjectStore('kv');
            open.onsuccess = () => { const req = open.result.transaction('kv').objectStore('kv').get('token'); req.onsuccess = () => resolve(req.result ?? null); req.onerror = () => resolve('error'); };
            open.onerror = () => resolve('error');
          });
          out.cacheNames = await caches.keys();
          const hit = await caches.match('${'https://victim.test'}/secret');
          out.cacheHit = hit ? await hit.text() : null;
          try {
            const r = await fetch('https://victim.test/account', { credentials: 'include' });
            out.cors = await r.text();
          } catch (err) { out.cors = err.name; }
          const opaque = await fetch('https://victim.test/account', { mode: 'no-cors', credentials: 'include' });
          out.opaque = { type: opaque.type, status: opaque.status, body: await opaque.text() };
          await report(out);
        })());`,
    });
    const wrote = dispatch(victim, push(null));
    assert.deepEqual(await wrote.outcome, { status: 'ok', shown: 1 });
    assert.deepEqual(reported(wrote.client), { wrote: true, localStorage: 'undefined' });
    // localStorage belongs to a window: the victim's window (its host page here; the site window shares the session
    // in the app) stores a value, and the thief's host page, where the thief's worker runs, must not see it.
    const hostPage = (origin: string) => browser.contexts().flatMap((c) => c.pages()).find((pg) => pg.url().startsWith(`${origin}/`));
    await hostPage(victim)!.evaluate(() => localStorage.setItem('token', 'victim-local-secret'));
    const read = dispatch(thief, push(null));
    assert.deepEqual(await read.outcome, { status: 'ok', shown: 1 });
    const seen = reported(read.client) as Record<string, unknown>;
    assert.equal(seen.localStorage, 'undefined', 'a worker has no localStorage to read');
    assert.deepEqual(seen.databases, [], "the victim's database is not listed");
    assert.equal(seen.idb, null, 'a database of the same name at the thief origin is empty');
    assert.deepEqual(seen.cacheNames, []);
    assert.equal(seen.cacheHit, null);
    assert.equal(seen.cors, 'TypeError', 'a credentialed cross-origin read without CORS fails');
    assert.deepEqual(seen.opaque, { type: 'opaque', status: 0, body: '' });
    assert.ok(!JSON.stringify(seen).includes('victim-'), 'no value written by the victim is visible');
    // The host page keeps its own install marker there; nothing else.
    const thiefView = await hostPage(thief)!.evaluate(() => ({ token: localStorage.getItem('token'), keys: Object.keys(localStorage) }));
    assert.deepEqual(thiefView, { token: null, keys: ['__push-agent__:installed'] }, "the thief's host page sees none of the victim's localStorage");
    assert.equal(await hostPage(victim)!.evaluate(() => localStorage.getItem('token')), 'victim-local-secret', 'the write really happened');
  });

  test('importScripts: a foreign https script runs in the importing origin; data:, javascript: and file: URLs are refused', async () => {
    site('cdn.test', { '/lib.js': `self.libOrigin = self.location.origin; self.libLoaded = true;` });
    const origin = site('imports.test', {
      '/sw.js': `${REPORT}
        self.onpush = (e) => e.waitUntil((async () => {
          const out = {};
          for (const url of ['https://cdn.test/lib.js', 'data:text/javascript,self.fromData=1', 'javascript:self.fromJs=1', 'file:///etc/passwd', 'blob:https://cdn.test/x']) {
            try { importScripts(url); out[url.split(':')[0]] = 'loaded'; } catch (err) { out[url.split(':')[0]] = err.name; }
          }
          out.libOrigin = self.libOrigin ?? null;
          out.fromData = self.fromData ?? null;
          out.fromJs = self.fromJs ?? null;
          await report(out);
        })());`,
    });
    const { client, outcome } = dispatch(origin, push(null));
    assert.deepEqual(await outcome, { status: 'ok', shown: 1 });
    const seen = reported(client) as Record<string, unknown>;
    // Foreign classic scripts are allowed in a service worker too; they get the importer's origin, nothing more.
    assert.equal(seen.https, 'loaded');
    assert.equal(seen.libOrigin, 'https://imports.test');
    assert.equal(seen.javascript, 'NetworkError');
    assert.equal(seen.file, 'NetworkError');
    assert.equal(seen.fromJs, null);
    assert.ok(seen.data === 'NetworkError' || seen.data === 'loaded', String(seen.data));
    assert.notEqual(seen.blob, 'loaded');
    // A top-level importScripts of a javascript: URL is a script that fails to load: a typed 303.
    const top = site('imports-top.test', { '/sw.js': `importScripts('javascript:1'); self.onpush = () => {};` });
    const failed = await dispatch(top, push(null)).outcome;
    assert.ok(failed.status === 'error' && failed.code === 303 && (failed.kind === 'script-error' || failed.kind === 'script-fetch-failed'), JSON.stringify(failed));
  });

  test('self.close() does not end the worker: the event completes and the next event reaches the same worker', async () => {
    const origin = site('close.test', {
      '/sw.js': `let events = 0;
        self.onpush = (e) => { events++; self.close(); e.waitUntil(registration.showNotification('events: ' + events, { body: typeof self.close })); };`,
    });
    const first = dispatch(origin, push(null));
    assert.deepEqual(await first.outcome, { status: 'ok', shown: 1 });
    const second = dispatch(origin, push(null));
    assert.deepEqual(await second.outcome, { status: 'ok', shown: 1 });
    assert.equal(second.client.shown[0]?.title, 'events: 2');
  });

  test('forged host-protocol messages (self.postMessage, a stolen port, malformed frames) are ignored or held to the rules', async () => {
    const origin = site('forge.test', {
      '/sw.js': `
        // On the global: the page does not listen there.
        self.postMessage({ t: 'loaded' });
        self.postMessage({ t: 'done', id: 1, result: { status: 'ok' } });
        self.postMessage({ t: 'call', id: 1, method: 'showNotification', title: 'forged-global', options: {} });
        // Steal the private port by patching MessagePort.prototype.postMessage before the runtime's next send.
        let stolen = null;
        const native = MessagePort.prototype.postMessage;
        MessagePort.prototype.postMessage = function (m, t) { stolen = this; return native.call(this, m, t); };
        self.onpush = (e) => {
          if (e.data.text() === 'after') return e.waitUntil(registration.showNotification('after'));
          e.waitUntil((async () => {
            await registration.showNotification('legit');
            if (!stolen) return registration.showNotification('no-port');
            const junk = [null, 1, 'x', [], { t: 'done' }, { t: 'done', id: -1, result: { status: 'ok' } }, { t: 'done', id: 2 ** 60, result: { status: 'ok' } },
              { t: 'done', id: 999, result: { status: 'error', code: 303, kind: 'worker-crashed', message: 'forged' } },
              { t: 'load-failed', kind: 'script-error', message: 'forged' }, { t: 'call', id: 1e20, method: 'openWindow', url: 'javascript:alert(1)' },
              { t: 'call', id: 77, method: 'openWindow', url: 'https://evil.test/' }, { t: 'call', id: 78, method: 'showNotification', title: 'forged-bad', options: 'nope' },
              { t: 'call', id: 79, method: 'eval', code: 'alert(1)' }, { t: 'reply', id: 1, ok: true, value: 1 }];
            for (const m of junk) native.call(stolen, m);
            for (let i = 0; i < 20; i++) native.call(stolen, { t: 'call', id: 100 + i, method: 'showNotification', title: 'forged-' + i, options: {} });
            await new Promise(() => {}); // and never finish: only the deadline may end this event
          })());
        };`,
    });
    // The port is not a privilege boundary: a worker holding it can only ask what its own API asks, and the page
    // validates every frame (src/worker/protocol.ts) and holds each call to the running event and its caps.
    const { client, outcome } = dispatch(origin, push('go'), { deadlineMs: 2_000 });
    const result = await outcome;
    assert.equal(result.status, 'timeout', `no forged frame ended the event: ${JSON.stringify(result)}`);
    const titles = client.shown.map((n) => n.title);
    assert.equal(titles[0], 'legit');
    assert.ok(!titles.includes('no-port'), 'the test really stole the port (else it proves nothing)');
    assert.ok(!titles.includes('forged-global') && !titles.includes('forged-bad'));
    assert.ok(client.shown.length <= MAX_NOTIFICATIONS_PER_EVENT, `the per-event cap holds for forged calls: ${client.shown.length}`);
    assert.deepEqual(client.opened, [], 'no window opened from a push event, forged or not');
    const next = dispatch(origin, push('after'));
    assert.deepEqual(await next.outcome, { status: 'ok', shown: 1 });
  });
});
