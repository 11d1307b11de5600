// Worker failures (docs/architecture.md "The delivery pipeline", step 8): nack 301/302/303 and up to 3 retries with
// backoff before giving up, then the
// userVisibleOnly rule (spend budget, else the generic notification) applies after rejection and timeout alike.
// Real push service and engine; the WorkerHost is scripted (a stand-in) so that each attempt's outcome is chosen
// exactly: how Chromium turns a throwing or hanging worker into those outcomes is tested in worker-runtime.test.ts.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startPushService, type PushService } from '../../../tools/push-service/index.ts';
import { send, startEngine, waitFor } from '../../support/engine-harness.ts';
import { ManualClock } from '../../support/manual-clock.ts';
import { FixedPowerSource } from '../../../src/engine/policy/power.ts';
import { systemClock } from '../../../src/engine/clock.ts';
import type { WorkerClient, WorkerDispatch, WorkerHost, WorkerOutcome } from '../../../src/engine/ports.ts';
import type { HistoryEntry } from '../../../src/shared/history-entry.ts';

class ScriptedWorkerHost implements WorkerHost {
  outcomes: Array<WorkerOutcome | 'show'> = [];
  dispatches: WorkerDispatch[] = [];
  async dispatch(request: WorkerDispatch, client: WorkerClient): Promise<WorkerOutcome> {
    this.dispatches.push(request);
    const next = this.outcomes.shift() ?? { status: 'ok', shown: 0 };
    if (next === 'show') {
      await client.showNotification('from the worker', { body: 'hi' });
      return { status: 'ok', shown: 1 };
    }
    return next;
  }
  async stop(): Promise<void> {}
  async close(): Promise<void> {}
}

const THREW: WorkerOutcome = { status: 'error', code: 301, kind: 'handler-threw', message: 'boom', shown: 0 };
const REJECTED: WorkerOutcome = { status: 'error', code: 302, kind: 'waituntil-rejected', message: 'no', shown: 0 };
const TIMEOUT: WorkerOutcome = { status: 'timeout', shown: 0 };

