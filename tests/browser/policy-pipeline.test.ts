// The policy (docs/policies.md) through the real pipeline: local push service -> engine -> sites' own service workers
// on the product's Chromium host, with web-push as the sender. Time-based rules run on a ManualClock given to the
// engine, so grace periods, coalescing windows and quiet hours are moved by the test, never slept through (the host
// keeps real time: it bounds Chromium, not a rule of the policy). The only stand-in is the Notifier
// (RecordingNotifier: desktop notifications cannot be observed here).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startPushService, type PushService } from '../../tools/push-service/index.ts';
import { send, startEngine, waitFor, type Harness } from '../support/engine-harness.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { chromiumHost } from '../support/chromium-host.ts';
import { SiteServer, subscribeSite } from '../support/worker-sites.ts';
import type { ChromiumWorkerHost } from '../../src/chromium-host/chromium-worker-host.ts';
import { FixedPowerSource } from '../../src/engine/policy/power.ts';
import { systemClock } from '../../src/engine/clock.ts';
import type { HistoryEntry } from '../../src/shared/history-entry.ts';
import type { SubscriptionInfo } from '../../src/engine/subscription-record.ts';

// ---- test sites: each push event a worker receives requests /event?<start> once, <start> naming the worker's start
// ----

// Every event waits for that report, so it is never cut off by the worker stopping right after.
const EVENTS = `const start = Math.random().toString(36).slice(2);\nself.addEventListener('push', (e) => e.waitUntil(fetch('/event?' + start).catch(() => {})));\n`;

/** Shows a notification when the payload is "show"; otherwise does its work silently. */
const SOMETIMES_SHOWS =
  EVENTS +
  `self.addEventListener('push', (e) => {
  const text = e.data ? e.data.text() : '';
  if (text === 'show') e.waitUntil(self.registration.showNotification('Fresh news', { body: 'one headline' }));
});`;
const ALWAYS_SHOWS =
  EVENTS +
  `self.addEventListener('push', (e) => {
  e.waitUntil(self.registration.showNotification('Message', { body: e.data ? e.data.text() : '' }));
});`;

let service: PushService;
let sites: SiteServer;

before(async () => {
  [service, sites] = await Promise.all([startPushService(), SiteServer.start()]);
});
after(async () => {
  await service?.close();
  await sites?.close();
});

/** The worker starts that received `name`'s push events, one entry per event. */
const eventStarts = (name: string) =>
  sites.requests.filter((r) => r.startsWith(`${name}/event?`)).map((r) => r.slice(`${name}/event?`.length));

interface Setup {
  h: Harness;
  clock: ManualClock;
  power: FixedPowerSource;
  history: HistoryEntry[];
  host: ChromiumWorkerHost;
}

async function setup(powerState: 'ac' | 'battery' | 'low' = 'ac', timeOfDay?: (now: number) => number): Promise<Setup> {
  const clock = new ManualClock();
  const power = new FixedPowerSource(powerState);
  const host = await chromiumHost();
  // The socket's own timers (keepalive, reconnect backoff) stay on real time: only the policy's time is moved.
  const h = await startEngine(service.wsUrl, {
    clock,
    power,
    workerHost: host,
    connection: { clock: systemClock, backoffInitialMs: 50, backoffMaxMs: 500, requestTimeoutMs: 5_000 },
    ...(timeOfDay ? { timeOfDay } : {}),
  });
  const history: HistoryEntry[] = [];
  h.engine.on('history', (e) => history.push(e));
  return { h, clock, power, history, host };
}

/** Serves `script` as `name`'s worker, registers it in the host's browser and subscribes at the engine. */
async function site(s: Setup, name: string, script: string, userVisibleOnly = false): Promise<SubscriptionInfo> {
  const origin = sites.site(name, { '/sw.js': script });
  return subscribeSite(s.host, s.h.engine, origin, { userVisibleOnly });
}

const fates = (history: HistoryEntry[]) => history.map((e) => e.fate);

