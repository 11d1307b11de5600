// The Chromium host (src/chromium-host) with a real engine on the local push service and web-push as the sender:
// sites served on loopback under *.localhost names register their own service workers in the host's Chromium, and
// pushes reach those workers. Nothing is mocked except the desktop notifier (it records; it cannot be observed here).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startPushService } from '../../tools/push-service/index.ts';
import type { ChromiumWorkerHost } from '../../src/chromium-host/chromium-worker-host.ts';
import type { SubscriptionInfo } from '../../src/engine/subscription-record.ts';
import { send, startEngine, waitFor, type Harness, subscribeWithWorker } from '../support/engine-harness.ts';
import { chromiumHost } from '../support/chromium-host.ts';

// At its first statement the worker records what it sees: our showNotification (not Chromium's native one) and no
// trace of the host's binding. It answers /probe with that record, so a start that Chromium makes on its own (a
// navigation's fetch event) can be checked as well as ours.
const PROBE_SW = `
const seen = JSON.stringify({
  patched: !/native code/.test(ServiceWorkerRegistration.prototype.showNotification.toString()),
  leaked: Object.getOwnPropertyNames(self).filter((k) => k.startsWith('__pushAgent')),
});
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));
self.addEventListener('fetch', (e) => {
  if (new URL(e.request.url).pathname === '/probe') e.respondWith(new Response(seen, { headers: { 'content-type': 'application/json' } }));
});
self.addEventListener('push', (e) => {
  const text = e.data ? e.data.text() : '';
  if (text === 'loop') for (;;) {}
  e.waitUntil(fetch('/ping').then(() => self.registration.showNotification('pushed', { body: text + ' ' + seen })));
});
`;

function startSites(): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/sw.js')
      res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' }).end(PROBE_SW);
    else if (path === '/ping') res.writeHead(204).end();
    else res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>site</title>');
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

before(async () => {
  sites = await startSites();
  port = (sites.address() as AddressInfo).port;
  service = await startPushService();
  host = await chromiumHost();
  h = await startEngine(service.wsUrl, {
    workerHost: host,
    worker: { deadlineMs: 3_000, keepAliveMs: 30_000, retryDelaysMs: [] },
  });
});

after(async () => {
  await h?.stop(); // closes the host
  await service?.close();
  // Keep-alive connections from the browser would hold the server (and this process) open.
  sites?.closeAllConnections();
  sites?.close();
});

/** Opens the site, registers /sw.js and waits until it controls the page; returns the engine's subscription. */
async function registerSite(name: string): Promise<{ origin: string; sub: SubscriptionInfo }> {
  const origin = `http://${name}.localhost:${port}`;
  const page = await host.openPage(`${origin}/`);
  await page.evaluate(
    `navigator.serviceWorker.register('/sw.js').then(() => navigator.serviceWorker.ready).then(() => true)`,
  );
  await page.close();
  const sub = await subscribeWithWorker(h.engine, origin);
  return { origin, sub };
}

describe('Chromium host', () => {
  test(
    "a push reaches the site's own worker; waitUntil(fetch().then(showNotification)) shows; our globals exist at its first statement",
    BOUNDED,
    async () => {
      const { sub } = await registerSite('first');
      await send(sub, 'hello');
      await waitFor(
        'the notification',
        () => h.notifier.shown.some((n) => n.title === 'pushed' && n.body?.startsWith('hello ')),
        20_000,
      );
      const shown = h.notifier.shown.find((n) => n.body?.startsWith('hello '))!;
      assert.equal(shown.source, 'worker');
      assert.deepEqual(JSON.parse(shown.body!.slice('hello '.length)), { patched: true, leaked: [] });
    },
  );

  test(
    'a worker Chromium starts on its own (a navigation after the host stopped it) also has our globals at its first statement',
    BOUNDED,
    async () => {
      const { origin } = await registerSite('own');
      await host.stop(origin);
      const page = await host.openPage(`${origin}/probe`);
      const seen = JSON.parse(await page.evaluate<string>('document.body.innerText')) as unknown;
      await page.close();
      assert.deepEqual(seen, { patched: true, leaked: [] });
    },
  );

  test('a worker that loops forever is stopped at its deadline while another origin is served', BOUNDED, async () => {
    const looping = await registerSite('loop');
    const other = await registerSite('other');
    const before = h.notifier.shown.length;
    await send(looping.sub, 'loop');
    await send(other.sub, 'meanwhile');
    await waitFor(
      "the other origin's notification",
      () => h.notifier.shown.slice(before).some((n) => n.body?.startsWith('meanwhile ')),
      20_000,
    );
    await waitFor(
      'the deadline outcome in the history',
      () => h.engine.history.list().some((e) => e.origin === looping.origin && /timeout/.test(e.fate)),
      20_000,
    );
    // The stopped worker starts again for the next push.
    await send(looping.sub, 'after');
    await waitFor('a push after the stop', () => h.notifier.shown.some((n) => n.body?.startsWith('after ')), 20_000);
  });
});
