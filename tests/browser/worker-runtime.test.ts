// The worker runtime (src/worker) on real Chromium: site workers written the way sites write them, run by
// PlaywrightWorkerHost at their own origin, with a WorkerClient that records what they ask of the engine.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { httpUrl, validateNotification, type NotificationModel, type NotificationRequest } from '../../src/engine/notification.ts';
import type { Clock, TimerHandle, WorkerClient, WorkerEvent, WorkerOutcome } from '../../src/engine/ports.ts';
import type { SubscriptionJSON } from '../../src/engine/subscription-record.ts';
import { PlaywrightWorkerHost, buildWorkerAssets, launchChromium } from '../support/playwright-worker-host.ts';
import { MAX_WORKER_SCRIPT_BYTES } from '../../src/shared/worker-bridge.ts';

// ---- fixture sites --------------------------------------------------------------------------------

type Site = Record<string, { type?: string; body: string }>;
const sites = new Map<string, Site>();
let fixtureBase = '';
/** Every request the fixture server saw, as host/path. */
const requests: string[] = [];

function site(host: string, files: Record<string, string | { type?: string; body: string }>): string {
  const entries: Site = {};
  for (const [p, f] of Object.entries(files)) entries[p] = typeof f === 'string' ? { body: f } : f;
  sites.set(host, entries);
  return `https://${host}`;
}

function startFixtureServer(): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fixture');
    const [, host, ...rest] = url.pathname.split('/');
    requests.push(`${host}/${rest.join('/')}`);
    const file = sites.get(host ?? '')?.[`/${rest.join('/')}`];
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': file.type ?? 'text/javascript; charset=utf-8', 'cache-control': 'no-store' }).end(file.body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// ---- a recording engine side ------------------------------------------------------------------------

