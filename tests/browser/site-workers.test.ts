// Sites' own service workers on the product's Chromium host, end to end: sites served on loopback under *.localhost
// names open in the host's browser, subscribe through the page script (a real SiteService on a real engine on the
// local push service), and web-push sends to them. Mocked: only the desktop notifier and the URL opener (neither can
// be observed here; both record instead).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import webpush from 'web-push';
import { startPushService } from '../../tools/push-service/index.ts';
import type { ChromiumWorkerHost, HostPage } from '../../src/chromium-host/chromium-worker-host.ts';
import { SiteService, type PermissionPort } from '../../src/engine/services/site-service.ts';
import type { SitePermissionState } from '../../src/shared/site-bridge.ts';
import type { NotificationModel } from '../../src/engine/notification.ts';
import { send, sendStatus, startEngine, waitFor, type Harness } from '../support/engine-harness.ts';
import { chromiumHost } from '../support/chromium-host.ts';
import { buildPageScript } from '../support/playwright-site-bridge.ts';

const SW = `
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));
self.addEventListener('push', (e) => {
  const cmd = e.data ? e.data.json() : {};
  if (cmd.silent) return;
  const data = cmd.clone
    ? { date: new Date(Date.UTC(2020, 0, 2)), map: new Map([['k', 42]]), buf: new Uint8Array([1, 2, 3]).buffer }
    : { cmd };
  e.waitUntil(self.registration.showNotification(cmd.title || 'n', { body: self.registration.scope, data }));
});
self.addEventListener('notificationclick', (e) => {
  const d = e.notification.data;
  if (d.date) {
    const seen = { date: d.date instanceof Date && d.date.toISOString(), map: d.map instanceof Map && d.map.get('k'), buf: d.buf instanceof ArrayBuffer && [...new Uint8Array(d.buf)] };
    e.waitUntil(fetch('/report?' + encodeURIComponent(JSON.stringify(seen))));
  } else if (d.cmd.open100) {
    const all = [];
    for (let i = 0; i < 100; i++) all.push(self.clients.openWindow('/opened/' + i).catch(() => null));
    e.waitUntil(Promise.all(all));
  } else if (d.cmd.focus) {
    e.waitUntil(self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then(async (list) => {
      const client = list.find((c) => c.url.endsWith('/app'));
      await client.focus();
      client.postMessage('hello from the worker');
    }));
  }
});
`;

const reports: string[] = [];

function startSites(): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    if (url.hostname.startsWith('apex.')) {
      res.writeHead(302, { location: `http://www.${url.host}${url.pathname}` }).end();
      return;
    }
    if (url.pathname.endsWith('/sw.js'))
      res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' }).end(SW);
    else if (url.pathname === '/report') {
      reports.push(decodeURIComponent(url.search.slice(1)));
      res.writeHead(204).end();
    } else res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>site</title>');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** A test that hangs fails after a minute instead of holding up the run. */
const BOUNDED = { timeout: 60_000 };

let sites: http.Server;
let port: number;
let service: Awaited<ReturnType<typeof startPushService>>;
let host: ChromiumWorkerHost;
let h: Harness;
const opened: string[] = [];
const services = new Map<string, SiteService>();
const permissions = new Map<string, SitePermissionState>();
const permission: PermissionPort = { state: (o) => permissions.get(o) ?? 'granted', ask: async () => 'granted' };
const vapid = webpush.generateVAPIDKeys();

before(async () => {
  sites = await startSites();
  port = (sites.address() as AddressInfo).port;
  service = await startPushService();
  host = await chromiumHost({
    pageScript: await buildPageScript(),
    sites: (origin) => {
      let s = services.get(origin);
      if (!s) services.set(origin, (s = new SiteService(h.engine, origin, permission, h.logger)));
      return s;
    },
  });
  h = await startEngine(service.wsUrl, {
    workerHost: host,
    opener: { open: async (url) => void opened.push(url) },
    worker: { deadlineMs: 5_000, keepAliveMs: 30_000, retryDelaysMs: [] },
  });
});

