// A notification shown before the agent restarts is still the engine's after it: a click on it reaches the site's
// own worker with its `data` intact (a structured clone the service-worker script keeps in the origin's IndexedDB;
// the engine keeps the notification, with the key of that clone, in its data dir). Real engine on real storage, the
// local push service, web-push as sender, the product's Chromium host on one profile for both runs. Mocked: only the
// desktop notifier (it records; a click is the host's call to notificationActivated, as Electron's main makes it).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startPushService } from '../../tools/push-service/index.ts';
import { send, startEngine, tempDir, waitFor, subscribeWithWorker } from '../support/engine-harness.ts';
import { chromiumHost } from '../support/chromium-host.ts';

const SW = `
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));
self.addEventListener('push', (e) => {
  const data = { date: new Date(Date.UTC(2020, 0, 2)), map: new Map([['k', 42]]), buf: new Uint8Array([1, 2, 3]).buffer };
  e.waitUntil(self.registration.showNotification('kept', { body: e.data ? e.data.text() : '', data }));
});
self.addEventListener('notificationclick', (e) => {
  const d = e.notification.data;
  const seen = d && { title: e.notification.title, date: d.date instanceof Date && d.date.toISOString(), map: d.map instanceof Map && d.map.get('k'), buf: d.buf instanceof ArrayBuffer && [...new Uint8Array(d.buf)] };
  e.waitUntil(fetch('/report?' + encodeURIComponent(JSON.stringify(seen))));
});
`;

const reports: string[] = [];
let sites: http.Server;
let service: Awaited<ReturnType<typeof startPushService>>;
const profile = tempDir('push-agent-profile-');
const dataDir = tempDir();

before(async () => {
  sites = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/sw.js')
      res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' }).end(SW);
    else if (url.pathname === '/report') {
      reports.push(decodeURIComponent(url.search.slice(1)));
      res.writeHead(204).end();
    } else res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>site</title>');
  });
  await new Promise<void>((r) => sites.listen(0, '127.0.0.1', r));
  service = await startPushService();
});

after(async () => {
  await service?.close();
  sites?.closeAllConnections();
  sites?.close();
  fs.rmSync(profile, { recursive: true, force: true });
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const WORKER = { deadlineMs: 10_000, keepAliveMs: 30_000, retryDelaysMs: [] };

test(
  'a click after an agent restart reaches the worker with the notification data (Date, Map, ArrayBuffer) intact',
  { timeout: 120_000 },
  async () => {
    const origin = `http://kept.localhost:${(sites.address() as AddressInfo).port}`;
    let shownId: string;
    {
      const host = await chromiumHost({ launch: { userDataDir: profile } });
      const h = await startEngine(service.wsUrl, { workerHost: host, worker: WORKER }, dataDir);
      try {
        const page = await host.openPage(`${origin}/`);
        await page.evaluate(
          `navigator.serviceWorker.register('/sw.js').then(() => navigator.serviceWorker.ready).then(() => true)`,
        );
        await page.close();
        const sub = await subscribeWithWorker(h.engine, origin);
        await send(sub, 'before the restart');
        await waitFor('the notification', () => h.notifier.shown.some((n) => n.body === 'before the restart'), 20_000);
        shownId = h.notifier.shown.find((n) => n.body === 'before the restart')!.id;
        await h.engine.idle();
      } finally {
        await h.stop(); // closes the host and its browser
      }
    }
    const host = await chromiumHost({ launch: { userDataDir: profile } });
    const h = await startEngine(service.wsUrl, { workerHost: host, worker: WORKER }, dataDir);
    try {
      assert.deepEqual(
        h.engine.shownNotifications(origin).map((n) => n.id),
        [shownId],
        'the engine still has the notification',
      );
      await h.engine.notificationActivated(shownId);
      await waitFor('the click report', () => reports.length > 0, 20_000);
      assert.deepEqual(JSON.parse(reports[0]!), {
        title: 'kept',
        date: '2020-01-02T00:00:00.000Z',
        map: 42,
        buf: [1, 2, 3],
      });
      assert.deepEqual(h.engine.shownNotifications(origin), [], 'a clicked notification is gone, also from the state');
    } finally {
      await h.stop();
    }
    const again = await startEngine(service.wsUrl, {}, dataDir);
    try {
      assert.deepEqual(again.engine.shownNotifications(origin), []);
    } finally {
      await again.stop();
    }
  },
);

test(
  "the data clones of notifications the engine no longer lists are deleted from the origin's IndexedDB at the next worker start",
  { timeout: 120_000 },
  async () => {
    const origin = `http://pruned.localhost:${(sites.address() as AddressInfo).port}`;
    const host = await chromiumHost();
    const h = await startEngine(service.wsUrl, { workerHost: host, worker: WORKER });
    const clones = async (): Promise<string[]> => {
      const page = await host.openPage(`${origin}/`);
      try {
        return await page.evaluate<string[]>(`new Promise((resolve, reject) => {
          const req = indexedDB.open('__push-agent__', 1);
          req.onupgradeneeded = () => req.result.createObjectStore('data');
          req.onerror = () => reject(req.error);
          req.onsuccess = () => {
            const keys = req.result.transaction('data').objectStore('data').getAllKeys();
            keys.onsuccess = () => { resolve(keys.result); req.result.close(); };
          };
        })`);
      } finally {
        await page.close();
      }
    };
    try {
      const page = await host.openPage(`${origin}/`);
      await page.evaluate(
        `navigator.serviceWorker.register('/sw.js').then(() => navigator.serviceWorker.ready).then(() => true)`,
      );
      await page.close();
      const sub = await subscribeWithWorker(h.engine, origin);
      await send(sub, 'first');
      await waitFor('the first notification', () => h.notifier.shown.some((n) => n.body === 'first'), 20_000);
      reports.length = 0;
      await h.engine.notificationActivated(h.notifier.shown.find((n) => n.body === 'first')!.id);
      await waitFor('the click report', () => reports.length > 0, 20_000);
      assert.equal((await clones()).length, 1, "the clicked notification's clone is still there");
      // Past the grace a clone of another call in flight gets (5 s), and in a new worker start: the prune runs once per
      // start, after the first notification it shows.
      await new Promise((r) => setTimeout(r, 5_500));
      await host.stop(origin);
      await send(sub, 'second');
      await waitFor('the second notification', () => h.notifier.shown.some((n) => n.body === 'second'), 20_000);
      const live = h.engine.shownNotifications(origin).map((n) => (n.data as Record<string, string>).__pushAgentData);
      assert.equal(live.length, 1);
      // The prune runs after the show, off its path: give it a moment.
      let keys = await clones();
      for (let i = 0; i < 40 && keys.length !== 1; i++) {
        await new Promise((r) => setTimeout(r, 250));
        keys = await clones();
      }
      assert.deepEqual(keys, live);
    } finally {
      await h.stop();
    }
  },
);
