// A backlog drained by a real engine from the local push service, senders' messages made by web-push: each message
// exactly once, the undecryptable one recorded once; and the ack codes the service receives (docs/protocol-notes.md):
// in a backlog a message is acked 100 once stored durably, before it is decrypted; a message on its own is
// decrypted first, so one that cannot be is acked 101.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { generateSubscriptionKeys, subscriptionKeysJSON } from '../../../src/engine/crypto/index.ts';
import type { FateRecord } from '../../../src/engine/delivery/fates.ts';
import { startPushService, type PushService } from '../../../tools/push-service/index.ts';
import { countBodies, send, startEngine, waitFor } from '../../support/engine-harness.ts';

let service: PushService;
before(async () => {
  service = await startPushService({ maxMessagesPerSession: 1000 });
});
after(async () => {
  await service.close();
});

test('a backlog with an undecryptable message: the rest shown exactly once, it recorded once, every ack 100', async () => {
  let h = await startEngine(service.wsUrl);
  const sub = await h.engine.subscribe({ kind: 'endpoint', label: 'backlog' });
  await h.stop();
  const wrongKeys = { endpoint: sub.endpoint, keys: subscriptionKeysJSON(generateSubscriptionKeys()) };
  for (let i = 0; i < 60; i++) {
    if (i === 25) await send(wrongKeys, 'sealed for someone else');
    else await send(sub, `message ${i}`);
  }
  const codes: number[] = [];
  const onAck = (e: { code: number }) => codes.push(e.code);
  service.events.on('ack', onAck);
  try {
    h = await startEngine(service.wsUrl, {}, h.dataDir);
    const fates: FateRecord[] = [];
    h.engine.on('fate', (f) => fates.push(f));
    await waitFor('backlog drained', () => h.notifier.shown.length >= 59 && fates.length >= 60, 20_000);
    await h.engine.idle();
    await waitFor('every message acked', () => service.stats().stored === 0 && codes.length >= 60);
    const counts = countBodies(h.notifier.shown);
    assert.equal(counts.size, 59);
    assert.ok(
      [...counts.values()].every((n) => n === 1),
      'each shown once',
    );
    assert.deepEqual(fates.filter((f) => f.fate === 'undecryptable').length, 1);
    assert.equal(fates.length, 60, 'one fate per message');
    assert.deepEqual([...new Set(codes)], [100], 'acked 100 on durable receipt, the undecryptable one too');

    // On its own (the agent connected and idle), an undecryptable message is decrypted before its ack: 101.
    codes.length = 0;
    await send(wrongKeys, 'again for someone else');
    await waitFor('acked', () => codes.length === 1);
    assert.deepEqual(codes, [101]);
    await waitFor('recorded', () => fates.filter((f) => f.fate === 'undecryptable').length === 2);
  } finally {
    service.events.off('ack', onAck);
    await h.stop();
  }
});

test('a live message arriving while a backlog is still decrypting is shown after it, each exactly once', async (t) => {
  let h = await startEngine(service.wsUrl);
  const sub = await h.engine.subscribe({ kind: 'endpoint', label: 'backlog' });
  await h.stop();
  for (let i = 0; i < 200; i += 20)
    await Promise.all(Array.from({ length: 20 }, (_, j) => send(sub, `stored ${i + j}`)));
  h = await startEngine(service.wsUrl, {}, h.dataDir);
  try {
    // Acked means journaled, not yet decrypted (the decryption thread is still starting or busy): send now.
    await waitFor('backlog acked', () => service.stats().stored === 0, 20_000, 1);
    const shownAtSend = h.notifier.shown.length;
    await send(sub, 'live');
    await waitFor('all shown', () => h.notifier.shown.length >= 201, 20_000);
    await h.engine.idle();
    const counts = countBodies(h.notifier.shown);
    assert.equal(counts.size, 201);
    assert.ok(
      [...counts.values()].every((n) => n === 1),
      'each shown once',
    );
    assert.equal(h.notifier.shown.at(-1)?.body, 'live', 'after every stored message');
    // The case under test needs the backlog still decrypting when 'live' was sent; a machine that drained all 200
    // first passed the assertions above without testing it.
    if (shownAtSend === 200) {
      console.log('SKIPPED: the backlog was shown before the live message was sent');
      t.skip('the backlog drained before the live message');
    }
  } finally {
    await h.stop();
  }
});