after(async () => {
  for (const s of services.values()) s.close();
  await h?.stop();
  await service?.close();
  // Keep-alive connections from the browser would hold the server (and this process) open.
  sites?.closeAllConnections();
  sites?.close();
});

interface Subscribed {
  endpoint: string;
  keys: { p256dh: string; auth: string };
  userVisibleOnly: boolean;
}

/** In `page`: registers `script` at `scope`, waits for it to be active, subscribes through the page script. */
function subscribeIn(page: HostPage, script: string, scope: string, userVisibleOnly = true): Promise<Subscribed> {
  return page.evaluate<Subscribed>(`(async () => {
    const reg = await navigator.serviceWorker.register(${JSON.stringify(script)}, { scope: ${JSON.stringify(scope)} });
    for (let i = 0; !reg.active; i++) {
      if (i > 500) throw new Error('the worker did not activate within 10 s');
      await new Promise((r) => setTimeout(r, 20));
    }
    const sub = await reg.pushManager.subscribe({ userVisibleOnly: ${userVisibleOnly}, applicationServerKey: ${JSON.stringify(vapid.publicKey)} });
    return { ...sub.toJSON(), userVisibleOnly: sub.options.userVisibleOnly };
  })()`);
}

const shownFor = (body: string) => (n: NotificationModel) => n.body === body;

