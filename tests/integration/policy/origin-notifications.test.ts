// The engine's rules for notifications a worker shows outside a push event (src/engine/origin-notifications.ts) on a
// real engine, its real permission store and a manual clock: the permission, the per-origin rate over time, the
// history entry, and the worker kept with the notification across a restart so a click still reaches it. Worker
// events go to a scripted WorkerHost (a stand-in for the host side, which relays only: tests/browser/origin-
// notifications.test.ts runs the same path through the Chromium host).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startPushService, type PushService } from '../../../tools/push-service/index.ts';
import { send, startEngine, waitFor } from '../../support/engine-harness.ts';
import { ManualClock } from '../../support/manual-clock.ts';
import { MemoryStore } from '../../support/memory-store.ts';
import { systemClock } from '../../../src/engine/clock.ts';
import { SitePermissions } from '../../../src/engine/site-permissions.ts';
import { NO_PERMISSION_MESSAGE, OUTSIDE_EVENT_LIMIT } from '../../../src/engine/origin-notifications.ts';
import type { WorkerClient, WorkerDispatch, WorkerHost, WorkerRef } from '../../../src/engine/ports.ts';

const A: WorkerRef = {
  origin: 'https://a.example',
  scope: 'https://a.example/app/',
  scriptURL: 'https://a.example/app/sw.js',
};

/** A WorkerHost that records what the engine dispatches and hands out the engine's client for calls outside events. */
function scriptedHost(onEvent: (d: WorkerDispatch, client: WorkerClient) => Promise<void> = async () => {}) {
  const dispatched: WorkerDispatch[] = [];
  let serve: ((w: WorkerRef) => WorkerClient) | null = null;
  const host: WorkerHost = {
    dispatch: async (d, client) => {
      dispatched.push(d);
      await onEvent(d, client);
      return { status: 'ok', shown: 0 };
    },
    stop: async () => {},
    close: async () => {},
    serveOutsideEvents: (s) => void (serve = s),
  };
  return { host, dispatched, outside: (w: WorkerRef) => serve!(w) };
}

let service: PushService;
before(async () => {
  service = await startPushService();
});
after(() => service?.close());

test('permission: only a granted origin may show; prompt, denied and a revoked grant reject with a TypeError', async () => {
  const permissions = new SitePermissions(new MemoryStore(), async () => false);
  const s = scriptedHost();
  const h = await startEngine(service.wsUrl, { workerHost: s.host, permissions });
  try {
    await assert.rejects(
      s.outside(A).showNotification('x', {}),
      (err: Error) => err instanceof TypeError && err.message === NO_PERMISSION_MESSAGE,
    );
    permissions.set(A.origin, 'denied');
    await assert.rejects(s.outside(A).showNotification('x', {}), TypeError);
    permissions.set(A.origin, 'granted');
    await s.outside(A).showNotification('shown', { body: 'b' });
    permissions.forget(A.origin);
    await assert.rejects(s.outside(A).showNotification('x', {}), TypeError);
    assert.deepEqual(
      h.notifier.shown.map((n) => n.title),
      ['shown'],
    );
    const [entry, ...rest] = h.engine.history.list();
    assert.equal(rest.length, 0, 'refusals are not history entries');
    assert.deepEqual(
      [entry!.fate, entry!.detail, entry!.subscriptionId, entry!.origin, entry!.title, entry!.body],
      ['shown-by-worker', 'outside a push event', null, A.origin, 'shown', 'b'],
    );
  } finally {
    await h.stop();
  }
});

test(`rate: ${OUTSIDE_EVENT_LIMIT.count} per origin in any ${OUTSIDE_EVENT_LIMIT.windowMs / 1000} s; another origin has its own; invalid options are refused uncounted`, async () => {
  const clock = new ManualClock();
  const permissions = new SitePermissions(new MemoryStore(), async () => false);
  const B: WorkerRef = {
    origin: 'https://b.example',
    scope: 'https://b.example/',
    scriptURL: 'https://b.example/sw.js',
  };
  permissions.set(A.origin, 'granted');
  permissions.set(B.origin, 'granted');
  const s = scriptedHost();
  const h = await startEngine(service.wsUrl, {
    clock,
    workerHost: s.host,
    permissions,
    connection: { clock: systemClock },
  });
  try {
    await assert.rejects(s.outside(A).showNotification('bad', { renotify: true }), TypeError);
    for (let i = 0; i < OUTSIDE_EVENT_LIMIT.count - 1; i++) await s.outside(A).showNotification(`a${i}`, {});
    clock.advance(30_000);
    await s.outside(A).showNotification('a-last', {});
    await assert.rejects(s.outside(A).showNotification('over', {}), /At most 8 notifications a minute/);
    await assert.rejects(s.outside(A).showNotification('over', {}), TypeError);
    assert.equal(
      h.logger.lines.filter((l) => l.includes('over the rate')).length,
      1,
      'one log line for the window, not one per call',
    );
    await s.outside(B).showNotification('b0', {});
    // The first ones leave the window 60 s after they were shown; the one shown 30 s later still counts.
    clock.advance(30_000);
    for (let i = 0; i < OUTSIDE_EVENT_LIMIT.count - 1; i++) await s.outside(A).showNotification(`again${i}`, {});
    await assert.rejects(s.outside(A).showNotification('over', {}), TypeError);
    const titles = h.notifier.shown.filter((n) => n.origin === A.origin).map((n) => n.title);
    assert.equal(titles.length, 2 * OUTSIDE_EVENT_LIMIT.count - 1);
    assert.ok(!titles.includes('over') && !titles.includes('bad'));
  } finally {
    await h.stop();
  }
});

