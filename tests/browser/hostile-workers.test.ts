// The hostile worker corpus on the product's Chromium host (issue 9, moved onto sites' own service workers in issue
// 13): a busy loop, a fetch flood, a memory bomb, giant titles/bodies/data, reads of another origin's storage, and
// calls made outside any event. Each site runs at its own *.localhost origin in the host's Chromium; pushes go
// through the local push service (web-push as sender) to a real engine, so what the notifier records is what would
// reach the desktop; the engine's permission store grants only the origins a test names. Mocked: only the desktop
// notifier (it records; it cannot be observed here). Each test asserts
// the contained outcome.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChromiumWorkerHost } from '../../src/chromium-host/chromium-worker-host.ts';
import { NOTIFICATION_LIMITS } from '../../src/engine/notification.ts';
import type { WorkerClient } from '../../src/engine/ports.ts';
import { startPushService } from '../../tools/push-service/index.ts';
import { send, startEngine, waitFor, type Harness } from '../support/engine-harness.ts';
import { chromiumHost } from '../support/chromium-host.ts';
import { SiteServer, registerWorker, subscribeSite } from '../support/worker-sites.ts';
import { MemoryStore } from '../support/memory-store.ts';
import { SitePermissions } from '../../src/engine/site-permissions.ts';
import { OUTSIDE_EVENT_LIMIT } from '../../src/engine/origin-notifications.ts';

/** A test that hangs fails after a minute and a half instead of holding up the run. */
const BOUNDED = { timeout: 90_000 };

let sites: SiteServer;
let service: Awaited<ReturnType<typeof startPushService>>;
let host: ChromiumWorkerHost;
let h: Harness;
/** The engine's permission store: only the origins a test grants may show notifications outside an event. */
const permissions = new SitePermissions(new MemoryStore(), async () => false);

before(async () => {
  sites = await SiteServer.start();
  service = await startPushService();
  host = await chromiumHost();
  h = await startEngine(service.wsUrl, {
    workerHost: host,
    permissions,
    worker: { deadlineMs: 3_000, keepAliveMs: 30_000, retryDelaysMs: [] },
  });
});

after(async () => {
  await h?.stop(); // closes the host
  await service?.close();
  await sites?.close();
});

const fatesOf = (subscriptionId: string) => h.engine.history.list({ subscriptionId }).map((e) => e.fate);
const shownFrom = (origin: string) => h.notifier.shown.filter((n) => n.origin === origin);

/** A worker that reports what it saw as the body of one notification titled `report`. */
const REPORT = `const report = (value) => registration.showNotification('report', { body: JSON.stringify(value) });`;
async function reported(origin: string): Promise<unknown> {
  await waitFor(`${origin}'s report`, () => shownFrom(origin).some((n) => n.title === 'report'), 20_000);
  return JSON.parse(shownFrom(origin).find((n) => n.title === 'report')!.body ?? '');
}

