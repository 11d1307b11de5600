// Keepalive, the per-session message limit, memory caps, hostile and slow clients, the experimental urgency
// message, legacy SimplePush, and the test helpers the service exposes (events, stats, fault injection).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RawPushClient, newChannelId, sendWebPush } from '../../support/raw-push-client.ts';
import { registered, request, sleep, startService, until } from './helpers.ts';

describe('push service: keepalive', () => {
  it('`{}` is answered with `{}`; a second one sooner than the minimum spacing closes 1011', async () => {
    const service = await startService({ clientPingMinIntervalMs: 300 });
    try {
      const c = await RawPushClient.connect(service.wsUrl);
      await c.hello();
      c.sendText('{}');
      assert.deepEqual(await c.next(), {});
      await sleep(320);
      c.sendText('{}');
      assert.deepEqual(await c.next(), {});
      assert.equal(c.rawFrames.at(-1), '{}');
      c.sendText('{}');
      assert.equal((await c.closed).code, 1011);
    } finally {
      await service.close();
    }
  });

  it('sends WebSocket pings; a client that never answers is closed 1011 after the pong timeout', async () => {
    const service = await startService({ pingIntervalMs: 100, pongTimeoutMs: 100 });
    try {
      const good = await RawPushClient.connect(service.wsUrl);
      await good.hello();
      let pings = 0;
      good.ws.on('ping', () => pings++);
      const mute = await RawPushClient.connect(service.wsUrl, { autoPong: false });
      await mute.hello();
      assert.equal((await mute.closed).code, 1011);
      await sleep(150);
      assert.ok(pings >= 2, `pings seen: ${pings}`);
      assert.ok(good.isOpen, 'a client that answers stays connected');
      await good.close();
    } finally {
      await service.close();
    }
  });
});

describe('push service: message limit', () => {
  it('more stored messages than the limit drained in one session: UAID deleted, close 1000, next hello gets a new one', async () => {
    const limit = 20;
    const service = await startService({ maxMessagesPerSession: limit });
    try {
      const r = await registered(service);
      const uaid = r.client.uaid!;
      await r.client.close();
      for (let i = 0; i < limit + 1; i++)
        assert.equal((await sendWebPush(r.endpoint, r.keys, null, { TTL: 60 })).statusCode, 201);
      const c = await RawPushClient.connect(service.wsUrl);
      assert.equal((await c.hello(uaid)).uaid, uaid);
      for (let i = 0; i < limit; i++) {
        const n = await c.next();
        c.ack(n.channelID as string, n.version as string);
      }
      assert.equal((await c.closed).code, 1000);
      const res = await sendWebPush(r.endpoint, r.keys, null, { TTL: 60 });
      assert.equal(res.statusCode, 410);
      assert.equal((JSON.parse(res.body) as { errno: number }).errno, 103);
      const again = await RawPushClient.connect(service.wsUrl);
      assert.notEqual((await again.hello(uaid)).uaid, uaid);
      await again.close();
    } finally {
      await service.close();
    }
  });

  it('exactly the limit is fine', async () => {
    const service = await startService({ maxMessagesPerSession: 10 });
    try {
      const r = await registered(service);
      await r.client.close();
      for (let i = 0; i < 10; i++) await sendWebPush(r.endpoint, r.keys, null, { TTL: 60 });
      const c = await RawPushClient.connect(service.wsUrl);
      await c.hello(r.client.uaid);
      for (const n of await c.take(10)) c.ack(r.channelID, n.version as string);
      assert.equal(await c.maybeNext(150), undefined);
      assert.ok(c.isOpen);
      await c.close();
    } finally {
      await service.close();
    }
  });
});

