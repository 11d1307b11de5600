// A message on its own is journaled (written), then shown while its fsync runs on the thread pool; its ack waits for
// the fsync, so an ack still means "stored durably". Real local push service, real web-push as sender, the real
// engine on a real data dir; the one injected part is the inbox's thread-pool fdatasync (InboxOptions.fdatasync,
// tests/support/held-fdatasync.ts), because a real fsync can be neither held open nor made to fail (EIO) on demand.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startPushService } from '../../../tools/push-service/index.ts';
import { send, startEngine, waitFor } from '../../support/engine-harness.ts';
import { heldFdatasync } from '../../support/held-fdatasync.ts';

interface AckEvent {
  version: string;
  code: number;
}

async function setUp(t: import('node:test').TestContext) {
  const service = await startPushService();
  const fsync = heldFdatasync();
  const h = await startEngine(service.wsUrl, { inbox: { fdatasync: fsync.fdatasync } });
  t.after(async () => {
    fsync.releaseAll();
    await h.stop();
    await service.close();
  });
  const sub = await h.engine.subscribe({ kind: 'endpoint', label: 'fsync' });
  const acks: AckEvent[] = [];
  service.events.on('ack', (a: AckEvent) => acks.push(a));
  const sent: string[] = [];
  service.events.on('notification-sent', (e: { version: string }) => sent.push(e.version));
  const shown = (body: string) => h.notifier.shown.filter((n) => n.body === body).length;
  return { service, fsync, h, sub, acks, sent, shown };
}

test('a message is shown while its journal fsync runs; its ack 100 is sent only once the fsync completes', async (t) => {
  const { fsync, sub, acks, sent, shown } = await setUp(t);
  assert.equal(await send(sub, 'shown before durable'), 201);
  await waitFor('shown', () => shown('shown before durable') === 1);
  assert.equal(fsync.waiting, 1, 'its fsync was started on the thread pool and is still running');
  // Time for an early ack to reach the service, if one had been sent.
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(
    acks.filter((a) => a.version === sent[0]),
    [],
    'not acked before the fsync completed',
  );
  fsync.release();
  await waitFor('acked', () => acks.some((a) => a.version === sent[0]));
  assert.deepEqual(
    acks.filter((a) => a.version === sent[0]).map((a) => a.code),
    [100],
  );
});

test('a message whose fsync fails is shown once and never acked 100; its redelivery is acked 102 as a duplicate and not shown again', async (t) => {
  const { fsync, h, sub, acks, sent, shown } = await setUp(t);
  assert.equal(await send(sub, 'fsync failed'), 201);
  await waitFor('shown', () => shown('fsync failed') === 1);
  await waitFor('its fsync started', () => fsync.waiting === 1);
  fsync.release('EIO');
  // The agent reconnects after a failed journal write (1 s backoff, full jitter); the service redelivers what it
  // did not hear acked.
  await waitFor('the redelivery acked', () => acks.some((a) => a.version === sent[0]), 15_000);
  assert.deepEqual(
    acks.filter((a) => a.version === sent[0]).map((a) => a.code),
    [102],
    'never acked 100 (not durable); its redelivery is a duplicate',
  );
  assert.ok(sent.filter((v) => v === sent[0]).length >= 2, 'the service did redeliver it');
  assert.equal(shown('fsync failed'), 1, 'shown once');
  assert.equal(h.engine.history.list().filter((e) => e.body === 'fsync failed').length, 1, 'one fate for the message');
  assert.ok(
    h.logger.lines.some((l) => l.includes('fsync failed') && l.includes('EIO')),
    'the failure is logged with its code',
  );
  assert.ok(!h.logger.lines.some((l) => l.includes('fsync failed') && l.includes(sub.endpoint)), 'no endpoint in logs');

  // The disk works again: the next message is acked 100 once durable.
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(await send(sub, 'after the failure'), 201);
  await waitFor('shown', () => shown('after the failure') === 1);
  await waitFor('its fsync started', () => fsync.waiting === 1);
  fsync.release();
  const version = sent[sent.length - 1];
  await waitFor('acked', () => acks.some((a) => a.version === version));
  assert.deepEqual(
    acks.filter((a) => a.version === version).map((a) => a.code),
    [100],
  );
});
