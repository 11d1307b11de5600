// Scenarios: a subscription made by the engine receives what `web-push` sends through the local push service.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startPushService, type PushService } from '../../../tools/push-service/index.ts';
import { countBodies, send, sendStatus, startEngine, waitFor, type Harness } from '../../support/engine-harness.ts';

describe('delivery through the local push service', () => {
  let service: PushService;
  let h: Harness;

  before(async () => {
    // autopush drops a UAID that drains more than 150 stored messages in one session; the backlog test needs more.
    service = await startPushService({ maxMessagesPerSession: 10_000 });
    h = await startEngine(service.wsUrl);
  });
  after(async () => {
    await h.stop();
    await service.close();
  });

  for (const encoding of ['aes128gcm', 'aesgcm'] as const) {
    test(`a ${encoding} text message is shown with the label as title and the text as body`, async () => {
      const sub = await h.engine.subscribe({ kind: 'endpoint', label: `Label ${encoding}` });
      assert.equal(await send(sub, `hello via ${encoding}`, { encoding }), 201);
      await waitFor('notification', () => h.notifier.shown.some((n) => n.body === `hello via ${encoding}`));
      const n = h.notifier.shown.find((x) => x.body === `hello via ${encoding}`)!;
      assert.equal(n.title, `Label ${encoding}`);
      assert.equal(n.subscriptionId, sub.id);
    });

    test(`an empty ${encoding} push and a 4096-byte ${encoding} body both arrive`, async () => {
      const sub = await h.engine.subscribe({ kind: 'endpoint', label: 'sizes' });
      const before = h.notifier.shown.length;
      assert.equal(await send(sub, null, { encoding }), 201);
      // web-push pads nothing: aes128gcm adds 86 header + 17 bytes per record, aesgcm 2 + 16.
      const big = 'x'.repeat(encoding === 'aes128gcm' ? 4096 - 86 - 17 : 4096 - 18);
      assert.equal(await send(sub, big, { encoding }), 201);
      await waitFor('two notifications', () => h.notifier.shown.length >= before + 2);
      const mine = h.notifier.shown.slice(before).filter((n) => n.subscriptionId === sub.id);
      assert.deepEqual(
        mine.map((n) => n.body),
        ['New message', big],
        'the whole body: only the screen caps it',
      );
    });
  }

  test('a JSON payload with title, body, tag and url is shown with those fields; markup stays text', async () => {
    const sub = await h.engine.subscribe({ kind: 'endpoint', label: 'json' });
    await send(
      sub,
      JSON.stringify({ title: '<b>Hi</b>', body: '<script>x()</script>', tag: 't1', url: 'https://example.org/a' }),
    );
    await waitFor('json notification', () => h.notifier.shown.some((n) => n.tag === 't1'));
    const n = h.notifier.shown.find((x) => x.tag === 't1')!;
    assert.equal(n.title, '<b>Hi</b>');
    assert.equal(n.body, '<script>x()</script>');
    assert.equal(n.navigate, 'https://example.org/a');
  });

  test('a Declarative Web Push message is shown as declared', async () => {
    const sub = await h.engine.subscribe({ kind: 'endpoint', label: 'dwp' });
    await send(
      sub,
      JSON.stringify({
        web_push: 8030,
        notification: { title: 'Declared', body: 'from DWP', navigate: 'https://example.org/x' },
      }),
    );
    await waitFor('declarative notification', () => h.notifier.shown.some((n) => n.title === 'Declared'));
    assert.equal(h.notifier.shown.find((n) => n.title === 'Declared')!.source, 'declarative');
  });

  test('TTL 0 is delivered while the agent is online', async () => {
    const sub = await h.engine.subscribe({ kind: 'endpoint', label: 'ttl0' });
    assert.equal(await send(sub, 'ttl zero online', { ttl: 0 }), 201);
    await waitFor('ttl0 notification', () => h.notifier.shown.some((n) => n.body === 'ttl zero online'));
  });

  test('a message with the same Topic replaces the undelivered one while the agent is offline', async () => {
    const sub = await h.engine.subscribe({ kind: 'endpoint', label: 'topic' });
    // Offline: the agent stops; the service keeps what arrives meanwhile.
    await h.stop();
    await send(sub, 'first', { topic: 'news' });
    await send(sub, 'second', { topic: 'news' });
    assert.equal(await send(sub, 'ttl zero offline', { ttl: 0 }), 201);
    const again = await startEngine(service.wsUrl, {}, h.dataDir);
    h = again;
    await waitFor('topic notification', () => h.notifier.shown.some((n) => n.body === 'second'));
    await h.engine.idle();
    const bodies = h.notifier.shown.map((n) => n.body);
    assert.ok(!bodies.includes('first'), 'the replaced message must not be shown');
    assert.ok(!bodies.includes('ttl zero offline'), 'TTL 0 is dropped while offline');
  });

  test('an offline backlog of 500 is drained with every message shown exactly once', async () => {
    const sub = await h.engine.subscribe({ kind: 'endpoint', label: 'backlog' });
    await h.stop();
    for (let i = 0; i < 500; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, j) =>
          send(sub, `backlog ${i + j}`, { encoding: (i + j) % 2 ? 'aesgcm' : 'aes128gcm' }),
        ),
      );
    }
    h = await startEngine(service.wsUrl, {}, h.dataDir);
    await waitFor(
      '500 notifications',
      () => h.notifier.shown.filter((n) => n.subscriptionId === sub.id).length >= 500,
      30_000,
    );
    await h.engine.idle();
    const counts = countBodies(h.notifier.shown.filter((n) => n.subscriptionId === sub.id));
    assert.equal(counts.size, 500);
    assert.ok(
      [...counts.values()].every((c) => c === 1),
      'each exactly once',
    );
  });

  test('unsubscribing makes the endpoint answer 410', async () => {
    const sub = await h.engine.subscribe({ kind: 'endpoint', label: 'gone' });
    assert.equal(await h.engine.unsubscribe(sub.id), true);
    assert.equal(await sendStatus(sub, 'after unsubscribe'), 410);
    assert.equal(
      h.engine.list().some((s) => s.id === sub.id),
      false,
    );
  });

  test('a subscription bound to an application server key needs that key to send', async () => {
    const vapid = (await import('web-push')).default.generateVAPIDKeys();
    const other = (await import('web-push')).default.generateVAPIDKeys();
    const sub = await h.engine.subscribe({ kind: 'endpoint', label: 'vapid', applicationServerKey: vapid.publicKey });
    assert.match(sub.endpoint, /\/wpush\/v2\//);
    assert.equal(await sendStatus(sub, 'wrong key', { vapid: other }), 401);
    assert.equal(await send(sub, 'right key', { vapid }), 201);
    await waitFor('vapid notification', () => h.notifier.shown.some((n) => n.body === 'right key'));
  });

  test('an invalid application server key is refused with a typed error and creates nothing', async () => {
    const before = h.engine.list().length;
    await assert.rejects(h.engine.subscribe({ kind: 'endpoint', applicationServerKey: 'AAAA' }), {
      name: 'SubscribeError',
      kind: 'invalid-key',
    });
    assert.equal(h.engine.list().length, before);
  });
});