describe('worker failures: nack, retry with backoff, then account', () => {
  let service: PushService;
  const nacks: number[] = [];
  before(async () => {
    service = await startPushService();
    service.events.on('nack', (e: { code: number }) => nacks.push(e.code));
  });
  after(() => service?.close());

  async function setup(userVisibleOnly: boolean, power: 'ac' | 'low' = 'ac') {
    const clock = new ManualClock();
    const host = new ScriptedWorkerHost();
    const h = await startEngine(service.wsUrl, {
      clock,
      workerHost: host,
      power: new FixedPowerSource(power),
      connection: { clock: systemClock },
    });
    const history: HistoryEntry[] = [];
    h.engine.on('history', (e) => history.push(e));
    h.engine.preferences.set({ policy: { lowPowerCoalesceSeconds: 0 } });
    const sub = await h.engine.subscribe({
      kind: 'site',
      origin: 'https://flaky.example',
      applicationServerKey: null,
      userVisibleOnly,
      workerScriptURL: 'https://flaky.example/sw.js',
    });
    nacks.length = 0;
    return { clock, host, h, history, sub };
  }

  /** Lets the pipeline reach its next retry wait (a timer due in exactly `ms`), then moves time to it. */
  async function advanceThrough(
    clock: ManualClock,
    host: ScriptedWorkerHost,
    dispatches: number,
    ms: number,
  ): Promise<void> {
    await waitFor(
      `dispatch ${dispatches} and its ${ms} ms backoff`,
      () => host.dispatches.length >= dispatches && clock.hasTimerDueIn(ms),
    );
    clock.advance(ms);
  }

  test('a failure that recovers on the second retry: two nacks, 1 s then 2 s of backoff, shown once', async () => {
    const { clock, host, h, history, sub } = await setup(false);
    try {
      host.outcomes = [THREW, REJECTED, 'show'];
      await send(sub, 'x');
      await waitFor(
        'first attempt failed, backoff set',
        () => host.dispatches.length === 1 && clock.hasTimerDueIn(1_000),
      );
      clock.advance(999);
      await new Promise((r) => setImmediate(r));
      assert.equal(host.dispatches.length, 1, 'not before the 1 s backoff');
      clock.advance(1);
      await advanceThrough(clock, host, 2, 2_000);
      await waitFor('accounted', () => history.length === 1);
      assert.equal(host.dispatches.length, 3);
      assert.equal(history[0]!.fate, 'shown-by-worker');
      await waitFor('nacks reached the service', () => nacks.length === 2);
      assert.deepEqual(nacks, [301, 302]);
      assert.equal(h.notifier.shown.length, 1);
    } finally {
      await h.stop();
    }
  });

  test('after 3 retries it gives up: 4 nacks, the failure recorded, then charged', async () => {
    const { clock, host, h, history, sub } = await setup(false);
    try {
      host.outcomes = [TIMEOUT, TIMEOUT, TIMEOUT, TIMEOUT, 'show'];
      await send(sub, 'x');
      await advanceThrough(clock, host, 1, 1_000);
      await advanceThrough(clock, host, 2, 2_000);
      await advanceThrough(clock, host, 3, 4_000);
      await waitFor('accounted', () => history.length === 1);
      assert.equal(host.dispatches.length, 4);
      assert.equal(history[0]!.fate, 'worker-timeout');
      assert.equal(history[0]!.detail, 'deadline; then charged');
      await waitFor('nacks', () => nacks.length === 4);
      assert.deepEqual(nacks, [303, 303, 303, 303]);
      assert.deepEqual(h.engine.budget(sub.id), { left: 15, cap: 16 });
    } finally {
      await h.stop();
    }
  });

  test('userVisibleOnly with no budget left: the generic notification after a rejection, as after success', async () => {
    const { clock, host, h, history, sub } = await setup(true, 'low'); // cap 2
    try {
      host.outcomes = [{ status: 'ok', shown: 0 }, { status: 'ok', shown: 0 }, REJECTED, REJECTED, REJECTED, REJECTED];
      await send(sub, 'a');
      await send(sub, 'b');
      await waitFor('two charged', () => history.length === 2);
      await send(sub, 'c');
      await advanceThrough(clock, host, 3, 1_000);
      await advanceThrough(clock, host, 4, 2_000);
      await advanceThrough(clock, host, 5, 4_000);
      await waitFor('accounted', () => history.length === 3);
      assert.deepEqual(
        history.map((e) => e.fate),
        ['charged', 'charged', 'worker-error'],
      );
      assert.equal(history[2]!.detail, 'waituntil-rejected; then generic-notification (no budget left)');
      assert.equal(h.notifier.shown.at(-1)!.title, 'flaky.example updated in the background');
      assert.equal(h.engine.subscription(sub.id)!.paused, null, 'userVisibleOnly subscriptions are never paused');
    } finally {
      await h.stop();
    }
  });

  test('the power state sets the event deadline and keep-alive given to the worker host, read live', async () => {
    const { host, h, history, sub } = await setup(false, 'low');
    try {
      host.outcomes = ['show', 'show'];
      await send(sub, 'x');
      await waitFor('one', () => history.length === 1);
      assert.deepEqual([host.dispatches[0]!.deadlineMs, host.dispatches[0]!.keepAliveMs], [10_000, 0]);
      h.engine.preferences.set({ policy: { eventDeadlineSeconds: { ac: 30, battery: 30, low: 5 } } });
      await send(sub, 'y');
      await waitFor('two', () => history.length === 2);
      assert.equal(host.dispatches[1]!.deadlineMs, 5_000);
    } finally {
      await h.stop();
    }
  });

  test('stopping during a retry backoff does not wait for it; the message is replayed at the next start', async () => {
    const { clock, host, h, history, sub } = await setup(false);
    host.outcomes = [THREW];
    await send(sub, 'x');
    await waitFor('first attempt failed, waiting', () => host.dispatches.length === 1 && clock.hasTimerDueIn(1_000));
    await h.stop();
    assert.equal(history.length, 0, 'no fate yet: not given up, just stopped');
    host.outcomes = ['show'];
    const again = await startEngine(
      service.wsUrl,
      { clock, workerHost: host, connection: { clock: systemClock } },
      h.dataDir,
    );
    try {
      // start() replays before this test can listen; the dispatch count shows it ran.
      await waitFor('replayed', () => host.dispatches.length === 2);
      await again.engine.idle();
      assert.equal(again.notifier.shown.length, 1);
      assert.equal(again.engine.history.list({ limit: 1 })[0]!.fate, 'shown-by-worker');
    } finally {
      await again.stop();
    }
  });
});