describe('push service: caps and hostile clients', () => {
  it('a hostile client does not disturb another client', async () => {
    const service = await startService();
    try {
      const victim = await registered(service);
      const hostile = [
        'not json',
        '\u0000\u0001',
        '{"messageType":"hello","uaid":{"$gt":""}}',
        '{'.repeat(10_000),
        JSON.stringify({ messageType: 'register', channelID: 'x'.repeat(1000) }),
      ];
      for (const text of hostile) {
        const h = await RawPushClient.connect(service.wsUrl);
        h.sendText(text);
        await h.closed;
      }
      // An oversized frame is refused by the WebSocket layer (1009).
      const big = await RawPushClient.connect(service.wsUrl);
      big.sendText(JSON.stringify({ messageType: 'hello', pad: 'x'.repeat(100_000) }));
      assert.equal((await big.closed).code, 1009);
      // A flood of registers and acks for versions it does not own.
      const flood = await RawPushClient.connect(service.wsUrl);
      await flood.hello();
      for (let i = 0; i < 200; i++)
        flood.send({ messageType: 'ack', updates: [{ channelID: victim.channelID, version: `v${i}` }] });
      // Garbage HTTP at the victim's endpoint.
      await request(victim.endpoint, { headers: { TTL: 'x' } });
      await request(`${victim.endpoint}A`, { headers: { TTL: '1' } });
      const res = await sendWebPush(victim.endpoint, victim.keys, 'still here', { TTL: 60 });
      assert.equal(res.statusCode, 201);
      const note = await victim.client.next();
      assert.equal(note.channelID, victim.channelID);
      await flood.close();
      await victim.client.close();
    } finally {
      await service.close();
    }
  });

  it("a client acking another UAID's versions does not delete them", async () => {
    const service = await startService();
    try {
      const victim = await registered(service);
      await victim.client.close();
      const sent = await sendWebPush(victim.endpoint, victim.keys, null, { TTL: 60 });
      const version = String(sent.headers.location).split('/').pop()!;
      const thief = await registered(service);
      thief.client.ack(victim.channelID, version);
      await sleep(50);
      const c = await RawPushClient.connect(service.wsUrl);
      await c.hello(victim.client.uaid);
      assert.equal((await c.next()).version, version);
      await c.close();
      await thief.client.close();
    } finally {
      await service.close();
    }
  });

  it('channels per UAID: register beyond the cap gets status 500', async () => {
    const service = await startService({ maxChannelsPerUaid: 2 });
    try {
      const c = await RawPushClient.connect(service.wsUrl);
      await c.hello();
      assert.equal((await c.register()).status, 200);
      const second = newChannelId();
      assert.equal((await c.register(second)).status, 200);
      assert.equal((await c.register()).status, 500);
      assert.equal((await c.register(second)).status, 200, 're-register of an existing channel still works');
      await c.close();
    } finally {
      await service.close();
    }
  });

  it('stored messages per channel: beyond the cap 503 errno 201 with Retry-After', async () => {
    const service = await startService({ maxStoredPerChannel: 3 });
    try {
      const r = await registered(service);
      await r.client.close();
      for (let i = 0; i < 3; i++)
        assert.equal((await sendWebPush(r.endpoint, r.keys, null, { TTL: 60 })).statusCode, 201);
      const res = await request(r.endpoint, { headers: { TTL: '60' } });
      assert.deepEqual([res.status, res.json?.errno], [503, 201]);
      assert.equal(res.headers.get('retry-after'), '120');
      assert.equal((await request(r.endpoint, { headers: { TTL: '60', Topic: 'x' } })).status, 503);
      assert.equal(service.stats().stored, 3);
    } finally {
      await service.close();
    }
  });

  it('a slow reader is closed once its queued bytes pass the cap; others are unaffected', async () => {
    const service = await startService({ maxQueuedBytesPerConnection: 64 * 1024, closeTimeoutMs: 200 });
    try {
      const fast = await registered(service);
      const slow = await registered(service);
      slow.client.ws.pause(); // stop reading: the kernel buffers fill, then the service's queue grows
      const body = Buffer.alloc(4000, 3);
      const headers = { TTL: '60', 'Content-Encoding': 'aes128gcm' };
      let closedAt = -1;
      void slow.client.closed.then(() => (closedAt = sent));
      let sent = 0;
      for (; sent < 3000 && closedAt < 0 && service.stats().connections === 2; sent++) {
        await request(slow.endpoint, { headers, body });
      }
      await until(() => service.stats().connections === 1, 3000);
      assert.ok(sent < 3000, 'closed before the sender gave up');
      await sendWebPush(fast.endpoint, fast.keys, 'fine', { TTL: 60 });
      assert.equal((await fast.client.next()).channelID, fast.channelID);
      slow.client.ws.resume();
      await fast.client.close();
    } finally {
      await service.close();
    }
  });
});

describe('push service: urgency (experimental)', () => {
  it('off by default: an `urgency` message closes 1011 like production', async () => {
    const service = await startService();
    try {
      const c = await RawPushClient.connect(service.wsUrl);
      await c.hello();
      c.send({ messageType: 'urgency', min: 'high' });
      assert.equal((await c.closed).code, 1011);
    } finally {
      await service.close();
    }
  });

  it('on: answers status 200, withholds messages below the minimum, releases them when it is lowered', async () => {
    const service = await startService({ urgency: true });
    try {
      const r = await registered(service);
      r.client.send({ messageType: 'urgency', min: 'high' });
      assert.deepEqual(await r.client.next(), { messageType: 'urgency', status: 200 });
      assert.equal(service.lastUrgency(r.client.uaid!), 'high');
      await sendWebPush(r.endpoint, r.keys, null, { TTL: 60, urgency: 'low' });
      await sendWebPush(r.endpoint, r.keys, null, { TTL: 60, urgency: 'high' });
      const first = await r.client.next();
      assert.equal(await r.client.maybeNext(100), undefined, 'the low one is held back');
      r.client.ack(r.channelID, first.version as string);
      r.client.send({ messageType: 'urgency', min: 'very-low' });
      assert.deepEqual(await r.client.next(), { messageType: 'urgency', status: 200 });
      const held = await r.client.next();
      assert.notEqual(held.version, first.version);
      r.client.send({ messageType: 'urgency', min: 'urgent!' });
      assert.equal((await r.client.closed).code, 1011);
    } finally {
      await service.close();
    }
  });
});

