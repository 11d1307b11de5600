// The minimum urgency of docs/policies.md reaching the push service (docs/protocol-notes.md §1 "Urgency"): sent per
// power state
// to a service that supports it (local service with `urgency: true`), and detected as unsupported and dropped for
// one that does not (it closes the socket, as the released autopush does), without losing the connection's state.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startPushService, type PushService } from '../../../tools/push-service/index.ts';
import { send, startEngine, tempDir, waitFor } from '../../support/engine-harness.ts';
import { FixedPowerSource } from '../../../src/engine/policy/power.ts';
import { openJsonFileStore } from '../../../src/cli/json-file-store.ts';

function urgencyFrames(service: PushService): Array<{ uaid: string; min: string }> {
  const seen: Array<{ uaid: string; min: string }> = [];
  service.events.on('client-message', (uaid: string, msg: { messageType?: string; min?: string }) => {
    if (msg?.messageType === 'urgency') seen.push({ uaid, min: String(msg.min) });
  });
  return seen;
}

describe('urgency negotiation with real push services', () => {
  let withUrgency: PushService;
  let without: PushService;
  before(async () => {
    [withUrgency, without] = await Promise.all([startPushService({ urgency: true }), startPushService()]);
  });
  after(async () => {
    await Promise.all([withUrgency?.close(), without?.close()]);
  });

  test('a service with the urgency option gets the minimum urgency of each power state', async () => {
    const frames = urgencyFrames(withUrgency);
    const power = new FixedPowerSource('battery');
    const h = await startEngine(withUrgency.wsUrl, { power });
    try {
      const uaid = () => openJsonFileStore(h.dataDir).get('uaid') as string;
      await waitFor('battery: low', () => frames.length === 1);
      assert.equal(frames[0]!.min, 'low');
      await waitFor('confirmed', () => withUrgency.lastUrgency(uaid()) === 'low');
      power.set('low');
      await waitFor('low: high', () => withUrgency.lastUrgency(uaid()) === 'high');
      power.set('ac');
      await waitFor('ac: very-low (filtering lifted)', () => withUrgency.lastUrgency(uaid()) === 'very-low');
      assert.deepEqual(
        frames.map((f) => f.min),
        ['low', 'high', 'very-low'],
      );
      assert.equal(
        openJsonFileStore(h.dataDir).get('urgencySupport') &&
          (openJsonFileStore(h.dataDir).get('urgencySupport') as Record<string, string>)[withUrgency.wsUrl],
        'supported',
      );
      // A changed setting applies live.
      h.engine.preferences.set({ policy: { minUrgency: { ac: 'normal', battery: 'low', low: 'high' } } });
      await waitFor('the new setting sent', () => withUrgency.lastUrgency(uaid()) === 'normal');
    } finally {
      await h.stop();
    }
  });

  test('a service without it closes on the frame: detected, not sent again, and nothing of the connection is lost', async () => {
    const frames = urgencyFrames(without);
    const hellos: Array<{ uaid: string }> = [];
    without.events.on('hello', (e: { uaid: string }) => hellos.push(e));
    const dataDir = tempDir();
    // Subscribed on ac first (very-low is never probed), so there is a UAID and a live subscription to keep.
    const power = new FixedPowerSource('ac');
    const h = await startEngine(without.wsUrl, { power }, dataDir);
    const shown = () => h.notifier.shown.length;
    try {
      const sub = await h.engine.subscribe({ kind: 'endpoint', label: 'keeps working' });
      const uaidBefore = h.engine.status().uaidPrefix;
      assert.equal(frames.length, 0, 'nothing sent on ac to an unknown service');

      power.set('battery');
      await waitFor('probed once', () => frames.length === 1);
      await waitFor('reconnected after the close', () => hellos.length >= 2 && h.engine.connected);
      assert.equal(h.engine.status().uaidPrefix, uaidBefore, 'same UAID: the connection state survived');
      await send(sub, 'after the probe');
      await waitFor('the subscription still delivers', () => shown() === 1);

      power.set('low');
      await send(sub, 'on low');
      await waitFor('still delivering', () => shown() === 2);
      assert.equal(frames.length, 1, 'never sent again to this service');
      assert.equal(hellos.length, 2, 'no further reconnects');
    } finally {
      await h.stop();
    }
    // Remembered across restarts of the engine on the same data dir.
    const again = await startEngine(without.wsUrl, { power: new FixedPowerSource('low') }, dataDir);
    try {
      const sub2 = await again.engine.subscribe({ kind: 'endpoint', label: 'after restart' });
      await send(sub2, 'x');
      await waitFor('delivered', () => again.notifier.shown.length === 1);
      assert.equal(frames.length, 1);
    } finally {
      await again.stop();
    }
  });

  test('a subscribe racing the probe of an unknown service still succeeds (one retry after the reconnect)', async () => {
    const h = await startEngine(without.wsUrl, { power: new FixedPowerSource('low') });
    try {
      const sub = await h.engine.subscribe({ kind: 'endpoint', label: 'raced' });
      await send(sub, 'hello');
      await waitFor('delivered', () => h.notifier.shown.length === 1);
    } finally {
      await h.stop();
    }
  });
});
