// Re-registration after a UAID reset costs a bounded number of state writes, not one (or two) per subscription:
// every write rewrites the whole document, so a write per subscription makes the reset quadratic (issue 19).
// Real engine and store (state.json on disk), the local push service, which resets the UAID as autopush does; the
// Store is wrapped only to count its writes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startPushService } from '../../../tools/push-service/index.ts';
import { send, startEngine, waitFor } from '../../support/engine-harness.ts';
import { openJsonFileStore } from '../../../src/cli/json-file-store.ts';
import { recordingStore } from '../../support/memory-store.ts';
import { openKeyFileSecretBox } from '../../../src/cli/key-file-secret-box.ts';
import type { SubscriptionInfo } from '../../../src/engine/subscription-record.ts';

const COUNT = 200;

test(
  `a UAID reset re-registers ${COUNT} subscriptions in a bounded number of state writes`,
  { timeout: 120_000 },
  async () => {
    const service = await startPushService({ maxMessagesPerSession: 1, maxChannelsPerUaid: COUNT * 3 });
    try {
      let h = await startEngine(service.wsUrl);
      const subs: SubscriptionInfo[] = [];
      for (let i = 0; i < COUNT; i++) subs.push(await h.engine.subscribe({ kind: 'endpoint', label: `s${i}` }));
      await h.stop();
      // Two stored messages: draining them at the next hello makes the service drop the UAID.
      for (const sub of subs.slice(0, 2)) assert.equal(await send(sub, 'backlog'), 201);

      const dataDir = h.dataDir;
      const { store, writes } = recordingStore(openJsonFileStore(dataDir));
      let reset = false;
      service.events.once('uaid-reset', () => (reset = true));
      h = await startEngine(service.wsUrl, { store, secrets: openKeyFileSecretBox(dataDir, store) }, dataDir);
      try {
        await waitFor('the UAID reset', () => reset, 20_000);
        await waitFor(
          'every subscription re-registered',
          () => h.engine.list().every((s, i) => !s.pendingReregistration && s.endpoint !== subs[i]!.endpoint),
          60_000,
        );
        await h.engine.settled();
        const subscriptionWrites = writes.filter((k) => k === 'subscriptions').length;
        // Marking all (one write), then a bounded number of groups: linear in the subscriptions in total.
        assert.ok(
          subscriptionWrites <= 20,
          `${subscriptionWrites} writes of the subscriptions for ${COUNT} re-registrations`,
        );
        assert.equal(
          new Set(h.engine.list().map((s) => s.endpoint)).size,
          COUNT,
          'every subscription has its own new endpoint',
        );
        // What was written is what the engine holds: a fresh read of the file sees every new endpoint, none waiting.
        const onDisk = openJsonFileStore(dataDir).get('subscriptions') as Record<
          string,
          { endpoint: string; pendingReregistration?: unknown }
        >;
        for (const s of h.engine.list()) {
          assert.equal(onDisk[s.id]?.endpoint, s.endpoint);
          assert.equal(onDisk[s.id]?.pendingReregistration, undefined);
        }
        const live = h.engine.list()[COUNT - 1]!;
        assert.equal(await send(live, 'on the new endpoint'), 201);
        await waitFor('the message on a new endpoint', () =>
          h.notifier.shown.some((n) => n.body === 'on the new endpoint'),
        );
      } finally {
        await h.stop();
      }
    } finally {
      await service.close();
    }
  },
);
