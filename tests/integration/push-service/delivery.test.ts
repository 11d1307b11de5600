// HTTP send -> WebSocket delivery (docs/protocol-notes.md §1 notification/ack/delivery, §2 headers), with web-push as
// the
// independent sender and the delivered bytes decrypted with the receiver's keys.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { PushService } from '../../../tools/push-service/index.ts';
import { RawPushClient, sendWebPush } from '../../support/raw-push-client.ts';
import { decrypt, registered, request, startService, type Registered } from './helpers.ts';

describe('push service: delivery', () => {
  let service: PushService;
  let clock = Date.now();
  before(async () => {
    service = await startService({ now: () => clock });
  });
  after(() => service.close());

  /** Registers, then disconnects: messages sent now are stored. */
  async function offline(): Promise<Registered> {
    const r = await registered(service);
    await r.client.close();
    return r;
  }
  async function reconnect(r: Registered): Promise<RawPushClient> {
    const c = await RawPushClient.connect(service.wsUrl);
    assert.equal((await c.hello(r.client.uaid)).uaid, r.client.uaid);
    return c;
  }

  for (const contentEncoding of ['aes128gcm', 'aesgcm'] as const) {
    it(`delivers a ${contentEncoding} payload to a connected client, headers passed along, bytes intact`, async () => {
      const r = await registered(service);
      const res = await sendWebPush(r.endpoint, r.keys, `hello ${contentEncoding}`, { TTL: 60, contentEncoding });
      assert.equal(res.statusCode, 201);
      assert.match(String(res.headers.location), new RegExp(`^${service.httpUrl}/m/[A-Za-z0-9_-]+$`));
      assert.equal(res.headers.ttl, '60');
      const note = await r.client.next();
      assert.deepEqual(Object.keys(note), ['messageType', 'channelID', 'version', 'data', 'headers']);
      assert.equal(note.messageType, 'notification');
      assert.equal(note.channelID, r.channelID);
      assert.equal(note.version, String(res.headers.location).split('/').pop());
      assert.doesNotMatch(note.data as string, /[=+/]/);
      const headers = note.headers as Record<string, string>;
      assert.equal(headers.encoding, contentEncoding);
      if (contentEncoding === 'aesgcm') {
        assert.match(headers.encryption!, /^salt=[A-Za-z0-9_-]+$/);
        assert.match(headers.crypto_key!, /dh=[A-Za-z0-9_-]+/);
      } else {
        assert.equal(headers.encryption, undefined);
        assert.equal(headers.crypto_key, undefined);
      }
      assert.equal(decrypt(note, r.keys), `hello ${contentEncoding}`);
      r.client.ack(r.channelID, note.version as string);
      await r.client.close();
    });

    it(`delivers a stored ${contentEncoding} payload after hello`, async () => {
      const r = await offline();
      assert.equal((await sendWebPush(r.endpoint, r.keys, 'while away', { TTL: 60, contentEncoding })).statusCode, 201);
      const c = await reconnect(r);
      const note = await c.next();
      assert.equal(decrypt(note, r.keys), 'while away');
      await c.close();
    });
  }

  it('a message without a body has neither data nor headers, connected or stored', async () => {
    const r = await registered(service);
    await sendWebPush(r.endpoint, r.keys, null, { TTL: 60 });
    const live = await r.client.next();
    assert.deepEqual(Object.keys(live), ['messageType', 'channelID', 'version']);
    r.client.ack(r.channelID, live.version as string);
    await r.client.close();
    // Crypto headers on an empty body are not passed along either.
    await request(r.endpoint, {
      headers: { TTL: '60', 'Content-Encoding': 'aesgcm', Encryption: 'salt=abc', 'Crypto-Key': 'dh=def' },
    });
    const c = await reconnect(r);
    assert.deepEqual(Object.keys(await c.next()), ['messageType', 'channelID', 'version']);
    await c.close();
  });

  it('quotes and base64 padding are stripped from Encryption and Crypto-Key', async () => {
    const r = await registered(service);
    const res = await request(r.endpoint, {
      headers: {
        TTL: '60',
        'Content-Encoding': 'aesgcm',
        Encryption: 'salt="c2FsdA=="; rs=4096',
        'Crypto-Key': 'keyid="p256dh";dh="ZGg=",p256ecdsa=a2V5',
      },
      body: Buffer.from('0123456789abcdef0123456789'),
    });
    assert.equal(res.status, 201);
    const note = await r.client.next();
    assert.deepEqual(note.headers, {
      encoding: 'aesgcm',
      encryption: 'salt=c2FsdA; rs=4096',
      crypto_key: 'keyid=p256dh;dh=ZGg,p256ecdsa=a2V5',
    });
    assert.equal(note.data, Buffer.from('0123456789abcdef0123456789').toString('base64url'));
    await r.client.close();
  });

  it('TTL missing or not a number: 400 errno 111; negative: 400 errno 114; huge: clamped to 30 days', async () => {
    const r = await offline();
    for (const headers of [{}, { TTL: 'abc' }, { TTL: '1.5' }, { TTL: '' }] as Array<Record<string, string>>) {
      const res = await request(r.endpoint, { headers });
      assert.equal(res.status, 400, JSON.stringify(headers));
      assert.deepEqual([res.json?.code, res.json?.errno], [400, 111]);
      assert.equal(typeof res.json?.error, 'string');
    }
    const neg = await request(r.endpoint, { headers: { TTL: '-1' } });
    assert.deepEqual([neg.status, neg.json?.errno], [400, 114]);
    const huge = await request(r.endpoint, { headers: { TTL: String(400 * 24 * 3600) } });
    assert.equal(huge.status, 201);
    assert.equal(huge.headers.get('ttl'), String(30 * 24 * 3600));
  });

  it('TTL 0 is delivered to a connected client and dropped for an offline one (still 201)', async () => {
    const r = await registered(service);
    assert.equal((await sendWebPush(r.endpoint, r.keys, 'now or never', { TTL: 0 })).statusCode, 201);
    const note = await r.client.next();
    assert.equal(decrypt(note, r.keys), 'now or never');
    r.client.ack(r.channelID, note.version as string);
    await r.client.close();
    const stored = service.stats().stored;
    assert.equal((await sendWebPush(r.endpoint, r.keys, 'lost', { TTL: 0 })).statusCode, 201);
    assert.equal(service.stats().stored, stored);
    const c = await reconnect(r);
    assert.equal(await c.maybeNext(150), undefined);
    await c.close();
  });

  it('expired messages are skipped; the live one after them is delivered', async () => {
    const r = await offline();
    for (let i = 0; i < 12; i++) await sendWebPush(r.endpoint, r.keys, `old ${i}`, { TTL: 1 });
    await sendWebPush(r.endpoint, r.keys, 'fresh', { TTL: 600 });
    clock += 2000;
    const c = await reconnect(r);
    const note = await c.next();
    assert.equal(decrypt(note, r.keys), 'fresh');
    assert.equal(await c.maybeNext(150), undefined);
    await c.close();
  });

  it('ack by version deletes; an unknown version is ignored; one ack may carry several updates', async () => {
    const r = await offline();
    for (const text of ['a', 'b', 'c']) await sendWebPush(r.endpoint, r.keys, text, { TTL: 60 });
    const c = await reconnect(r);
    const [a, b, cc] = await c.take(3);
    c.send({ messageType: 'ack', updates: [{ channelID: r.channelID, version: 'no-such-version', code: 100 }] });
    c.send({
      messageType: 'ack',
      updates: [
        { channelID: r.channelID, version: a!.version, code: 100 },
        { channelID: r.channelID, version: b!.version, code: 101 },
      ],
    });
    c.send({ messageType: 'nack', version: cc!.version, code: 301 });
    await c.close();
    const again = await reconnect(r);
    const [left] = await again.take(1);
    assert.equal(left!.version, cc!.version, 'nack neither deletes nor requeues differently');
    assert.equal(await again.maybeNext(100), undefined);
    again.ack(r.channelID, left!.version as string);
    await again.close();
  });

  it('unacked messages come again only on the next connection, with the same version', async () => {
    const r = await registered(service);
    await sendWebPush(r.endpoint, r.keys, 'direct', { TTL: 60 });
    const first = await r.client.next();
    assert.equal(await r.client.maybeNext(150), undefined, 'not resent on the same connection');
    await r.client.close();
    const c = await reconnect(r);
    const second = await c.next();
    assert.equal(second.version, first.version);
    assert.equal(decrypt(second, r.keys), 'direct');
    c.ack(r.channelID, second.version as string);
    await c.close();
    const d = await reconnect(r);
    assert.equal(await d.maybeNext(150), undefined);
    await d.close();
  });

  it('stored messages go out in batches of 10: the next batch only after all of the current one is acked', async () => {
    const r = await offline();
    for (let i = 0; i < 25; i++) await sendWebPush(r.endpoint, r.keys, null, { TTL: 60 });
    const c = await reconnect(r);
    const batch1 = await c.take(10);
    assert.equal(await c.maybeNext(150), undefined, 'waits for acks');
    for (const n of batch1.slice(0, 9)) c.ack(r.channelID, n.version as string);
    assert.equal(await c.maybeNext(150), undefined, 'one still unacked');
    c.ack(r.channelID, batch1[9]!.version as string);
    const batch2 = await c.take(10);
    assert.equal(await c.maybeNext(100), undefined);
    c.send({
      messageType: 'ack',
      updates: batch2.map((n) => ({ channelID: r.channelID, version: n.version, code: 100 })),
    });
    const batch3 = await c.take(5);
    assert.equal(await c.maybeNext(100), undefined);
    const versions = new Set([...batch1, ...batch2, ...batch3].map((n) => n.version));
    assert.equal(versions.size, 25);
    await c.close();
  });

  it('a new message while connected goes out at once even while a stored batch awaits acks', async () => {
    const r = await offline();
    for (let i = 0; i < 10; i++) await sendWebPush(r.endpoint, r.keys, null, { TTL: 60 });
    const c = await reconnect(r);
    await c.take(10);
    await sendWebPush(r.endpoint, r.keys, 'live', { TTL: 60 });
    assert.equal(decrypt(await c.next(), r.keys), 'live');
    await c.close();
  });

  it('Topic replaces an undelivered message with the same topic on that subscription', async () => {
    const r = await offline();
    await sendWebPush(r.endpoint, r.keys, 'first', { TTL: 60, topic: 'inbox' });
    await sendWebPush(r.endpoint, r.keys, 'other', { TTL: 60, topic: 'other' });
    await sendWebPush(r.endpoint, r.keys, 'second', { TTL: 60, topic: 'inbox' });
    const c = await reconnect(r);
    const got = (await c.take(2)).map((n) => decrypt(n, r.keys));
    assert.deepEqual(got.sort(), ['other', 'second']);
    assert.equal(await c.maybeNext(100), undefined);
    await c.close();
  });

  it('Topic longer than 32 characters or outside base64url: 400 errno 113', async () => {
    const r = await offline();
    for (const topic of ['a'.repeat(33), 'with space', 'slash/no', '']) {
      const res = await request(r.endpoint, { headers: { TTL: '60', Topic: topic } });
      assert.deepEqual([res.status, res.json?.errno], [400, 113], topic);
    }
    assert.equal(
      (await request(r.endpoint, { headers: { TTL: '60', Topic: 'a-test-topic-which-is-just-right' } })).status,
      201,
    );
  });

  it('Content-Encoding rules: required with a body, aes128gcm|aesgcm only, aesgcm needs salt and dh, aes128gcm forbids them', async () => {
    const r = await offline();
    const body = Buffer.alloc(40, 1);
    const cases: Array<Record<string, string>> = [
      {},
      { 'Content-Encoding': 'gzip' },
      { 'Content-Encoding': 'aesgcm128' },
      { 'Content-Encoding': 'aesgcm', 'Crypto-Key': 'dh=abc' },
      { 'Content-Encoding': 'aesgcm', Encryption: 'salt=abc' },
      { 'Content-Encoding': 'aesgcm', Encryption: 'salt=a+b', 'Crypto-Key': 'dh=abc' },
      { 'Content-Encoding': 'aes128gcm', Encryption: 'salt=abc' },
      { 'Content-Encoding': 'aes128gcm', 'Crypto-Key': 'dh=abc' },
    ];
    for (const h of cases) {
      const res = await request(r.endpoint, { headers: { TTL: '60', ...h }, body });
      assert.deepEqual([res.status, res.json?.errno], [400, 110], JSON.stringify(h));
    }
    const ok = await request(r.endpoint, {
      headers: { TTL: '60', 'Content-Encoding': 'aes128gcm', 'Crypto-Key': 'p256ecdsa=abc' },
      body,
    });
    assert.equal(ok.status, 201);
  });

  it('Urgency values are accepted and never reach the client', async () => {
    const r = await registered(service);
    for (const urgency of ['very-low', 'low', 'normal', 'high'] as const) {
      assert.equal((await sendWebPush(r.endpoint, r.keys, 'u', { TTL: 60, urgency, topic: 'T1' })).statusCode, 201);
      const note = await r.client.next();
      assert.equal(note.urgency, undefined);
      assert.equal(note.topic, undefined);
      assert.equal(note.ttl, undefined);
      r.client.ack(r.channelID, note.version as string);
    }
    await r.client.close();
  });

  it('bodies up to 5630 bytes are accepted; larger ones get 413 errno 104', async () => {
    const r = await offline();
    const headers = { TTL: '60', 'Content-Encoding': 'aes128gcm' };
    assert.equal((await request(r.endpoint, { headers, body: Buffer.alloc(4096, 2) })).status, 201);
    assert.equal((await request(r.endpoint, { headers, body: Buffer.alloc(5630, 2) })).status, 201);
    const big = await request(r.endpoint, { headers, body: Buffer.alloc(5631, 2) });
    assert.deepEqual([big.status, big.json?.errno], [413, 104]);
    const huge = await request(r.endpoint, { headers, body: Buffer.alloc(2_000_000, 2) });
    assert.equal(huge.status, 413);
  });

  it('DELETE /m/<id> of a stored message answers 204 and it is not delivered', async () => {
    const r = await offline();
    const res = await sendWebPush(r.endpoint, r.keys, 'regret', { TTL: 60 });
    await sendWebPush(r.endpoint, r.keys, 'keep', { TTL: 60 });
    const del = await request(String(res.headers.location), { method: 'DELETE' });
    assert.equal(del.status, 204);
    assert.equal((await request(String(res.headers.location), { method: 'DELETE' })).status, 204, 'idempotent');
    assert.equal((await request(`${service.httpUrl}/m/not-a-message-id`, { method: 'DELETE' })).status, 400);
    const c = await reconnect(r);
    assert.equal(decrypt(await c.next(), r.keys), 'keep');
    assert.equal(await c.maybeNext(100), undefined);
    await c.close();
  });

  it('unknown paths and wrong methods get JSON errors', async () => {
    const r = await offline();
    const get = await request(r.endpoint, { method: 'GET' });
    assert.equal(get.status, 405);
    assert.equal(get.json?.code, 405);
    const nowhere = await request(`${service.httpUrl}/nowhere`, { method: 'GET' });
    assert.equal(nowhere.status, 404);
    assert.equal(nowhere.json?.code, 404);
  });
});