describe("sites' own service workers on the Chromium host", () => {
  test(
    'a site reached through a redirect (apex -> www): the subscription belongs to the final origin',
    BOUNDED,
    async () => {
      const page = await host.openPage(`http://apex.localhost:${port}/`);
      const www = `http://www.apex.localhost:${port}`;
      assert.equal(new URL(await page.url()).origin, www);
      const sub = await subscribeIn(page, '/sw.js', '/');
      await page.close();
      const info = h.engine.list().find((s) => s.endpoint === sub.endpoint)!;
      assert.equal(info.origin, www);
      await send(sub, JSON.stringify({ title: 'redirected' }), { vapid });
      await waitFor('the notification', () => h.notifier.shown.some((n) => n.title === 'redirected'), 20_000);
      assert.equal(h.notifier.shown.find((n) => n.title === 'redirected')!.origin, www);
    },
  );

  test(
    'two registrations with different scopes on one origin: each has its own subscription and its own worker',
    BOUNDED,
    async () => {
      const origin = `http://scopes.localhost:${port}`;
      const page = await host.openPage(`${origin}/`);
      const a = await subscribeIn(page, '/a/sw.js', '/a/');
      const b = await subscribeIn(page, '/b/sw.js', '/b/');
      await page.close();
      assert.notEqual(a.endpoint, b.endpoint);
      await send(a, JSON.stringify({ title: 'to a' }), { vapid });
      await send(b, JSON.stringify({ title: 'to b' }), { vapid });
      await waitFor(
        'both notifications',
        () => h.notifier.shown.some(shownFor(`${origin}/a/`)) && h.notifier.shown.some(shownFor(`${origin}/b/`)),
        20_000,
      );
      assert.equal(h.notifier.shown.find(shownFor(`${origin}/a/`))!.title, 'to a');
      assert.equal(h.notifier.shown.find(shownFor(`${origin}/b/`))!.title, 'to b');
    },
  );

  test('registration.unregister() ends the push subscription: the sender then gets 410', BOUNDED, async () => {
    const origin = `http://unreg.localhost:${port}`;
    const page = await host.openPage(`${origin}/`);
    const sub = await subscribeIn(page, '/sw.js', '/');
    assert.equal(await sendStatus(sub, JSON.stringify({ title: 'before' }), { vapid }), 201);
    await page.evaluate(`navigator.serviceWorker.getRegistration('/').then((r) => r.unregister())`);
    await page.close();
    await waitFor('the subscription to end', () => !h.engine.list().some((s) => s.endpoint === sub.endpoint), 20_000);
    assert.ok([404, 410].includes(await sendStatus(sub, JSON.stringify({ title: 'after' }), { vapid })));
  });

  test(
    'notification data holding a Date, a Map and an ArrayBuffer is a structured clone in notificationclick',
    BOUNDED,
    async () => {
      const origin = `http://clone.localhost:${port}`;
      const page = await host.openPage(`${origin}/`);
      const sub = await subscribeIn(page, '/sw.js', '/');
      await page.close();
      await send(sub, JSON.stringify({ title: 'clone', clone: true }), { vapid });
      await waitFor('the notification', () => h.notifier.shown.some((n) => n.title === 'clone'), 20_000);
      await h.engine.notificationActivated(h.notifier.shown.find((n) => n.title === 'clone')!.id);
      await waitFor('the click report', () => reports.length > 0, 20_000);
      assert.deepEqual(JSON.parse(reports[0]!), { date: '2020-01-02T00:00:00.000Z', map: 42, buf: [1, 2, 3] });
    },
  );

  test('a click focuses the open window found by clients.matchAll() and sends it a postMessage', BOUNDED, async () => {
    const origin = `http://focus.localhost:${port}`;
    const page = await host.openPage(`${origin}/app`);
    const sub = await subscribeIn(page, '/sw.js', '/');
    await page.evaluate(`navigator.serviceWorker.onmessage = (e) => { self.got = e.data; }; true`);
    await send(sub, JSON.stringify({ title: 'focus', focus: true }), { vapid });
    await waitFor('the notification', () => h.notifier.shown.some((n) => n.title === 'focus'), 20_000);
    await h.engine.notificationActivated(h.notifier.shown.find((n) => n.title === 'focus')!.id);
    const deadline = Date.now() + 20_000;
    let got: string | null = null;
    while (!got && Date.now() < deadline) {
      got = await page.evaluate<string | null>('self.got ?? null');
      if (!got) await new Promise((r) => setTimeout(r, 50));
    }
    await page.close();
    assert.equal(got, 'hello from the worker');
  });

  test('a click handler calling clients.openWindow 100 times opens one window', BOUNDED, async () => {
    const origin = `http://windows.localhost:${port}`;
    const page = await host.openPage(`${origin}/`);
    const sub = await subscribeIn(page, '/sw.js', '/');
    await page.close();
    await send(sub, JSON.stringify({ title: 'open100', open100: true }), { vapid });
    await waitFor('the notification', () => h.notifier.shown.some((n) => n.title === 'open100'), 20_000);
    const before = opened.length;
    await h.engine.notificationActivated(h.notifier.shown.find((n) => n.title === 'open100')!.id);
    await waitFor('a window', () => opened.length > before, 20_000);
    // The click's event has settled once the engine's dispatch returned; nothing more may open.
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(opened.slice(before), [`${origin}/opened/0`]);
  });

  test(
    'userVisibleOnly: false is accepted, and a push that shows nothing is charged to the budget',
    BOUNDED,
    async () => {
      const origin = `http://silent.localhost:${port}`;
      const page = await host.openPage(`${origin}/`);
      const sub = await subscribeIn(page, '/sw.js', '/', false);
      await page.close();
      assert.equal(sub.userVisibleOnly, false);
      const info = h.engine.list().find((s) => s.endpoint === sub.endpoint)!;
      assert.equal(h.engine.subscription(info.id)!.userVisibleOnly, false);
      // The first silent pushes fall in the burst grace; keep sending until one is charged.
      for (
        let i = 0;
        i < 10 && !h.engine.history.list({ subscriptionId: info.id }).some((e) => e.fate === 'charged');
        i++
      ) {
        const count = h.engine.history.list({ subscriptionId: info.id }).length;
        await send(sub, JSON.stringify({ silent: true }), { vapid });
        await waitFor('the fate', () => h.engine.history.list({ subscriptionId: info.id }).length > count, 20_000);
      }
      assert.ok(
        h.engine.history.list({ subscriptionId: info.id }).some((e) => e.fate === 'charged'),
        JSON.stringify(h.engine.history.list({ subscriptionId: info.id }).map((e) => e.fate)),
      );
    },
  );
});
