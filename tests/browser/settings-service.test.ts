// The engine half of the settings bridge without a browser: what a compromised or buggy settings window could send
// to the SettingsService gets a typed error in words, never a crash or a changed state; views never leak what they
// must not (a site's endpoint, the full UAID). A real engine on the local push service.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SettingsError, SettingsService } from '../../src/engine/services/settings-service.ts';
import type { SettingsEvent } from '../../src/shared/settings-api.ts';
import { startPushService, type PushService } from '../../tools/push-service/index.ts';
import { openJsonFileStore } from '../../src/cli/json-file-store.ts';
import { send, startEngine, waitFor, type Harness } from '../support/engine-harness.ts';

let push: PushService;
let h: Harness;
let service: SettingsService;
const events: SettingsEvent[] = [];

before(async () => {
  push = await startPushService({});
  h = await startEngine(push.wsUrl);
  service = new SettingsService(h.engine);
  service.on('event', (e) => events.push(e));
});
after(async () => {
  service?.dispose();
  await h?.stop();
  await push?.close();
});

async function rejectsWith(p: Promise<unknown>, kind: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof SettingsError, String(err));
    assert.equal(err.kind, kind);
    assert.ok(err.message.length > 0 && err.message.length < 300);
    return true;
  });
}

describe('SettingsService', () => {
  test('hostile arguments are refused with typed errors and change nothing', async () => {
    const before = h.engine.status().subscriptions;
    const bad: unknown[] = [undefined, null, 42, {}, [], '', 'x'.repeat(10_000)];
    for (const id of bad) {
      await rejectsWith(service.deleteSubscription(id as string), 'invalid-argument');
      await rejectsWith(service.setMuted(id as string, true), 'invalid-argument');
      await rejectsWith(service.renameSubscription(id as string, 'x'), 'invalid-argument');
    }
    await rejectsWith(service.deleteSubscription('no-such-id'), 'not-found');
    await rejectsWith(service.createEndpoint(null as never), 'invalid-argument');
    await rejectsWith(service.createEndpoint({ label: 42 as never }), 'invalid-argument');
    await rejectsWith(service.createEndpoint({ label: '\u0000\u0007 ' }), 'invalid-argument');
    await rejectsWith(service.createEndpoint({ label: 'x'.repeat(201) }), 'invalid-argument');
    await rejectsWith(service.createEndpoint({ label: 'ok', applicationServerKey: 'B'.repeat(87) }), 'invalid-key');
    await rejectsWith(service.getHistory({ limit: -1 }), 'invalid-argument');
    await rejectsWith(service.getHistory('all' as never), 'invalid-argument');
    await rejectsWith(service.setPreferences({ serviceUrl: 'https://push.example' }), 'invalid-argument');
    await rejectsWith(service.setPreferences({ serviceUrl: 'wss://user:pw@push.example' }), 'invalid-argument');
    await rejectsWith(service.setPreferences({ quietHours: { start: '25:00' } }), 'invalid-argument');
    await rejectsWith(service.setPreferences({ policy: { lowBatteryPercent: -5 } }), 'invalid-argument');
    await rejectsWith(service.addSite('javascript:alert(1)'), 'invalid-argument');
    await rejectsWith(service.addSite('https://fine.example'), 'unsupported');
    assert.equal(h.engine.status().subscriptions, before);
  });

  test('views: a site never shows its endpoint or JSON, the UAID only as a prefix, states in the view words', async () => {
    const site = await h.engine.subscribe({
      kind: 'site',
      origin: 'https://views.example',
      applicationServerKey: null,
      userVisibleOnly: true,
    });
    const subs = await service.listSubscriptions();
    const view = subs.find((s) => s.id === site.id)!;
    assert.equal(view.endpoint, null);
    assert.equal(view.kind, 'site');
    assert.equal(typeof view.budget?.left, 'number');
    await rejectsWith(service.getSubscriptionJSON(site.id), 'not-found');
    const status = await service.getStatus();
    assert.equal(status.state, 'connected');
    assert.match(status.uaidPrefix ?? '', /^[0-9a-f]{8}$/);
    const uaid = openJsonFileStore(h.dataDir).get('uaid');
    assert.equal(typeof uaid, 'string');
    assert.ok(!JSON.stringify(status).includes(uaid as string));
    await service.deleteSubscription(site.id);
  });

  test('created endpoints arrive as events and messages as history entries; reading the full history marks them read', async () => {
    events.length = 0;
    const created = await service.createEndpoint({ label: '  CI  ' });
    assert.equal(h.engine.subscription(created.id)?.label, 'CI');
    assert.ok(events.some((e) => e.type === 'subscriptions'));
    await send(created, 'plain text payload');
    await waitFor('a history event', () => events.some((e) => e.type === 'history'));
    assert.ok((await service.getStatus()).unread >= 1);
    assert.equal((await service.getHistory({ subscriptionId: created.id }))[0]?.fate, 'shown');
    assert.ok((await service.getStatus()).unread >= 1, 'a filtered read is not the Activity view');
    await service.getHistory();
    assert.equal((await service.getStatus()).unread, 0);
    const replaced = await service.replaceEndpoint(created.id);
    assert.notEqual(replaced.endpoint, created.endpoint);
    assert.equal(h.engine.subscription(created.id), undefined);
    assert.equal(h.engine.subscription(replaced.id)?.label, 'CI');
    await service.deleteSubscription(replaced.id);
  });
});