const SUBSCRIPTION: SubscriptionJSON = {
  endpoint: 'https://push.test/wpush/v2/abc',
  expirationTime: null,
  keys: { p256dh: 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM', auth: 'tBHItJI5svbpez7KI4CCXg' },
} as SubscriptionJSON;

class RecordingClient implements WorkerClient {
  readonly shown: NotificationRequest[] = [];
  readonly opened: string[] = [];
  readonly models: NotificationModel[] = [];
  readonly #base: string;
  constructor(base: string) {
    this.#base = base;
  }
  async showNotification(title: string, options: unknown): Promise<void> {
    const request = validateNotification(title, options, this.#base);
    this.shown.push(request);
    const model: NotificationModel = { ...request, id: `n${this.models.length + 1}`, subscriptionId: 's1', origin: new URL(this.#base).origin, source: 'worker', shownAt: Date.now() };
    const same = request.tag ? this.models.findIndex((m) => m.tag === request.tag) : -1;
    if (same >= 0) this.models.splice(same, 1, model);
    else this.models.push(model);
  }
  getNotifications(tag?: string): NotificationModel[] {
    return tag ? this.models.filter((m) => m.tag === tag) : [...this.models];
  }
  async openWindow(url: string): Promise<boolean> {
    const safe = httpUrl(url, this.#base);
    if (!safe) return false;
    this.opened.push(safe);
    return true;
  }
  getSubscription(): SubscriptionJSON | null {
    return SUBSCRIPTION;
  }
}

/** Timers that only fire when the test says so (the idle stop is a time-based rule). */
class ManualClock implements Clock {
  #now = 0;
  #timers = new Map<number, { at: number; fn: () => void }>();
  #next = 1;
  now(): number {
    return this.#now;
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.#next++;
    this.#timers.set(id, { at: this.#now + ms, fn });
    return { id } as TimerHandle;
  }
  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete((handle as { id: number }).id);
  }
  advance(ms: number): void {
    this.#now += ms;
    for (const [id, t] of [...this.#timers]) {
      if (t.at <= this.#now) {
        this.#timers.delete(id);
        t.fn();
      }
    }
  }
}

let server: http.Server;
let browser: Browser;
let host: PlaywrightWorkerHost;
const clock = new ManualClock();

function dispatch(origin: string, event: WorkerEvent, opts: { client?: RecordingClient; deadlineMs?: number; script?: string } = {}) {
  const client = opts.client ?? new RecordingClient(`${origin}/`);
  const scriptURL = `${origin}${opts.script ?? '/sw.js'}`;
  const outcome = host.dispatch({ origin, scope: new URL('./', scriptURL).href, scriptURL, event, deadlineMs: opts.deadlineMs ?? 10_000, keepAliveMs: 30_000 }, client);
  return { client, outcome };
}

const text = (s: string) => new TextEncoder().encode(s);
const push = (data: string | Uint8Array | null, notification?: NotificationRequest): WorkerEvent => ({
  type: 'push',
  data: typeof data === 'string' ? text(data) : data,
  ...(notification ? { notification } : {}),
});

async function waitFor(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

before(async () => {
  server = await startFixtureServer();
  fixtureBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // A small V8 heap makes a runaway allocation crash its renderer in well under a second.
  [browser] = await Promise.all([launchChromium(['--js-flags=--max-old-space-size=256']), buildWorkerAssets()]);
  host = new PlaywrightWorkerHost({ browser, clock, upstream: (origin) => `${fixtureBase}/${new URL(origin).host}` });
});

after(async () => {
  await host?.close();
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

describe('worker runtime on Chromium', () => {
  test('a plain push handler shows a notification from the payload', async () => {
    const origin = site('plain.test', {
      '/sw.js': `
        self.addEventListener('push', (event) => {
          const msg = event.data ? event.data.json() : { title: 'empty' };
          event.waitUntil(self.registration.showNotification(msg.title, { body: msg.body, tag: 'chat', icon: '/icon.png', data: { url: '/chat' } }));
        });`,
    });
    const { client, outcome } = dispatch(origin, push(JSON.stringify({ title: 'New message', body: 'Hi there' })));
    assert.deepEqual(await outcome, { status: 'ok', shown: 1 });
    assert.equal(client.shown[0]?.title, 'New message');
    assert.equal(client.shown[0]?.body, 'Hi there');
    assert.equal(client.shown[0]?.icon, 'https://plain.test/icon.png');
    assert.deepEqual(client.shown[0]?.data, { url: '/chat' });
  });

  test('install and activate run on the first start of a script only, before its first event', async () => {
    const origin = site('lifecycle.test', {
      '/sw.js': `
        const log = [];
        self.addEventListener('install', (e) => { log.push('install'); e.waitUntil(self.skipWaiting()); });
        self.onactivate = (e) => { log.push('activate'); e.waitUntil(self.clients.claim()); };
        self.onpush = (e) => e.waitUntil(registration.showNotification('lifecycle', { body: log.join(',') || 'none' }));`,
    });
    const first = dispatch(origin, push(null));
    assert.equal((await first.outcome).status, 'ok');
    assert.equal(first.client.shown[0]?.body, 'install,activate');
    await host.stop(origin);
    assert.ok(!host.runningOrigins().includes(origin));
    const second = dispatch(origin, push(null));
    assert.equal((await second.outcome).status, 'ok');
    assert.equal(second.client.shown[0]?.body, 'none', 'a restarted worker is not installed again');
  });

  test('a worker that importScripts a helper library, relative to its own URL', async () => {
    const origin = site('lib.test', {
      '/app/sw.js': `
        importScripts('lib/format.js');
        self.addEventListener('push', (event) => {
          event.waitUntil(self.registration.showNotification(formatTitle(event.data.text()), { body: self.location.pathname }));
        });`,
      '/app/lib/format.js': `function formatTitle(s) { return '[' + s.toUpperCase() + ']'; }`,
    });
    const { client, outcome } = dispatch(origin, push('hello'), { script: '/app/sw.js' });
    assert.deepEqual(await outcome, { status: 'ok', shown: 1 });
    assert.equal(client.shown[0]?.title, '[HELLO]');
    assert.equal(client.shown[0]?.body, '/app/sw.js');
  });

  test('a worker that fetches the message from its origin before showing it', async () => {
    const origin = site('fetch.test', {
      '/sw.js': `
        self.addEventListener('push', (event) => {
          event.waitUntil((async () => {
            const res = await fetch('/api/latest?since=' + encodeURIComponent(event.data.text()), { credentials: 'include' });
            const msg = await res.json();
            await self.registration.showNotification(msg.title, { body: msg.body });
          })());
        });`,
      '/api/latest': { type: 'application/json', body: JSON.stringify({ title: 'From the API', body: 'fetched at the origin' }) },
    });
    const { client, outcome } = dispatch(origin, push('42'));
    assert.deepEqual(await outcome, { status: 'ok', shown: 1 });
    assert.deepEqual([client.shown[0]?.title, client.shown[0]?.body], ['From the API', 'fetched at the origin']);
  });

  test('a worker that keeps state in IndexedDB, which survives a restart', async () => {
    const origin = site('idb.test', {
      '/sw.js': `
        function db() {
          return new Promise((resolve, reject) => {
            const req = indexedDB.open('inbox', 1);
            req.onupgradeneeded = () => req.result.createObjectStore('counters');
            req.onsuccess = () => resolve(req.result);
            req.onerror = () => reject(req.error);
          });
        }
        async function bump() {
          const d = await db();
          return new Promise((resolve, reject) => {
            const tx = d.transaction('counters', 'readwrite');
            const store = tx.objectStore('counters');
            const get = store.get('unread');
            get.onsuccess = () => { const n = (get.result || 0) + 1; store.put(n, 'unread'); tx.oncomplete = () => resolve(n); };
            tx.onerror = () => reject(tx.error);
          });
        }
        self.addEventListener('push', (e) => e.waitUntil(bump().then((n) => registration.showNotification(n + ' unread', { tag: 'unread' }))));`,
    });
    const client = new RecordingClient(`${origin}/`);
    assert.equal((await dispatch(origin, push('a'), { client }).outcome).status, 'ok');
    assert.equal((await dispatch(origin, push('b'), { client }).outcome).status, 'ok');
    await host.stop(origin);
    assert.equal((await dispatch(origin, push('c'), { client }).outcome).status, 'ok');
    assert.deepEqual(client.shown.map((n) => n.title), ['1 unread', '2 unread', '3 unread']);
  });

  test('a handler that throws is outcome 301; other listeners still run', async () => {
    const origin = site('throws.test', {
      '/sw.js': `
        self.addEventListener('push', () => { throw new Error('boom in handler'); });
        self.addEventListener('push', (e) => e.waitUntil(registration.showNotification('second listener')));`,
    });
    const outcome = await dispatch(origin, push('x')).outcome;
    assert.equal(outcome.status, 'error');
    assert.equal(outcome.status === 'error' && outcome.code, 301);
    assert.match(outcome.status === 'error' ? outcome.message : '', /boom in handler/);
    assert.equal(outcome.shown, 1);
  });

  test('a rejected waitUntil is outcome 302', async () => {
    const origin = site('rejects.test', {
      '/sw.js': `self.addEventListener('push', (e) => e.waitUntil(fetch('/missing').then((r) => { if (!r.ok) throw new Error('HTTP ' + r.status); })));`,
    });
    const outcome = await dispatch(origin, push('x')).outcome;
    assert.equal(outcome.status === 'error' && outcome.code, 302);
    assert.match(outcome.status === 'error' ? outcome.message : '', /HTTP 404/);
  });

  test('a script that fails to load or to compile is outcome 303 with a typed kind', async () => {
    const missing = site('missing.test', {});
    const broken = site('broken.test', { '/sw.js': `self.addEventListener('push', (e) => {` });
    const [a, b] = await Promise.all([dispatch(missing, push('x')).outcome, dispatch(broken, push('x')).outcome]);
    assert.deepEqual(a.status === 'error' && [a.code, a.kind], [303, 'script-fetch-failed']);
    assert.deepEqual(b.status === 'error' && [b.code, b.kind], [303, 'script-error']);
  });

  test('a worker script above the size cap is outcome 303 script-too-large; one just under it runs', async () => {
    const handler = `\nself.addEventListener('push', (e) => e.waitUntil(registration.showNotification('ran')));`;
    const big = site('big.test', { '/sw.js': `// ${'x'.repeat(MAX_WORKER_SCRIPT_BYTES)}${handler}` });
    const near = site('near.test', { '/sw.js': `// ${'x'.repeat(MAX_WORKER_SCRIPT_BYTES - handler.length - 4)}${handler}` });
    const [a, b] = await Promise.all([dispatch(big, push('x')).outcome, dispatch(near, push('x')).outcome]);
    assert.deepEqual(a.status === 'error' && [a.code, a.kind], [303, 'script-too-large']);
    assert.deepEqual(b, { status: 'ok', shown: 1 });
  });

  test('waitUntil follows the spec: callable while extended, InvalidStateError after', async () => {
    const origin = site('extend.test', {
      '/sw.js': `
        let previous = null;
        self.addEventListener('push', (e) => {
          const log = [];
          try { new ExtendableEvent('synthetic').waitUntil(Promise.resolve()); log.push('synthetic ok'); } catch (err) { log.push('synthetic ' + err.name); }
          if (previous) { try { previous.waitUntil(Promise.resolve()); log.push('late ok'); } catch (err) { log.push('late ' + err.name); } }
          previous = e;
          e.waitUntil(new Promise((r) => setTimeout(r, 20)).then(() => {
            e.waitUntil(registration.showNotification('extended', { body: log.join(',') }));
          }));
        });`,
    });
    const client = new RecordingClient(`${origin}/`);
    assert.deepEqual(await dispatch(origin, push('1'), { client }).outcome, { status: 'ok', shown: 1 });
    assert.deepEqual(await dispatch(origin, push('2'), { client }).outcome, { status: 'ok', shown: 1 });
    assert.deepEqual(client.shown.map((n) => n.body), ['synthetic InvalidStateError', 'synthetic InvalidStateError,late InvalidStateError']);
  });

  test('a worker that never settles times out at the deadline; the next event gets a fresh worker', async () => {
    const origin = site('hang.test', {
      '/sw.js': `
        let events = 0;
        self.onpush = (e) => {
          events++;
          if (e.data.text() === 'hang') e.waitUntil(new Promise(() => {}));
          else e.waitUntil(registration.showNotification('events in this worker: ' + events));
        };`,
    });
    const t0 = Date.now();
    assert.deepEqual(await dispatch(origin, push('hang'), { deadlineMs: 500 }).outcome, { status: 'timeout', shown: 0 });
    assert.ok(Date.now() - t0 < 5_000);
    const next = dispatch(origin, push('ok'));
    assert.deepEqual(await next.outcome, { status: 'ok', shown: 1 });
    assert.equal(next.client.shown[0]?.title, 'events in this worker: 1');
  });

  test("a busy-looping worker is terminated at its deadline and never delays another origin's event", async () => {
    const spin = site('spin.test', {
      '/sw.js': `self.onpush = (e) => { if (e.data.text() === 'spin') e.waitUntil(fetch('/spinning').then(() => { for (;;) {} })); };`,
      '/spinning': 'ok',
    });
    const calm = site('calm.test', { '/sw.js': `self.onpush = (e) => e.waitUntil(registration.showNotification(e.data.text()));` });
    assert.equal((await dispatch(calm, push('warm up')).outcome).status, 'ok');
    const order: string[] = [];
    const spinning = dispatch(spin, push('spin'), { deadlineMs: 3_000 }).outcome.then((o) => {
      order.push('spin');
      return o;
    });
    // The other origin's event goes out once the spinning worker is in its loop.
    await waitFor(() => requests.includes('spin.test/spinning'));
    const calmOutcome = await dispatch(calm, push('meanwhile')).outcome;
    order.push('calm');
    assert.deepEqual(calmOutcome, { status: 'ok', shown: 1 });
    assert.deepEqual(await spinning, { status: 'timeout', shown: 0 });
    assert.deepEqual(order, ['calm', 'spin']);
    assert.equal((await dispatch(spin, push('fine now')).outcome).status, 'ok');
  });

  test('a worker that allocates without bound is contained: its outcome is timeout or a crash, others are unaffected', async () => {
    const hog = site('hog.test', {
      '/sw.js': `self.onpush = (e) => {
        if (e.data.text() !== 'hog') return e.waitUntil(registration.showNotification('recovered'));
        const keep = []; for (;;) keep.push(new Array(1e6).fill(1.5));
      };`,
    });
    const calm = site('calm2.test', { '/sw.js': `self.onpush = (e) => e.waitUntil(registration.showNotification(e.data.text()));` });
    const [hogOutcome, calmOutcome] = await Promise.all([dispatch(hog, push('hog'), { deadlineMs: 1_500 }).outcome, dispatch(calm, push('still here')).outcome]);
    assert.ok(
      hogOutcome.status === 'timeout' || (hogOutcome.status === 'error' && hogOutcome.code === 303 && hogOutcome.kind === 'worker-crashed'),
      JSON.stringify(hogOutcome),
    );
    assert.deepEqual(calmOutcome, { status: 'ok', shown: 1 });
    assert.deepEqual(await dispatch(hog, push('again')).outcome, { status: 'ok', shown: 1 });
  });

  test('at most 8 notifications per event', async () => {
    const origin = site('flood.test', {
      '/sw.js': `self.onpush = (e) => e.waitUntil(Promise.all(Array.from({ length: 50 }, (_, i) => registration.showNotification('n' + i, { tag: 't' + i }))));`,
    });
    const { client, outcome } = dispatch(origin, push('x'));
    assert.deepEqual(await outcome, { status: 'ok', shown: 8 });
    assert.equal(client.shown.length, 8);
  });

  test("showNotification's TypeErrors, getNotifications and getSubscription", async () => {
    const origin = site('api.test', {
      '/sw.js': `
        self.onpush = (e) => e.waitUntil((async () => {
          const results = [];
          for (const opts of [{ renotify: true }, { silent: true, vibrate: [100] }, { data: () => 1 }, { dir: 'sideways' }, { data: 'x'.repeat(40000) }]) {
            try { await registration.showNotification('bad', opts); results.push('shown'); } catch (err) { results.push(err.name); }
          }
          try { await registration.showNotification('big', { data: 'x'.repeat(40000) }); } catch (err) { results.push(err.message); }
          await registration.showNotification('kept', { tag: 'keep', renotify: true, body: results.join(',') });
          const list = await registration.getNotifications({ tag: 'keep' });
          const sub = await registration.pushManager.getSubscription();
          const state = await registration.pushManager.permissionState({ userVisibleOnly: true });
          await registration.showNotification('api', {
            body: [list.length, list[0].title, sub.endpoint, new Uint8Array(sub.getKey('p256dh')).length, state, registration.scope].join('|'),
          });
        })());`,
    });
    const { client, outcome } = dispatch(origin, push('x'));
    assert.deepEqual(await outcome, { status: 'ok', shown: 2 });
    // The last two are refused by the engine (its size cap), across the bridge, with the engine's message.
    assert.equal(client.shown[0]?.body, 'TypeError,TypeError,DataCloneError,TypeError,TypeError,data larger than 32768 bytes');
    assert.equal(client.shown[1]?.body, `1|kept|${SUBSCRIPTION.endpoint}|65|granted|https://api.test/`);
  });

  test('a mutable declarative message reaches the worker as event.notification', async () => {
    const origin = site('declarative.test', {
      '/sw.js': `self.onpush = (e) => {
        const n = e.notification;
        e.waitUntil(registration.showNotification(n.title + ' (edited)', { body: n.body, navigate: n.navigate, data: e.data.json().notification.data }));
      };`,
    });
    const payload = { web_push: 8030, notification: { title: 'Declared', body: 'declared body', navigate: 'https://declarative.test/msg/1', mutable: true, data: { id: 1 } } };
    const declared: NotificationRequest = { title: 'Declared', body: 'declared body', navigate: 'https://declarative.test/msg/1', data: { id: 1 } };
    const { client, outcome } = dispatch(origin, push(JSON.stringify(payload), declared));
    assert.deepEqual(await outcome, { status: 'ok', shown: 1 });
    assert.equal(client.shown[0]?.title, 'Declared (edited)');
    assert.equal(client.shown[0]?.body, 'declared body');
    assert.equal(client.shown[0]?.navigate, 'https://declarative.test/msg/1');
    assert.deepEqual(client.shown[0]?.data, { id: 1 });
  });

  test('notificationclick with an action opens http(s) windows only; a push event may not open any', async () => {
    const origin = site('click.test', {
      '/sw.js': `
        self.addEventListener('notificationclick', (e) => {
          e.notification.close();
          e.waitUntil((async () => {
            const results = [];
            for (const url of ['/inbox/' + e.notification.data.id, 'javascript:alert(1)', 'file:///etc/passwd']) {
              try { results.push(String(await clients.openWindow(url))); } catch (err) { results.push(err.name); }
            }
            const windows = await clients.matchAll({ type: 'window' });
            await registration.showNotification('clicked ' + e.action, { body: results.join(',') + '|' + windows.length + '|' + e.notification.title });
          })());
        });
        self.addEventListener('notificationclose', (e) => e.waitUntil(registration.showNotification('closed ' + e.notification.tag)));
        self.addEventListener('push', (e) => e.waitUntil(clients.openWindow('/nope').then(
          () => registration.showNotification('opened'), (err) => registration.showNotification('refused ' + err.name))));`,
    });
    const notification: NotificationModel = {
      id: 'n1', subscriptionId: 's1', origin, source: 'worker', shownAt: Date.now(), title: 'Chat', tag: 'chat', data: { id: 7 },
      actions: [{ action: 'reply', title: 'Reply' }],
    };
    const click = dispatch(origin, { type: 'notificationclick', notification, action: 'reply' });
    assert.deepEqual(await click.outcome, { status: 'ok', shown: 1 });
    assert.deepEqual(click.client.opened, ['https://click.test/inbox/7']);
    assert.equal(click.client.shown[0]?.title, 'clicked reply');
    assert.equal(click.client.shown[0]?.body, 'null,TypeError,TypeError|0|Chat');

    const close = dispatch(origin, { type: 'notificationclose', notification });
    assert.deepEqual(await close.outcome, { status: 'ok', shown: 1 });
    assert.equal(close.client.shown[0]?.title, 'closed chat');

    const pushed = dispatch(origin, push('x'));
    assert.deepEqual(await pushed.outcome, { status: 'ok', shown: 1 });
    assert.deepEqual(pushed.client.opened, []);
    assert.equal(pushed.client.shown[0]?.title, 'refused InvalidAccessError');
  });

  test('PushMessageData: UTF-8 text and JSON, binary, and no data', async () => {
    const origin = site('data.test', {
      '/sw.js': `self.onpush = (e) => {
        const d = e.data;
        let body = 'null';
        if (d) {
          let json;
          try { json = d.json(); } catch (err) { json = err.name; }
          body = JSON.stringify({ text: d.text(), bytes: Array.from(d.bytes()), ab: d.arrayBuffer().byteLength, blob: d.blob().size, json });
        }
        e.waitUntil(registration.showNotification('data', { body }));
      };`,
    });
    const client = new RecordingClient(`${origin}/`);
    const utf8 = JSON.stringify({ msg: 'héllo ✓ 🎉' });
    await dispatch(origin, push(utf8), { client }).outcome;
    await dispatch(origin, push(new Uint8Array([0, 255, 128, 10])), { client }).outcome;
    await dispatch(origin, push(null), { client }).outcome;
    const [a, b, c] = client.shown.map((n) => n.body!);
    const ja = JSON.parse(a!);
    assert.equal(ja.text, utf8);
    assert.deepEqual(ja.json, { msg: 'héllo ✓ 🎉' });
    assert.equal(ja.ab, text(utf8).length);
    assert.equal(ja.blob, text(utf8).length);
    const jb = JSON.parse(b!);
    assert.deepEqual(jb.bytes, [0, 255, 128, 10]);
    assert.equal(jb.json, 'SyntaxError');
    assert.equal(c, 'null');
  });

  test('pushsubscriptionchange carries both subscriptions', async () => {
    const origin = site('change.test', {
      '/sw.js': `self.addEventListener('pushsubscriptionchange', (e) => e.waitUntil(registration.showNotification('changed', {
        body: String(e.oldSubscription && e.oldSubscription.endpoint) + '|' + JSON.stringify(e.newSubscription.toJSON()) })));`,
    });
    const { client, outcome } = dispatch(origin, { type: 'pushsubscriptionchange', oldSubscription: null, newSubscription: SUBSCRIPTION });
    assert.deepEqual(await outcome, { status: 'ok', shown: 1 });
    assert.equal(client.shown[0]?.body, `null|${JSON.stringify(SUBSCRIPTION)}`);
  });

  test('listeners are added, removed and replaced as on a service worker global', async () => {
    const origin = site('listeners.test', {
      '/sw.js': `
        const calls = [];
        const removed = () => calls.push('removed');
        self.addEventListener('push', removed);
        self.removeEventListener('push', removed);
        self.addEventListener('push', { handleEvent: () => calls.push('object') });
        self.addEventListener('push', () => calls.push('once'), { once: true });
        self.onpush = () => calls.push('replaced');
        self.onpush = (e) => { calls.push('onpush'); e.waitUntil(registration.showNotification(calls.join(','))); calls.length = 0; };
        self.addEventListener('message', () => calls.push('message'));`,
    });
    const client = new RecordingClient(`${origin}/`);
    await dispatch(origin, push('1'), { client }).outcome;
    await dispatch(origin, push('2'), { client }).outcome;
    assert.deepEqual(client.shown.map((n) => n.title), ['object,once,onpush', 'object,onpush']);
  });

  test('stopping an origin ends its running event with a 303 outcome', async () => {
    const origin = site('stopped.test', { '/sw.js': `self.onpush = (e) => e.waitUntil(fetch('/started').then(() => new Promise(() => {})));`, '/started': 'ok' });
    const running = dispatch(origin, push('x')).outcome;
    await waitFor(() => requests.includes('stopped.test/started'));
    await host.stop(origin);
    const outcome = await running;
    assert.deepEqual(outcome.status === 'error' && [outcome.code, outcome.kind], [303, 'worker-terminated']);
  });

  test('an idle worker is stopped after keepAliveMs without events', async () => {
    const origin = site('idle.test', { '/sw.js': `self.onpush = () => {};` });
    const outcome: WorkerOutcome = await dispatch(origin, push(null)).outcome;
    assert.equal(outcome.status, 'ok');
    assert.ok(host.runningOrigins().includes(origin));
    clock.advance(29_999);
    assert.ok(host.runningOrigins().includes(origin));
    clock.advance(1);
    assert.ok(!host.runningOrigins().includes(origin));
  });
});

// End to end: an application server sends through the local push service, the real PushEngine decrypts the message
// and dispatches a push event to the site's worker here, whose notification reaches the engine's Notifier.
// Loaded dynamically so that the runtime tests above do not depend on those modules.
test("end to end: a message sent to a site's subscription is shown by the site's worker", async (t) => {
  const { startPushService } = await import('../../tools/push-service/index.ts');
  const { send, startEngine, waitFor: waitForShown } = await import('../support/engine-harness.ts');
  site('site.test', {
    '/sw.js': `self.addEventListener('push', (event) => {
      const msg = event.data.json();
      event.waitUntil(self.registration.showNotification(msg.title, { body: msg.body, tag: 'e2e' }));
    });`,
  });
  const service = await startPushService();
  t.after(() => service.close());
  const e2eHost = new PlaywrightWorkerHost({ browser, upstream: (origin) => `${fixtureBase}/${new URL(origin).host}` });
  t.after(() => e2eHost.close());
  const h = await startEngine(service.wsUrl, { workerHost: e2eHost });
  t.after(() => h.stop());
  const sub = await h.engine.subscribe({
    kind: 'site',
    origin: 'https://site.test',
    applicationServerKey: null,
    userVisibleOnly: true,
    workerScriptURL: 'https://site.test/sw.js',
  });
  assert.equal(await send(sub, JSON.stringify({ title: 'Hello from the worker', body: 'end to end' })), 201);
  await waitForShown('the worker notification', () => h.notifier.shown.some((n) => n.source === 'worker'), 15_000);
  const shown = h.notifier.shown.filter((n) => n.source === 'worker');
  assert.equal(shown.length, 1);
  assert.deepEqual([shown[0]!.title, shown[0]!.body, shown[0]!.origin], ['Hello from the worker', 'end to end', 'https://site.test']);
});
