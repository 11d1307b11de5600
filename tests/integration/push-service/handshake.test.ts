// hello and the rules about what may come first (docs/protocol-notes.md §1 "hello"), close codes for bad input.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { PushService } from '../../../tools/push-service/index.ts';
import { RawPushClient } from '../../support/raw-push-client.ts';
import { registered, startService } from './helpers.ts';

const UAID = /^[0-9a-f]{32}$/;

describe('push service: hello', () => {
  let service: PushService;
  before(async () => {
    service = await startService({ helloTimeoutMs: 300 });
  });
  after(() => service.close());

  it('hello without a uaid gets a fresh 32-hex UAID and the full reply shape', async () => {
    const c = await RawPushClient.connect(service.wsUrl);
    const reply = await c.hello();
    assert.match(reply.uaid as string, UAID);
    assert.deepEqual(reply, { messageType: 'hello', uaid: reply.uaid, status: 200, use_webpush: true, broadcasts: {} });
    await c.close();
  });

  it('hello with an empty, garbage or unknown uaid silently gets a new one, not stored before register', async () => {
    const before = service.stats().uaids;
    for (const uaid of [
      '',
      'garbage!',
      'ffffffffffffffffffffffffffffffff',
      'not-a-uuid-0000-0000-000000000000',
      null,
    ]) {
      const c = await RawPushClient.connect(service.wsUrl);
      c.send({ messageType: 'hello', use_webpush: true, uaid });
      const reply = await c.next();
      assert.equal(reply.status, 200);
      assert.match(reply.uaid as string, UAID);
      assert.notEqual(reply.uaid, uaid);
      await c.close();
    }
    assert.equal(service.stats().uaids, before);
  });

  it('a known uaid is resumed, in any UUID spelling', async () => {
    const r = await registered(service);
    const uaid = r.client.uaid!;
    await r.client.close();
    const dashed =
      `${uaid.slice(0, 8)}-${uaid.slice(8, 12)}-${uaid.slice(12, 16)}-${uaid.slice(16, 20)}-${uaid.slice(20)}`.toUpperCase();
    const c = await RawPushClient.connect(service.wsUrl);
    assert.equal((await c.hello(dashed)).uaid, uaid);
    await c.close();
  });

  it('a non-hello first message closes 1011', async () => {
    for (const first of [
      { messageType: 'register', channelID: crypto.randomUUID() },
      {},
      { messageType: 'ack', updates: [] },
    ]) {
      const c = await RawPushClient.connect(service.wsUrl);
      c.send(first);
      assert.equal((await c.closed).code, 1011, JSON.stringify(first));
    }
  });

  it('a second hello on the same socket closes 1011', async () => {
    const c = await RawPushClient.connect(service.wsUrl);
    await c.hello();
    c.send({ messageType: 'hello', use_webpush: true });
    assert.equal((await c.closed).code, 1011);
  });

  it('a binary frame closes 1003, before and after hello', async () => {
    const a = await RawPushClient.connect(service.wsUrl);
    a.sendBinary(Buffer.from('{"messageType":"hello"}'));
    assert.equal((await a.closed).code, 1003);
    const b = await RawPushClient.connect(service.wsUrl);
    await b.hello();
    b.sendBinary(Buffer.from([1, 2, 3]));
    assert.equal((await b.closed).code, 1003);
  });

  it('bad JSON, non-object JSON, unknown or missing messageType and wrong field types close 1011', async () => {
    const bad = [
      'not json',
      '[1,2]',
      '"hello"',
      '{"messageType":"bogus"}',
      '{"messageType":42}',
      '{"foo":1}',
      '{"messageType":"urgency","min":"high"}',
      '{"messageType":"register","channelID":42}',
      '{"messageType":"ack","updates":"x"}',
      '{"messageType":"ack","updates":[{"channelID":"x","version":{}}]}',
      '{"messageType":"unregister","channelID":"nope"}',
      '{"messageType":"broadcast_subscribe","broadcasts":[1]}',
      '{"messageType":"nack","version":7}',
    ];
    for (const text of bad) {
      const c = await RawPushClient.connect(service.wsUrl);
      await c.hello();
      c.sendText(text);
      assert.equal((await c.closed).code, 1011, text);
    }
    const c = await RawPushClient.connect(service.wsUrl);
    c.send({ messageType: 'hello', uaid: 5 });
    assert.equal((await c.closed).code, 1011, 'uaid of the wrong type');
  });

  it('no hello within the deadline closes 1011', async () => {
    const c = await RawPushClient.connect(service.wsUrl);
    const t0 = performance.now();
    assert.equal((await c.closed).code, 1011);
    assert.ok(performance.now() - t0 >= 250);
  });

  it('hello tolerates broadcasts, channelIDs and unknown fields', async () => {
    const c = await RawPushClient.connect(service.wsUrl);
    const reply = await c.hello(undefined, {
      broadcasts: { 'remote-settings/monitor_changes': '"123"' },
      channelIDs: ['x'],
      extra: { a: 1 },
    });
    assert.equal(reply.status, 200);
    c.send({ messageType: 'broadcast_subscribe', broadcasts: { 'a/b': 'v1' } });
    assert.equal(await c.maybeNext(100), undefined);
    assert.ok(c.isOpen);
    await c.close();
  });

  it('echoes the push-notification sub-protocol when asked, and accepts clients that ask for none', async () => {
    const a = await RawPushClient.connect(service.wsUrl, { protocols: ['push-notification'] });
    assert.equal(a.ws.protocol, 'push-notification');
    const b = await RawPushClient.connect(service.wsUrl);
    assert.equal(b.ws.protocol, '');
    await a.close();
    await b.close();
  });

  it('a second connection with the same UAID replaces the first (closed 1011)', async () => {
    const r = await registered(service);
    const second = await RawPushClient.connect(service.wsUrl);
    assert.equal((await second.hello(r.client.uaid)).uaid, r.client.uaid);
    assert.equal((await r.client.closed).code, 1011);
    assert.ok(second.isOpen);
    await second.close();
  });
});

describe('push service: sub-protocol echo off', () => {
  it('does not echo the sub-protocol, like production', async () => {
    const service = await startService({ echoSubprotocol: false });
    try {
      // `ws` refuses a handshake without the protocol it asked for; a raw upgrade shows what the service answers.
      const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
        const req = http.request(`${service.httpUrl}/`, {
          headers: {
            Connection: 'Upgrade',
            Upgrade: 'websocket',
            'Sec-WebSocket-Version': '13',
            'Sec-WebSocket-Key': Buffer.alloc(16, 7).toString('base64'),
            'Sec-WebSocket-Protocol': 'push-notification',
          },
        });
        req.on('upgrade', (r, socket) => {
          socket.destroy();
          resolve(r);
        });
        req.on('error', reject);
        req.end();
      });
      assert.equal(res.statusCode, 101);
      assert.equal(res.headers['sec-websocket-protocol'], undefined);
    } finally {
      await service.close();
    }
  });
});
