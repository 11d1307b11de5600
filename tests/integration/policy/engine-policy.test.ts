// The engine's policy surface (engine.preferences, engine.history, budget/resume/siteOpened) on a real engine and
// push service. Worker events go to a scripted WorkerHost (a stand-in: these tests are about the engine's
// bookkeeping; the Chromium runtime runs in tests/browser/policy-pipeline.test.ts).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startPushService, type PushService } from '../../../tools/push-service/index.ts';
import { send, startEngine, waitFor } from '../../support/engine-harness.ts';
import { ManualClock } from '../../support/manual-clock.ts';
import { systemClock } from '../../../src/engine/clock.ts';
import { PreferencesError } from '../../../src/engine/preferences-service.ts';
import { FixedPowerSource } from '../../../src/engine/policy/power.ts';
import type { WorkerHost, WorkerOutcome } from '../../../src/engine/ports.ts';
import type { HistoryEntry } from '../../../src/shared/history-entry.ts';
import type { Preferences } from '../../../src/shared/preferences.ts';

const silentHost: WorkerHost = {
  dispatch: async (): Promise<WorkerOutcome> => ({ status: 'ok', shown: 0 }),
  stop: async () => {},
  close: async () => {},
};

describe('engine policy surface', () => {
  let service: PushService;
  before(async () => {
    service = await startPushService();
  });
  after(() => service?.close());

  test('preferences: defaults with the engine service URL, validated set, event, persisted across restarts', async () => {
    const h = await startEngine(service.wsUrl);
    const events: Preferences[] = [];
    h.engine.on('preferences', (p) => events.push(p));
    const p = h.engine.preferences.get();
    assert.equal(p.serviceUrl, service.wsUrl);
    assert.equal(p.startAtLogin, false);
    assert.throws(() => h.engine.preferences.set({ policy: { burstGraceSeconds: -1 } }), PreferencesError);
    assert.equal(events.length, 0);
    h.engine.preferences.set({ policy: { burstGraceSeconds: 7 }, startAtLogin: true });
    assert.equal(events.length, 1);
    assert.equal(events[0]!.policy.burstGraceSeconds, 7);
    await h.stop();
    const again = await startEngine(service.wsUrl, {}, h.dataDir);
    try {
      assert.equal(again.engine.preferences.get().policy.burstGraceSeconds, 7);
      assert.equal(again.engine.preferences.get().startAtLogin, true);
    } finally {
      await again.stop();
    }
  });

  test('history: one entry per message with its fate, plain title and body, newest first, kept across a restart', async () => {
    const h = await startEngine(service.wsUrl);
    const events: HistoryEntry[] = [];
    h.engine.on('history', (e) => events.push(e));
    const sub = await h.engine.subscribe({ kind: 'endpoint', label: 'Alerts' });
    await send(sub, JSON.stringify({ title: 'Disk <b>full</b>', body: 'on host a' }));
    await waitFor('shown', () => events.length === 1);
    h.engine.setMuted(sub.id, true);
    await send(sub, 'muted one');
    await waitFor('muted', () => events.length === 2);
    assert.deepEqual(
      events.map((e) => [e.fate, e.title, e.body, e.label]),
      [
        ['shown', 'Disk <b>full</b>', 'on host a', 'Alerts'],
        ['muted', null, null, 'Alerts'],
      ],
    );
    assert.deepEqual(
      h.engine.history.list().map((e) => e.fate),
      ['muted', 'shown'],
    );
    assert.equal(h.engine.budget(sub.id), null, 'user-made endpoints have no budget');
    await h.stop();
    const again = await startEngine(service.wsUrl, {}, h.dataDir);
    try {
      assert.deepEqual(
        again.engine.history.list({ subscriptionId: sub.id }).map((e) => e.fate),
        ['muted', 'shown'],
      );
      again.engine.history.clear();
      assert.equal(again.engine.history.list().length, 0);
    } finally {
      await again.stop();
    }
  });

  test('leaving low power dispatches the messages held for coalescing at once', async () => {
    const clock = new ManualClock();
    const power = new FixedPowerSource('low');
    let dispatched = 0;
    const host: WorkerHost = { ...silentHost, dispatch: async () => (dispatched++, { status: 'ok', shown: 0 }) };
    const h = await startEngine(service.wsUrl, { clock, power, workerHost: host, connection: { clock: systemClock } });
    try {
      const sub = await h.engine.subscribe({
        kind: 'site',
        origin: 'https://held.example',
        applicationServerKey: null,
        userVisibleOnly: false,
        workerScriptURL: 'https://held.example/sw.js',
      });
      for (let i = 0; i < 3; i++) await send(sub, `m${i}`);
      await waitFor('held', () => h.engine.heldMessages === 3);
      assert.equal(dispatched, 0);
      power.set('ac');
      await waitFor('dispatched without waiting for the window', () => dispatched === 3);
      assert.equal(h.engine.heldMessages, 0);
    } finally {
      await h.stop();
    }
  });

  test('budgets persist; opening the site refills and lifts a pause; unsubscribing forgets the budget', async () => {
    const clock = new ManualClock();
    const h = await startEngine(service.wsUrl, { clock, workerHost: silentHost, connection: { clock: systemClock } });
    const events: HistoryEntry[] = [];
    h.engine.on('history', (e) => events.push(e));
    h.engine.preferences.set({ policy: { budgetCap: { ac: 2, battery: 2, low: 2 } } });
    const sub = await h.engine.subscribe({
      kind: 'site',
      origin: 'https://open.example',
      applicationServerKey: null,
      userVisibleOnly: false,
      workerScriptURL: 'https://open.example/sw.js',
    });
    await send(sub, 'a');
    await send(sub, 'b');
    await waitFor('two charged', () => events.length === 2);
    assert.ok(h.engine.subscription(sub.id)!.paused);
    await h.stop();
    const again = await startEngine(
      service.wsUrl,
      { clock, workerHost: silentHost, connection: { clock: systemClock } },
      h.dataDir,
    );
    try {
      assert.deepEqual(again.engine.budget(sub.id), { left: 0, cap: 2 }, 'persisted');
      assert.ok(again.engine.subscription(sub.id)!.paused, 'still paused after a restart');
      again.engine.siteOpened('https://open.example/some/page');
      assert.deepEqual(again.engine.budget(sub.id), { left: 2, cap: 2 });
      assert.equal(again.engine.subscription(sub.id)!.paused, null);
      again.engine.siteOpened('not a url'); // ignored, no throw
      assert.equal(again.engine.resume('no-such-id'), false);
      // A refill over time: +1 per 30 min on ac (the cap here is 2).
      const more: HistoryEntry[] = [];
      again.engine.on('history', (e) => more.push(e));
      await send(sub, 'c');
      await waitFor('charged', () => more.length === 1);
      assert.deepEqual(again.engine.budget(sub.id), { left: 1, cap: 2 });
      clock.advance(30 * 60_000);
      assert.deepEqual(again.engine.budget(sub.id), { left: 2, cap: 2 });
      await again.engine.unsubscribe(sub.id);
      assert.equal(again.engine.budget(sub.id), null);
    } finally {
      await again.stop();
    }
  });
});
