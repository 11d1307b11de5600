// A full inbox: messages beyond its capacity are left with the service (unacked, no fate) and fetched again by one
// reconnect once the inbox drains below its low-water mark, instead of waiting for the next natural reconnect.
// Real push service, engine and web-push. The WorkerHost is a stand-in that holds each push event until the test
// releases it, which is what keeps messages pending; how Chromium runs workers is tested in tests/browser/.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startPushService } from '../../../tools/push-service/index.ts';
import type { WorkerClient, WorkerDispatch, WorkerHost, WorkerOutcome } from '../../../src/engine/ports.ts';
import type { HistoryEntry } from '../../../src/shared/history-entry.ts';
import { send, startEngine, waitFor } from '../../support/engine-harness.ts';

class GatedWorkerHost implements WorkerHost {
  open = false;
  #waiting: Array<() => void> = [];
  async dispatch(request: WorkerDispatch, client: WorkerClient): Promise<WorkerOutcome> {
    if (!this.open) await new Promise<void>((r) => this.#waiting.push(r));
    const e = request.event;
    const text = e.type === 'push' && e.data ? Buffer.from(e.data).toString('utf8') : '';
    await client.showNotification('worker', { body: text });
    return { status: 'ok', shown: 1 };
  }
  release(): void {
    this.open = true;
    for (const r of this.#waiting.splice(0)) r();
  }
  async stop(): Promise<void> {}
  async close(): Promise<void> {}
}

test(
  'a full inbox leaves the rest with the service and reconnects once it drains below the low-water mark',
  { timeout: 60_000 },
  async (t) => {
    const service = await startPushService();
    t.after(() => service.close());
    const host = new GatedWorkerHost();
    const h = await startEngine(service.wsUrl, { workerHost: host, inbox: { maxPending: 4 } });
    t.after(() => h.stop());
    const history: HistoryEntry[] = [];
    h.engine.on('history', (e) => history.push(e));
    const sub = await h.engine.subscribe({
      kind: 'site',
      origin: 'https://full.example',
      applicationServerKey: null,
      userVisibleOnly: true,
      workerScriptURL: 'https://full.example/sw.js',
    });
    const bodies = Array.from({ length: 10 }, (_, i) => `full-${i}`);
    for (const b of bodies) assert.equal(await send(sub, b), 201);
    await waitFor('the inbox full', () => h.engine.status().pendingMessages === 4);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(h.engine.status().pendingMessages, 4, 'no more than its capacity accepted');
    assert.equal(history.length, 0, 'a message left with the service has no fate yet');

    host.release();
    await waitFor(
      'every message shown',
      () => bodies.every((b) => h.notifier.shown.some((n) => n.body === b)),
      20_000,
    ).catch((err: Error) => {
      throw new Error(
        `${err.message}; shown: ${h.notifier.shown.map((n) => n.body).join(' ')}; log: ${h.logger.lines.filter((l) => /inbox|reconnect|redeliver/.test(l)).join('\n')}`,
      );
    });
    await h.engine.idle();
    await new Promise((r) => setTimeout(r, 500)); // a duplicate would arrive right behind
    const counts = bodies.map((b) => h.notifier.shown.filter((n) => n.body === b).length);
    assert.deepEqual(
      counts,
      bodies.map(() => 1),
      'each exactly once',
    );
    assert.equal(history.length, bodies.length, 'exactly one fate per message');
    assert.ok(
      history.every((e) => e.fate === 'shown-by-worker'),
      history.map((e) => e.fate).join(', '),
    );
    assert.ok(
      h.logger.lines.some((l) => l.includes('inbox below its low-water mark')),
      'fetched again by the low-water reconnect',
    );
  },
);