test('the notification keeps its worker across a restart: a click reaches that worker (one window), a dismissal and close() send notificationclose', async () => {
  const permissions = new SitePermissions(new MemoryStore(), async () => false);
  permissions.set(A.origin, 'granted');
  const first = scriptedHost();
  const h = await startEngine(service.wsUrl, { workerHost: first.host, permissions });
  await first.outside(A).showNotification('kept', { data: { __pushAgentData: 'k1' } });
  await first.outside(A).showNotification('dismissed', { tag: 'd' });
  await first.outside(A).showNotification('closed-by-site', { tag: 'c' });
  const [kept, dismissed, closed] = h.notifier.shown;
  await h.stop();

  const opened: boolean[] = [];
  const second = scriptedHost(async (d, client) => {
    if (d.event.type === 'notificationclick')
      for (let i = 0; i < 3; i++) opened.push(await client.openWindow('/inbox'));
  });
  const again = await startEngine(service.wsUrl, { workerHost: second.host, permissions }, h.dataDir);
  try {
    assert.deepEqual(
      again.engine.shownNotifications(A.origin).map((n) => n.title),
      ['kept', 'dismissed', 'closed-by-site'],
    );
    await again.engine.notificationActivated(kept!.id);
    await again.engine.notificationClosed(dismissed!.id);
    second.outside(A).closeNotification!(closed!.id);
    for (let i = 0; i < 20 && second.dispatched.length < 3; i++) await new Promise((r) => setImmediate(r));
    assert.deepEqual(
      second.dispatched.map((d) => [
        d.origin,
        d.scope,
        d.scriptURL,
        d.event.type,
        (d.event as { notification?: { title: string } }).notification?.title ?? null,
      ]),
      [
        [A.origin, A.scope, A.scriptURL, 'notificationclick', 'kept'],
        [A.origin, A.scope, A.scriptURL, 'notificationclose', 'dismissed'],
        [A.origin, A.scope, A.scriptURL, 'notificationclose', 'closed-by-site'],
      ],
    );
    const click = second.dispatched[0]!.event;
    assert.deepEqual(click.type === 'notificationclick' && click.notification.data, { __pushAgentData: 'k1' });
    assert.deepEqual(opened, [true, false, false], 'one window per click');
    assert.deepEqual(again.engine.shownNotifications(A.origin), []);
    assert.equal(await second.outside(A).openWindow('https://a.example/x'), false, 'no window outside a click');
  } finally {
    await again.stop();
  }
});

test("a subscription's worker closing, during its push, a notification shown outside a push event: notificationclose goes to the worker that showed it", async () => {
  const permissions = new SitePermissions(new MemoryStore(), async () => false);
  permissions.set(A.origin, 'granted');
  let outsideId = '';
  const s = scriptedHost(async (d, client) => {
    if (d.event.type === 'push') client.closeNotification!(outsideId);
  });
  const h = await startEngine(service.wsUrl, { workerHost: s.host, permissions });
  try {
    const sub = await h.engine.subscribe({
      kind: 'site',
      origin: A.origin,
      scope: `${A.origin}/`,
      applicationServerKey: null,
      userVisibleOnly: false,
      workerScriptURL: `${A.origin}/sw.js`,
    });
    await s.outside(A).showNotification('outside', {});
    outsideId = h.notifier.shown[0]!.id;
    await send(sub, 'close it');
    await waitFor('the close', () => s.dispatched.some((d) => d.event.type === 'notificationclose'), 10_000);
    const close = s.dispatched.find((d) => d.event.type === 'notificationclose')!;
    assert.deepEqual([close.scope, close.scriptURL], [A.scope, A.scriptURL]);
    assert.deepEqual(h.notifier.closed, [outsideId]);
  } finally {
    await h.stop();
  }
});