describe("policy through the real pipeline (sites' own workers on the Chromium host)", { timeout: 90_000 }, () => {
  test('a silent worker uses up its budget and is paused; resume refills and it delivers again', async () => {
    const s = await setup('ac');
    try {
      const sub = await site(s, 'silent', SOMETIMES_SHOWS);
      assert.deepEqual(s.h.engine.budget(sub.id), { left: 16, cap: 16 });
      for (let i = 0; i < 16; i++) await send(sub, `tick ${i}`);
      await waitFor('16 silent pushes accounted', () => s.history.length === 16, 30_000);
      assert.deepEqual(new Set(fates(s.history)), new Set(['charged']));
      assert.equal(s.history[15]!.detail, 'paused');
      assert.deepEqual(s.h.engine.budget(sub.id), { left: 0, cap: 16 });
      assert.equal(s.h.engine.subscription(sub.id)!.paused?.reason, 'silent-push budget used up');

      await send(sub, 'while paused');
      await waitFor('the paused delivery recorded', () => s.history.length === 17);
      assert.equal(s.history[16]!.fate, 'paused');
      await waitFor('acked, so not kept by the service', () => service.stats().stored === 0);

      assert.equal(s.h.engine.resume(sub.id), true);
      assert.equal(s.h.engine.subscription(sub.id)!.paused, null);
      assert.deepEqual(s.h.engine.budget(sub.id), { left: 16, cap: 16 });
      await send(sub, 'after resume');
      await waitFor('delivered again', () => s.history.length === 18);
      assert.equal(s.history[17]!.fate, 'charged');
      assert.deepEqual(s.h.engine.budget(sub.id), { left: 15, cap: 16 });
      assert.deepEqual(
        s.h.engine.history.list({ subscriptionId: sub.id, limit: 1 })[0]!.fate,
        'charged',
        'queryable, newest first',
      );
    } finally {
      await s.h.stop();
    }
  });

  test('a burst of 10 where only the first shows a notification is not charged (3 s grace); after the grace it is', async () => {
    const s = await setup('ac');
    try {
      const sub = await site(s, 'burst', SOMETIMES_SHOWS);
      await send(sub, 'show');
      for (let i = 1; i < 10; i++) await send(sub, `quiet ${i}`);
      await waitFor('10 pushes accounted', () => s.history.length === 10, 30_000);
      assert.equal(s.history[0]!.fate, 'shown-by-worker');
      assert.equal(s.history[0]!.title, 'Fresh news');
      assert.equal(s.history[0]!.body, 'one headline');
      assert.deepEqual(
        s.history.slice(1).map((e) => `${e.fate}:${e.detail}`),
        Array(9).fill('shown-silently:burst-grace'),
      );
      assert.deepEqual(s.h.engine.budget(sub.id), { left: 16, cap: 16 });
      assert.equal(s.h.notifier.shown.length, 1);

      s.clock.advance(3_001);
      await send(sub, 'late');
      await waitFor('the late push accounted', () => s.history.length === 11);
      assert.equal(s.history[10]!.fate, 'charged');
      assert.deepEqual(s.h.engine.budget(sub.id), { left: 15, cap: 16 });
    } finally {
      await s.h.stop();
    }
  });

  test('switching to battery lowers the cap (and what is left); low lowers it again', async () => {
    const s = await setup('ac');
    try {
      const sub = await site(s, 'battery', SOMETIMES_SHOWS);
      const powerEvents: string[] = [];
      s.h.engine.on('power', (p) => powerEvents.push(p));
      assert.deepEqual(s.h.engine.budget(sub.id), { left: 16, cap: 16 });
      s.power.set('battery');
      assert.deepEqual(s.h.engine.budget(sub.id), { left: 8, cap: 8 });
      await send(sub, 'silent');
      await waitFor('accounted', () => s.history.length === 1);
      assert.equal(s.history[0]!.fate, 'charged');
      assert.deepEqual(s.h.engine.budget(sub.id), { left: 7, cap: 8 });
      s.power.set('low');
      assert.deepEqual(s.h.engine.budget(sub.id), { left: 2, cap: 2 });
      assert.deepEqual(powerEvents, ['battery', 'low']);
      assert.equal(s.h.engine.power, 'low');
    } finally {
      await s.h.stop();
    }
  });

  test('under low power, 5 messages for one origin share one worker wake-up', async () => {
    const s = await setup('low');
    try {
      const sub = await site(s, 'coalesce', ALWAYS_SHOWS);
      for (let i = 0; i < 5; i++) await send(sub, `m${i}`);
      await waitFor('5 messages held for the coalescing window', () => s.h.engine.heldMessages === 5);
      assert.deepEqual(eventStarts('coalesce'), [], 'no push event reached the worker yet');
      s.clock.advance(10_000);
      await waitFor('5 messages dispatched', () => s.history.length === 5, 30_000);
      assert.deepEqual(fates(s.history), Array(5).fill('shown-by-worker'));
      assert.deepEqual(
        s.history.map((e) => e.body),
        ['m0', 'm1', 'm2', 'm3', 'm4'],
        'in order',
      );
      await waitFor('the five events reported', () => eventStarts('coalesce').length === 5);
      assert.equal(new Set(eventStarts('coalesce')).size, 1, 'one worker start served the five');
      await waitFor(
        'the worker stopped at once afterwards (keep-alive 0 s under low)',
        () => !s.host.runningOrigins().includes(sites.origin('coalesce')),
      );
    } finally {
      await s.h.stop();
    }
  });

  test('quiet hours: notifications go to the history silently, one summary when they end', async () => {
    const DAY = 86_400_000;
    const s = await setup('ac', (now) => now % DAY); // the clock's day is UTC
    try {
      // ManualClock starts at 12:00 UTC.
      s.h.engine.preferences.set({ quietHours: { enabled: true, start: '12:00', end: '13:00' } });
      const sub = await site(s, 'quiet', ALWAYS_SHOWS);
      await send(sub, 'during quiet hours');
      await send(sub, 'another one');
      await waitFor('both recorded', () => s.history.length === 2, 30_000);
      assert.deepEqual(fates(s.history), ['quiet-hours', 'quiet-hours']);
      assert.equal(s.history[0]!.body, 'during quiet hours');
      assert.equal(s.h.notifier.shown.length, 0, 'nothing on screen');
      assert.equal(s.h.engine.heldByQuietHours, 2, 'for the tray badge');
      s.clock.advance(60 * 60_000);
      assert.equal(s.h.notifier.shown.length, 1);
      assert.equal(s.h.notifier.shown[0]!.title, 'Quiet hours are over');
      assert.match(s.h.notifier.shown[0]!.body ?? '', /^2 notifications arrived/);
      await send(sub, 'after');
      await waitFor('shown normally', () => s.history.length === 3);
      assert.equal(s.history[2]!.fate, 'shown-by-worker');
      assert.equal(s.h.notifier.shown.length, 2);
    } finally {
      await s.h.stop();
    }
  });

  test('declarative messages are never charged, and a non-mutable one wakes no worker', async () => {
    const s = await setup('low'); // cap 2: any charge would show
    try {
      const sub = await site(s, 'decl', SOMETIMES_SHOWS);
      const declarative = (title: string, mutable: boolean) =>
        JSON.stringify({ web_push: 8030, notification: { title, navigate: `${sites.origin('decl')}/`, mutable } });
      for (let i = 0; i < 5; i++) await send(sub, declarative(`fixed ${i}`, false));
      await waitFor('5 shown', () => s.history.length === 5, 30_000);
      assert.deepEqual(fates(s.history), Array(5).fill('shown'));
      assert.deepEqual(eventStarts('decl'), [], 'no worker woken');
      // Mutable: the (silent) worker runs, shows nothing, the declared one is shown; still not charged.
      await send(sub, declarative('mutable', true));
      await waitFor('held for coalescing', () => s.h.engine.heldMessages === 1);
      s.clock.advance(10_000);
      await waitFor('6 accounted', () => s.history.length === 6, 30_000);
      assert.equal(s.history[5]!.fate, 'shown');
      assert.equal(s.history[5]!.title, 'mutable');
      await waitFor("the worker's event reported", () => eventStarts('decl').length >= 1);
      assert.equal(eventStarts('decl').length, 1);
      assert.deepEqual(s.h.engine.budget(sub.id), { left: 2, cap: 2 });
    } finally {
      await s.h.stop();
    }
  });

  test('userVisibleOnly: a worker that shows nothing spends budget, then gets the generic notification, never paused', async () => {
    const s = await setup('low'); // cap 2
    try {
      s.h.engine.preferences.set({ policy: { lowPowerCoalesceSeconds: 0 } });
      const sub = await site(s, 'visible', SOMETIMES_SHOWS, true);
      for (let i = 0; i < 3; i++) await send(sub, `silent ${i}`);
      await waitFor('3 accounted', () => s.history.length === 3, 30_000);
      assert.deepEqual(fates(s.history), ['charged', 'charged', 'generic-notification']);
      assert.equal(s.h.notifier.shown.at(-1)!.title, `visible.localhost:${sites.port} updated in the background`);
      assert.equal(s.h.engine.subscription(sub.id)!.paused, null);
      // The generic notification is from the origin: a click on it refills the budget.
      await s.h.engine.notificationActivated(s.h.notifier.shown.at(-1)!.id);
      assert.deepEqual(s.h.engine.budget(sub.id), { left: 2, cap: 2 });
    } finally {
      await s.h.stop();
    }
  });
});
