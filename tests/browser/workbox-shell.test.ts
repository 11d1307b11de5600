// A Workbox app shell (workbox-precaching and workbox-routing from npm, bundled with esbuild): its navigation route
// answers every navigation of its origin, and its push handler still runs on the Chromium host, which needs no page
// of its own at the site's origin. Real engine, local push service, web-push as the sender; the notifier records.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startPushService } from '../../tools/push-service/index.ts';
import type { ChromiumWorkerHost } from '../../src/chromium-host/chromium-worker-host.ts';
import { send, startEngine, waitFor, type Harness, subscribeWithWorker } from '../support/engine-harness.ts';
import { chromiumHost } from '../support/chromium-host.ts';
import { workboxShellPage, workboxShellWorker } from '../support/workbox-shell-site.ts';

/** A test that hangs fails after a minute instead of holding up the run. */
const BOUNDED = { timeout: 60_000 };

let sw: string;
let site: http.Server;
let origin: string;
let service: Awaited<ReturnType<typeof startPushService>>;
let host: ChromiumWorkerHost;
let h: Harness;

before(async () => {
  sw = await workboxShellWorker();
  site = http.createServer((req, res) => {
    const p = new URL(req.url ?? '/', 'http://x').pathname;
    if (p === '/sw.js') res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' }).end(sw);
    else if (p === '/' || p === '/index.html')
      res.writeHead(200, { 'content-type': 'text/html' }).end(workboxShellPage());
    else res.writeHead(404, { 'content-type': 'text/plain' }).end('the network has no such page');
  });
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', () => r()));
  origin = `http://shell.localhost:${(site.address() as AddressInfo).port}`;
  service = await startPushService();
  host = await chromiumHost();
  h = await startEngine(service.wsUrl, { workerHost: host });
});

after(async () => {
  await h?.stop();
  await service?.close();
  // Keep-alive connections from the browser would hold the server (and this process) open.
  site?.closeAllConnections();
  site?.close();
});

describe('a Workbox app shell', () => {
  test(
    'its navigation route answers every navigation, and its push handler shows the notification',
    BOUNDED,
    async () => {
      const page = await host.openPage(`${origin}/`);
      await page.evaluate(
        `navigator.serviceWorker.register('/sw.js').then(() => navigator.serviceWorker.ready).then(() => true)`,
      );
      await page.close();
      // The worker owns navigation: a path the network does not have gets the precached shell.
      const deep = await host.openPage(`${origin}/some/deep/route`);
      assert.equal(
        await deep.evaluate<string>(`document.getElementById('shell')?.textContent ?? document.body.innerText`),
        'the app shell',
      );
      await deep.close();

      const sub = await subscribeWithWorker(h.engine, origin);
      await send(sub, 'from the application server');
      await waitFor(
        'the notification',
        () => h.notifier.shown.some((n) => n.title === 'shell' && n.body === 'from the application server'),
        20_000,
      );
    },
  );
});
