// A UAID reset interrupted by a network drop or a restart: every subscription ends up on a live endpoint, and
// until it does, list/status say it is waiting. Real engine, the local push service, a cutting TCP proxy, web-push.
// The service resets the UAID as autopush does when a client drains too many stored messages in one session.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startPushService } from '../../../tools/push-service/index.ts';
import { startFaultProxy } from '../../support/fault-proxy.ts';
import {
  RecordingNotifier,
  send,
  sendStatus,
  startEngine,
  waitFor,
  type Harness,
} from '../../support/engine-harness.ts';
import { PushEngine } from '../../../src/engine/engine.ts';
import { openJsonFileStore } from '../../../src/cli/json-file-store.ts';
import { openKeyFileSecretBox } from '../../../src/cli/key-file-secret-box.ts';
import type { SubscriptionInfo } from '../../../src/engine/subscription-record.ts';

const FAST = { connection: { backoffInitialMs: 50, backoffMaxMs: 200 } };

/** Three endpoints, then a backlog above the service's drain limit: the next session gets a new UAID. */
async function setUp(proxyUrl: string): Promise<{ h: Harness; subs: SubscriptionInfo[]; uaidBefore: string | null }> {
  let h = await startEngine(proxyUrl, FAST);
  const subs = [];
  for (const label of ['A', 'B', 'C']) subs.push(await h.engine.subscribe({ kind: 'endpoint', label }));
  const uaidBefore = h.engine.status().uaidPrefix;
  await h.stop();
  for (let i = 0; i < 30; i++) await send(subs[0]!, `flood ${i}`);
  h = await startEngine(proxyUrl, FAST, h.dataDir);
  return { h, subs, uaidBefore };
}

async function assertAllLive(h: Harness, subs: SubscriptionInfo[]): Promise<void> {
  const now = new Map(h.engine.list().map((s) => [s.id, s]));
  for (const old of subs) {
    const cur = now.get(old.id)!;
    assert.equal(cur.pendingReregistration, false, `${old.label} no longer waiting`);
    assert.notEqual(cur.endpoint, old.endpoint, `${old.label} has a new endpoint`);
    assert.equal(await sendStatus(old, 'to the old endpoint'), 410, `${old.label}'s old endpoint is gone`);
    assert.equal(await send(cur, `live ${old.label}`), 201);
  }
  await waitFor('a message on every new endpoint', () =>
    subs.every((s) => h.notifier.shown.some((n) => n.body === `live ${s.label}`)),
  );
  assert.equal(h.engine.status().pendingReregistrations, 0);
}

describe('interrupted UAID reset', () => {
  test('a drop after some re-registrations succeeded: the rest resume on the next connection (same new UAID)', async () => {
    const service = await startPushService({ maxMessagesPerSession: 20 });
    const proxy = await startFaultProxy({ host: '127.0.0.1', port: service.port });
    const { h, subs, uaidBefore } = await setUp(proxy.url);
    try {
      const changes: string[] = [];
      let waitingAtCut: string[] | null = null;
      let uaidAtCut: string | null = null;
      h.engine.on('subscriptionchange', (c) => {
        changes.push(c.subscriptionId);
        if (changes.length === 1) {
          proxy.cutAll();
          waitingAtCut = h.engine
            .list()
            .filter((s) => s.pendingReregistration)
            .map((s) => s.label);
          uaidAtCut = h.engine.status().uaidPrefix;
        }
      });
      await waitFor(
        'every subscription re-registered',
        () => h.engine.list().every((s, i) => s.endpoint !== subs[i]!.endpoint),
        20_000,
      );
      await h.engine.settled();
      assert.deepEqual(waitingAtCut, ['B', 'C'], 'list showed the two still waiting');
      assert.notEqual(uaidAtCut, uaidBefore);
      assert.equal(h.engine.status().uaidPrefix, uaidAtCut, 'the service kept the new UAID (a register reached it)');
      assert.deepEqual(changes.sort(), subs.map((s) => s.id).sort(), 'each re-registered exactly once');
      await assertAllLive(h, subs);
    } finally {
      await h.stop();
      await proxy.close();
      await service.close();
    }
  });

  test('a drop and a restart before any re-registration: the next hello gets yet another UAID and all resume', async () => {
    const service = await startPushService({ maxMessagesPerSession: 20 });
    const proxy = await startFaultProxy({ host: '127.0.0.1', port: service.port });
    const setup = await setUp(proxy.url);
    const { subs, uaidBefore } = setup;
    let h = setup.h;
    try {
      // setUp's start drained past the limit; the reconnect after the reset gets a new UAID. Cut (and stop the
      // engine) the moment it is connected with it, before the first register reaches the service.
      let uaidAtCut: string | null = null;
      const cut = new Promise<void>((resolve) => {
        const check = () => {
          const now = h.engine.status().uaidPrefix;
          if (now !== uaidBefore && uaidAtCut === null) {
            uaidAtCut = now;
            proxy.cutAll();
            resolve();
          }
        };
        h.engine.on('state', (s) => s === 'connected' && check());
        check();
      });
      await cut;
      const changedBeforeStop = h.engine.list().filter((s, i) => s.endpoint !== subs[i]!.endpoint).length;
      await h.stop();
      assert.equal(changedBeforeStop, 0, 'nothing re-registered before the cut');
      // Stored state says all three wait, before any connection.
      const store = openJsonFileStore(h.dataDir);
      const offline = new PushEngine({
        serviceUrl: proxy.url,
        dataDir: h.dataDir,
        store,
        secrets: openKeyFileSecretBox(h.dataDir, store),
        notifier: new RecordingNotifier(),
      });
      await offline.load();
      assert.deepEqual(
        offline.list().map((s) => s.pendingReregistration),
        [true, true, true],
      );
      assert.equal(offline.status().pendingReregistrations, 3);
      h = await startEngine(proxy.url, FAST, h.dataDir);
      await waitFor(
        'every subscription re-registered',
        () => h.engine.list().every((s, i) => s.endpoint !== subs[i]!.endpoint),
        20_000,
      );
      await h.engine.settled();
      assert.notEqual(h.engine.status().uaidPrefix, uaidAtCut, 'yet another UAID: the service never stored the first');
      await assertAllLive(h, subs);
    } finally {
      await h.stop();
      await proxy.close();
      await service.close();
    }
  });
});