describe('push service: legacy SimplePush', () => {
  it('PUT /spush/v1/<token> version=N: 200 {} and an `updates` notification to a client without use_webpush', async () => {
    const service = await startService();
    try {
      const c = await RawPushClient.connect(service.wsUrl);
      c.send({ messageType: 'hello', channelIDs: [] });
      const hello = await c.next();
      assert.equal(hello.use_webpush, undefined);
      const channelID = newChannelId();
      const reg = await c.register(channelID);
      assert.match(reg.pushEndpoint as string, /\/spush\/v1\//);
      const put = await request(reg.pushEndpoint as string, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'version=5',
      });
      assert.equal(put.status, 200);
      assert.deepEqual(put.json, {});
      assert.deepEqual(await c.next(), { messageType: 'notification', updates: [{ channelID, version: 5 }] });
      c.ack(channelID, 5);
      assert.equal((await request(reg.pushEndpoint as string, { method: 'PUT', body: 'version=x' })).status, 400);
      await c.close();
      // Stored while offline: only the newest version of the channel is kept.
      await request(reg.pushEndpoint as string, { method: 'PUT', body: 'version=6' });
      await request(reg.pushEndpoint as string, { method: 'PUT', body: 'version=7' });
      const again = await RawPushClient.connect(service.wsUrl);
      again.send({ messageType: 'hello', uaid: hello.uaid });
      await again.next();
      assert.deepEqual(await again.next(), { messageType: 'notification', updates: [{ channelID, version: 7 }] });
      assert.equal(await again.maybeNext(100), undefined);
      await again.close();
    } finally {
      await service.close();
    }
  });

  it('a webpush client gets a SimplePush update as a data-less notification', async () => {
    const service = await startService();
    try {
      const r = await registered(service);
      const token = r.endpoint.split('/').pop()!;
      assert.equal(
        (await request(`${service.httpUrl}/spush/v1/${token}`, { method: 'PUT', body: 'version=9' })).status,
        200,
      );
      const note = await r.client.next();
      assert.deepEqual(Object.keys(note), ['messageType', 'channelID', 'version']);
      assert.equal(typeof note.version, 'string');
      await r.client.close();
    } finally {
      await service.close();
    }
  });
});

describe('push service: test helpers', () => {
  it('events and stats report what happened', async () => {
    const service = await startService();
    try {
      const seen: string[] = [];
      for (const e of ['client-message', 'notification-sent', 'ack', 'nack']) service.events.on(e, () => seen.push(e));
      const r = await registered(service);
      await sendWebPush(r.endpoint, r.keys, 'x', { TTL: 60 });
      const n = await r.client.next();
      r.client.send({ messageType: 'nack', version: n.version, code: 302 });
      r.client.ack(r.channelID, n.version as string);
      await until(() => seen.includes('ack'));
      assert.deepEqual([...new Set(seen)].sort(), ['ack', 'client-message', 'nack', 'notification-sent']);
      assert.deepEqual(service.stats(), { connections: 1, uaids: 1, channels: 1, stored: 0, delivered: 1, acked: 1 });
      await r.client.close();
      await until(() => service.stats().connections === 0);
    } finally {
      await service.close();
    }
  });

  it('setFrameDelay delays frames in order; dropConnections closes with a code or abruptly', async () => {
    const service = await startService();
    try {
      const r = await registered(service);
      service.setFrameDelay(150);
      const t0 = performance.now();
      await sendWebPush(r.endpoint, r.keys, 'one', { TTL: 60 });
      await sendWebPush(r.endpoint, r.keys, 'two', { TTL: 60 });
      const [a, b] = await r.client.take(2);
      assert.ok(performance.now() - t0 >= 140);
      assert.notEqual(a!.version, b!.version);
      service.setFrameDelay(0);
      service.dropConnections(4000);
      assert.equal((await r.client.closed).code, 4000);
      const c = await RawPushClient.connect(service.wsUrl);
      await c.hello();
      service.dropConnections();
      assert.equal((await c.closed).code, 1006);
    } finally {
      await service.close();
    }
  });
});