describe('hostile workers on the Chromium host', () => {
  test(
    'a fetch flood (300 requests that never answer) is cut at the deadline and charged; another origin is served meanwhile',
    BOUNDED,
    async () => {
      const flood = sites.site('fetchflood', {
        '/sw.js': `self.onpush = (e) => {
        if (e.data.text() !== 'flood') return e.waitUntil(registration.showNotification('recovered'));
        e.waitUntil(Promise.all(Array.from({ length: 300 }, (_, i) => fetch('/hang?' + i))));
      };`,
      });
      const calm = sites.site('fetchcalm', {
        '/sw.js': `self.onpush = (e) => e.waitUntil(registration.showNotification(e.data.text()));`,
      });
      const flooding = await subscribeSite(host, h.engine, flood);
      const calmSub = await subscribeSite(host, h.engine, calm);
      const budget = h.engine.budget(flooding.id)!.left;
      await send(flooding, 'flood');
      // Wait until the flood has really started (the server saw its first requests: Chromium holds the rest in its
      // per-host connection limit) before the other origin's push.
      await waitFor('the flood', () => sites.count('fetchflood', '/hang') >= 1, 20_000);
      await send(calmSub, 'meanwhile');
      await waitFor(
        "the other origin's notification",
        () => shownFrom(calm).some((n) => n.title === 'meanwhile'),
        20_000,
      );
      assert.deepEqual(fatesOf(flooding.id), [], 'served while the flood still ran');
      await waitFor("the flood's fate", () => fatesOf(flooding.id).length === 1, 20_000);
      const entry = h.engine.history.list({ subscriptionId: flooding.id })[0]!;
      assert.equal(entry.fate, 'worker-timeout');
      assert.match(entry.detail ?? '', /^deadline; then charged/);
      assert.equal(h.engine.budget(flooding.id)!.left, budget - 1, "the deadline is charged to the origin's budget");
      await send(flooding, 'next');
      await waitFor(
        'the flooding origin served again',
        () => shownFrom(flood).some((n) => n.title === 'recovered'),
        20_000,
      );
    },
  );

  test(
    'a worker that allocates without bound is contained: its push ends at the deadline or as a crash; others are unaffected',
    BOUNDED,
    async (t) => {
      // A small V8 heap makes a runaway allocation end its worker in well under a second; a host of its own for that.
      const small = await chromiumHost({ launch: { extraArgs: ['--js-flags=--max-old-space-size=256'] } });
      t.after(() => small.close());
      const hog = sites.site('hog', {
        '/sw.js': `self.onpush = (e) => {
        if (e.data.text() !== 'hog') return e.waitUntil(registration.showNotification('recovered'));
        const keep = []; for (;;) keep.push(new Array(1e6).fill(1.5));
      };`,
      });
      const calm = sites.site('hogcalm', {
        '/sw.js': `self.onpush = (e) => e.waitUntil(registration.showNotification(e.data.text()));`,
      });
      await registerWorker(small, hog);
      await registerWorker(small, calm);
      const shown: string[] = [];
      const client: WorkerClient = {
        showNotification: async (title) => void shown.push(title),
        getNotifications: () => [],
        openWindow: async () => false,
        getSubscription: () => null,
      };
      const run = (origin: string, text: string, deadlineMs = 10_000) =>
        small.dispatch(
          {
            origin,
            scope: `${origin}/`,
            scriptURL: `${origin}/sw.js`,
            event: { type: 'push', data: new TextEncoder().encode(text) },
            deadlineMs,
            keepAliveMs: 30_000,
          },
          client,
        );
      const [hogOutcome, calmOutcome] = await Promise.all([run(hog, 'hog', 1_500), run(calm, 'still here')]);
      assert.ok(
        hogOutcome.status === 'timeout' || (hogOutcome.status === 'error' && hogOutcome.code === 303),
        JSON.stringify(hogOutcome),
      );
      assert.deepEqual(calmOutcome, { status: 'ok', shown: 1 });
      assert.deepEqual(shown, ['still here']);
    },
  );

  test(
    'giant titles, bodies and data are capped or refused with a TypeError; nothing past the limits reaches the notifier',
    BOUNDED,
    async () => {
      const origin = sites.site('giant', {
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
        await attempt('ok', { tag: 'G'.repeat(1e5), actions: Array.from({ length: 1000 }, (_, i) => ({ action: 'a' + i, title: 'A'.repeat(1e4) })) });
        await registration.showNotification('report', { body: JSON.stringify(seen) });
      })());`,
      });
      const sub = await subscribeSite(host, h.engine, origin);
      await send(sub, 'x');
      const seen = (await reported(origin)) as string[];
      assert.equal(seen.length, 5);
      assert.ok(
        seen.every((s) => s === 'shown' || s === 'TypeError'),
        `only shown or TypeError: ${seen.join(', ')}`,
      );
      assert.equal(seen[0], 'shown', 'a long title and body are cut to the limits');
      for (const n of shownFrom(origin)) {
        assert.ok(n.title.length <= NOTIFICATION_LIMITS.titleChars, `title ${n.title.length}`);
        assert.ok((n.body ?? '').length <= NOTIFICATION_LIMITS.bodyChars, `body ${n.body?.length}`);
        assert.ok((n.tag ?? '').length <= NOTIFICATION_LIMITS.tagChars, `tag ${n.tag?.length}`);
        assert.ok((n.actions?.length ?? 0) <= NOTIFICATION_LIMITS.actions);
        for (const a of n.actions ?? []) assert.ok(a.title.length <= NOTIFICATION_LIMITS.titleChars);
        // The engine keeps only the key of the structured clone the origin stores itself.
        assert.ok(
          n.data === undefined || JSON.stringify(n.data).length <= NOTIFICATION_LIMITS.dataBytes,
          'data within the cap',
        );
      }
      // The worker is still healthy.
      const before = shownFrom(origin).length;
      await send(sub, 'again');
      await waitFor('the second run', () => shownFrom(origin).filter((n) => n.title === 'report').length === 2, 20_000);
      assert.equal(shownFrom(origin).length - before, seen.filter((x) => x === 'shown').length + 1);
    },
  );

  test(
    "a worker sees nothing of another origin's IndexedDB, Cache Storage or credentialed responses",
    BOUNDED,
    async () => {
      const victim = sites.site('victim', {
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
          await report({ wrote: true });
        })());`,
        '/account': { type: 'application/json', body: '{"secret":"victim-account"}' },
      });
      const thief = sites.site('thief', {
        '/sw.js': `${REPORT}
        self.onpush = (e) => e.waitUntil((async () => {
          const out = {};
          out.databases = (await indexedDB.databases()).map((d) => d.name);
          out.idb = await new Promise((resolve) => {
            const open = indexedDB.open('secrets', 1);
            open.onupgradeneeded = () => open.result.createObjectStore('kv');
            open.onsuccess = () => { const req = open.result.transaction('kv').objectStore('kv').get('token'); req.onsuccess = () => resolve(req.result ?? null); req.onerror = () => resolve('error'); };
            open.onerror = () => resolve('error');
          });
          out.cacheNames = await caches.keys();
          const hit = await caches.match(${JSON.stringify(`${victim}/secret`)});
          out.cacheHit = hit ? await hit.text() : null;
          try {
            const r = await fetch(${JSON.stringify(`${victim}/account`)}, { credentials: 'include' });
            out.cors = await r.text();
          } catch (err) { out.cors = err.name; }
          const opaque = await fetch(${JSON.stringify(`${victim}/account`)}, { mode: 'no-cors', credentials: 'include' });
          out.opaque = { type: opaque.type, status: opaque.status, body: await opaque.text() };
          await report(out);
        })());`,
      });
      const victimSub = await subscribeSite(host, h.engine, victim);
      const thiefSub = await subscribeSite(host, h.engine, thief);
      await send(victimSub, null);
      assert.deepEqual(await reported(victim), { wrote: true });
      await send(thiefSub, null);
      const seen = (await reported(thief)) as Record<string, unknown>;
      assert.deepEqual(seen.databases, [], "the victim's database is not listed");
      assert.equal(seen.idb, null, 'a database of the same name at the thief origin is empty');
      assert.deepEqual(seen.cacheNames, []);
      assert.equal(seen.cacheHit, null);
      assert.equal(seen.cors, 'TypeError', 'a credentialed cross-origin read without CORS fails');
      assert.deepEqual(seen.opaque, { type: 'opaque', status: 0, body: '' });
      assert.ok(!JSON.stringify(seen).includes('victim-'), 'no value written by the victim is visible');
    },
  );

  test(
    "calls made outside an event (at the script's first statement, from a timer after the event) without permission show nothing; the next event is served",
    BOUNDED,
    async () => {
      const origin = sites.site('outside', {
        '/sw.js': `
        // At the first statement: no event runs.
        registration.showNotification('at-start').catch(() => fetch('/refused?start'));
        self.onpush = (e) => {
          if (e.data.text() === 'after') return e.waitUntil(registration.showNotification('after'));
          e.waitUntil(registration.showNotification('legit'));
          // After the event has settled: the host holds calls to the running event.
          setTimeout(() => {
            registration.showNotification('late').catch(() => fetch('/refused?late'));
            clients.openWindow('/late').catch(() => fetch('/refused?window'));
          }, 300);
        };`,
      });
      const sub = await subscribeSite(host, h.engine, origin);
      await send(sub, 'go');
      await waitFor('the late calls refused', () => sites.count('outside', '/refused') >= 2, 20_000);
      await send(sub, 'after');
      await waitFor('the next event', () => shownFrom(origin).some((n) => n.title === 'after'), 20_000);
      assert.deepEqual(
        shownFrom(origin).map((n) => n.title),
        ['legit', 'after'],
      );
      assert.ok(
        sites.requests.includes('outside/refused?late') && sites.requests.includes('outside/refused?window'),
        sites.requests.filter((r) => r.startsWith('outside/')).join(', '),
      );
      assert.ok(sites.requests.includes('outside/refused?start'), 'the call at the first statement is refused too');
    },
  );

  test(
    'with permission, calls made outside an event are rate-limited per origin: 20 from a timer show 8, the rest reject; no window opens',
    BOUNDED,
    async () => {
      const origin = sites.site('outsidegranted', {
        '/sw.js': `
        self.onpush = (e) => {
          e.waitUntil(registration.showNotification('legit'));
          setTimeout(() => {
            for (let i = 0; i < 20; i++) registration.showNotification('late' + i).then(() => fetch('/late?ok'), (err) => fetch('/late?' + err.name));
            clients.openWindow('/late').catch(() => fetch('/refused?window'));
          }, 300);
        };`,
      });
      permissions.set(origin, 'granted');
      const sub = await subscribeSite(host, h.engine, origin);
      await send(sub, 'go');
      await waitFor(
        'every late call answered',
        () => sites.count('outsidegranted', '/late') >= 20 && sites.count('outsidegranted', '/refused') >= 1,
        20_000,
      );
      assert.equal(sites.requests.filter((r) => r === 'outsidegranted/late?ok').length, OUTSIDE_EVENT_LIMIT.count);
      assert.equal(
        sites.requests.filter((r) => r === 'outsidegranted/late?TypeError').length,
        20 - OUTSIDE_EVENT_LIMIT.count,
      );
      assert.deepEqual(
        shownFrom(origin).map((n) => n.title),
        ['legit', ...Array.from({ length: OUTSIDE_EVENT_LIMIT.count }, (_, i) => `late${i}`)],
      );
      assert.ok(sites.requests.includes('outsidegranted/refused?window'));
    },
  );
});
