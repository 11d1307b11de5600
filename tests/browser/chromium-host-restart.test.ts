// The Chromium host on an existing browser profile: a second (third, ...) launch on the same user-data dir, the
// worker registered by the first. Each cycle pushes (the worker starts in a fresh browser), has the host stop the
// worker, and pushes again (the worker starts again in the same browser). Every start must pause before the
// worker's script so that the service-worker script runs first; a start that does not leaves the dispatch waiting
// for the script until the start timeout (the error 303 the bench saw). Real engine, local push service, web-push as
// sender, Debian's Chromium; only the desktop notifier records instead of showing.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startPushService } from '../../tools/push-service/index.ts';
import type { SubscriptionInfo } from '../../src/engine/subscription-record.ts';
import { send, startEngine, tempDir, waitFor, subscribeWithWorker } from '../support/engine-harness.ts';
import { chromiumHost } from '../support/chromium-host.ts';

const SW = `
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));
self.addEventListener('push', (e) => {
  const text = e.data ? e.data.text() : '';
  const shown = self.registration.showNotification('pushed', { body: text });
  // 'hold': the event stays open after its notification (until the host stops the worker or its deadline).
  e.waitUntil(text === 'hold' ? shown.then(() => new Promise(() => {})) : shown);
});
`;

const CYCLES = 5;

let sites: http.Server;
let service: Awaited<ReturnType<typeof startPushService>>;
const profile = tempDir('push-agent-profile-');
const dataDir = tempDir();

before(async () => {
  sites = http.createServer((req, res) => {
    if (req.url === '/sw.js')
      res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' }).end(SW);
    else res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>site</title>');
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

test(
  `a worker the host stopped starts with our script again in a browser relaunched on its profile (${CYCLES} cycles)`,
  { timeout: 240_000 },
  async () => {
    const origin = `http://restart.localhost:${(sites.address() as AddressInfo).port}`;
    let sub: SubscriptionInfo;
    {
      const host = await chromiumHost({ launch: { userDataDir: profile }, startTimeoutMs: 10_000 });
      const h = await startEngine(
        service.wsUrl,
        { workerHost: host, worker: { deadlineMs: 15_000, keepAliveMs: 30_000, retryDelaysMs: [] } },
        dataDir,
      );
      try {
        const page = await host.openPage(`${origin}/`);
        await page.evaluate(
          `navigator.serviceWorker.register('/sw.js').then(() => navigator.serviceWorker.ready).then(() => true)`,
        );
        await page.close();
        sub = await subscribeWithWorker(h.engine, origin);
        await send(sub, 'first');
        await waitFor('the first notification', () => h.notifier.shown.some((n) => n.body === 'first'), 20_000);
      } finally {
        await h.stop();
      }
    }
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const host = await chromiumHost({ launch: { userDataDir: profile }, startTimeoutMs: 10_000 });
      const h = await startEngine(
        service.wsUrl,
        { workerHost: host, worker: { deadlineMs: 15_000, keepAliveMs: 30_000, retryDelaysMs: [] } },
        dataDir,
      );
      try {
        for (const step of ['browser-started', 'worker-restarted', 'restarted-again']) {
          const body = `${cycle}:${step}`;
          if (step !== 'browser-started') await host.stop(origin);
          await send(sub, body);
          await waitFor(
            `the notification or a fate for ${body}`,
            () =>
              h.notifier.shown.some((n) => n.body === body) ||
              h.engine.history.list().some((e) => !e.fate.startsWith('shown')),
            20_000,
          );
          const failed = h.engine.history.list().find((e) => !e.fate.startsWith('shown'));
          assert.equal(failed, undefined, `cycle ${cycle}, ${step}: ${JSON.stringify(failed)}`);
        }
      } finally {
        await h.stop();
      }
    }
  },
);

test(
  'a stop while an event is still open ends that event at once: the next push is not held until its deadline',
  { timeout: 120_000 },
  async () => {
    const origin = `http://held.localhost:${(sites.address() as AddressInfo).port}`;
    const host = await chromiumHost({ startTimeoutMs: 10_000 });
    // The deadline (30 s) is far beyond the wait below: only an event ended by the stop lets the next push through.
    const h = await startEngine(service.wsUrl, {
      workerHost: host,
      worker: { deadlineMs: 30_000, keepAliveMs: 30_000, retryDelaysMs: [] },
    });
    try {
      const page = await host.openPage(`${origin}/`);
      await page.evaluate(
        `navigator.serviceWorker.register('/sw.js').then(() => navigator.serviceWorker.ready).then(() => true)`,
      );
      await page.close();
      const sub = await subscribeWithWorker(h.engine, origin);
      await send(sub, 'hold');
      await waitFor("the held event's notification", () => h.notifier.shown.some((n) => n.body === 'hold'), 20_000);
      await host.stop(origin);
      await send(sub, 'after');
      await waitFor("the next push's notification", () => h.notifier.shown.some((n) => n.body === 'after'), 8_000);
    } finally {
      await h.stop();
    }
  },
);
