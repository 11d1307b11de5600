// A service worker may show a notification at any time while its origin's notification permission is granted, not
// only during a push (the Notifications API puts no event around showNotification): here from a `message` event its
// page sent, for an origin with no push subscription at all. The engine decides (its permission store, a per-origin
// rate, a history entry) and remembers the worker, so a click on the notification and a close go back to that worker
// and getNotifications lists it. Without permission the call rejects with a TypeError, as Chromium's does.
// Real engine, the product's Chromium host, sites served on loopback. Mocked: only the desktop notifier (it records;
// a click is the host's call to notificationActivated, as Electron's main makes it).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChromiumWorkerHost } from '../../src/chromium-host/chromium-worker-host.ts';
import { SitePermissions } from '../../src/engine/site-permissions.ts';
import { startPushService } from '../../tools/push-service/index.ts';
import { startEngine, waitFor, type Harness } from '../support/engine-harness.ts';
import { chromiumHost } from '../support/chromium-host.ts';
import { MemoryStore } from '../support/memory-store.ts';
import { SiteServer, registerWorker } from '../support/worker-sites.ts';

const BOUNDED = { timeout: 90_000 };

/** Shows a notification from a `message` event and reports what became of the call (and of getNotifications). */
const SW = `
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('message', (e) => {
  const report = (what) => fetch('/report?' + encodeURIComponent(JSON.stringify(what)));
  e.waitUntil(
    registration.showNotification('from-message', { body: 'no push here', tag: 't1', data: { when: new Date(Date.UTC(2021, 1, 3)) } })
      .then(() => registration.getNotifications())
      .then((list) => report({ ok: true, listed: list.map((n) => n.title) }), (err) => report({ ok: false, name: err.name, message: err.message })),
  );
});
self.addEventListener('notificationclick', (e) => {
  const d = e.notification.data;
  e.waitUntil(fetch('/clicked?' + encodeURIComponent(JSON.stringify({ title: e.notification.title, when: d && d.when instanceof Date && d.when.toISOString() }))));
});
self.addEventListener('notificationclose', (e) => e.waitUntil(fetch('/closed?' + encodeURIComponent(e.notification.title))));
`;

let sites: SiteServer;
let service: Awaited<ReturnType<typeof startPushService>>;
let host: ChromiumWorkerHost;
let h: Harness;
/** The engine's permission store, as the hosts make it (no prompt here: the test sets each origin's decision). */
const permissions = new SitePermissions(new MemoryStore(), async () => false);

before(async () => {
  sites = await SiteServer.start();
  service = await startPushService();
  host = await chromiumHost();
  h = await startEngine(service.wsUrl, {
    workerHost: host,
    permissions,
    worker: { deadlineMs: 5_000, keepAliveMs: 30_000, retryDelaysMs: [] },
  });
});

after(async () => {
  await h?.stop(); // closes the host
  await service?.close();
  await sites?.close();
});

/** Registers the worker, opens the site's page and posts a message to its active worker (no push, no subscription). */
async function messageWorker(origin: string): Promise<void> {
  await registerWorker(host, origin);
  await messageWorkerAgain(origin);
}

const reportsOf = (name: string, path: string) =>
  sites.requests
    .filter((r) => r.startsWith(`${name}${path}?`))
    .map((r) => JSON.parse(decodeURIComponent(r.slice(`${name}${path}?`.length))) as Record<string, unknown>);

describe('notifications a service worker shows outside a push event', () => {
  test(
    'with permission: shown from a message event, listed, recorded; a click and a close reach that worker',
    BOUNDED,
    async () => {
      const origin = sites.site('granted', { '/sw.js': SW });
      permissions.set(origin, 'granted');
      assert.equal(h.engine.list().filter((s) => s.origin === origin).length, 0, 'the origin has no push subscription');
      await messageWorker(origin);
      await waitFor("the worker's report", () => reportsOf('granted', '/report').length > 0, 30_000);
      assert.deepEqual(reportsOf('granted', '/report')[0], { ok: true, listed: ['from-message'] });
      const shown = h.notifier.shown.filter((n) => n.origin === origin);
      assert.deepEqual(
        shown.map((n) => [n.title, n.body, n.source]),
        [['from-message', 'no push here', 'worker']],
      );
      const entry = h.engine.history.list().find((e) => e.origin === origin);
      assert.ok(entry, 'a history entry for the notification');
      assert.equal(entry.fate, 'shown-by-worker');
      assert.equal(entry.subscriptionId, null);
      assert.equal(entry.title, 'from-message');

      await h.engine.notificationActivated(shown[0]!.id);
      await waitFor('the click at the worker', () => reportsOf('granted', '/clicked').length > 0, 30_000);
      assert.deepEqual(reportsOf('granted', '/clicked')[0], {
        title: 'from-message',
        when: '2021-02-03T00:00:00.000Z',
      });
      assert.deepEqual(h.engine.shownNotifications(origin), [], 'a clicked notification is gone');

      // A second one, dismissed by the user: notificationclose reaches the worker.
      await messageWorkerAgain(origin);
      await waitFor(
        'the second notification',
        () => h.notifier.shown.filter((n) => n.origin === origin).length === 2,
        30_000,
      );
      await h.engine.notificationClosed(h.notifier.shown.filter((n) => n.origin === origin)[1]!.id);
      await waitFor('the close at the worker', () => sites.count('granted', '/closed') > 0, 30_000);
    },
  );

  test('without permission: the call rejects with a TypeError and nothing is shown or recorded', BOUNDED, async () => {
    const origin = sites.site('ungranted', { '/sw.js': SW });
    await messageWorker(origin);
    await waitFor("the worker's report", () => reportsOf('ungranted', '/report').length > 0, 30_000);
    const report = reportsOf('ungranted', '/report')[0]!;
    assert.equal(report.ok, false);
    assert.equal(report.name, 'TypeError');
    assert.match(String(report.message), /permission/);
    assert.deepEqual(
      h.notifier.shown.filter((n) => n.origin === origin),
      [],
    );
    assert.equal(h.engine.history.list().filter((e) => e.origin === origin).length, 0);

    // Denied is refused the same way.
    const denied = sites.site('denied', { '/sw.js': SW });
    permissions.set(denied, 'denied');
    await messageWorker(denied);
    await waitFor("the worker's report", () => reportsOf('denied', '/report').length > 0, 30_000);
    assert.equal(reportsOf('denied', '/report')[0]!.name, 'TypeError');
    assert.deepEqual(
      h.notifier.shown.filter((n) => n.origin === denied),
      [],
    );
  });
});

/** Posts one more message to the origin's (already registered) worker. */
async function messageWorkerAgain(origin: string): Promise<void> {
  const page = await host.openPage(`${origin}/`);
  try {
    await page.evaluate(`navigator.serviceWorker.ready.then((r) => { r.active.postMessage('show'); return true; })`);
  } finally {
    await page.close();
  }
}
