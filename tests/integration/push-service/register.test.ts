// register / unregister (docs/protocol-notes.md §1) and what the endpoints they hand out do afterwards (§2: 404, 410).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { PushService } from '../../../tools/push-service/index.ts';
import { RawPushClient, newChannelId, sendWebPush, vapidKeys } from '../../support/raw-push-client.ts';
import { registered, request, startService } from './helpers.ts';

describe('push service: register and unregister', () => {
  let service: PushService;
  let client: RawPushClient;
  before(async () => {
    service = await startService();
    client = await RawPushClient.connect(service.wsUrl);
    await client.hello();
  });
  after(async () => {
    await client.close();
    await service.close();
  });

  it('a lower-case dashed v4 channelID gets a v1 endpoint on the same origin', async () => {
    const channelID = newChannelId();
    const reply = await client.register(channelID);
    assert.equal(reply.status, 200);
    assert.equal(reply.channelID, channelID);
    assert.match(reply.pushEndpoint as string, new RegExp(`^${service.httpUrl}/wpush/v1/[A-Za-z0-9_-]+$`));
  });

  it('registering the same channel again is idempotent', async () => {
    const channelID = newChannelId();
    const a = await client.register(channelID);
    const b = await client.register(channelID);
    assert.equal(b.status, 200);
    const keys = (await registered(service)).keys;
    for (const endpoint of [a.pushEndpoint, b.pushEndpoint] as string[]) {
      assert.equal((await sendWebPush(endpoint, keys, null, { TTL: 60 })).statusCode, 201);
    }
    for (const note of await client.take(2)) {
      assert.equal(note.channelID, channelID);
      client.ack(channelID, note.version as string);
    }
  });

  it('an upper-case, undashed or non-v4 channelID closes the socket without a reply', async () => {
    const v4 = randomUUID();
    for (const channelID of [
      v4.toUpperCase(),
      v4.replace(/-/g, ''),
      `{${v4}}`,
      '00000000-0000-1000-8000-000000000000',
      '',
    ]) {
      const c = await RawPushClient.connect(service.wsUrl);
      await c.hello();
      c.send({ messageType: 'register', channelID });
      assert.equal((await c.closed).code, 1011, channelID);
      assert.equal(c.rawFrames.length, 1, 'only the hello reply');
    }
  });

  it('a key gives a v2 endpoint; padded and unpadded keys are both accepted', async () => {
    const { publicKey } = vapidKeys();
    const padded = Buffer.from(publicKey, 'base64url').toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
    assert.ok(padded.endsWith('='));
    for (const key of [publicKey, padded]) {
      const reply = await client.register(newChannelId(), key);
      assert.equal(reply.status, 200);
      assert.match(reply.pushEndpoint as string, /\/wpush\/v2\//);
    }
  });

  it('a key that does not decode to a P-256 point gets status 400 and the socket stays open', async () => {
    const notOnCurve = Buffer.alloc(65, 1);
    notOnCurve[0] = 4;
    for (const key of [
      'af1883%&!@#*(',
      'AAAA',
      Buffer.alloc(65, 0).toString('base64url'),
      notOnCurve.toString('base64url'),
    ]) {
      const reply = await client.register(newChannelId(), key);
      assert.equal(reply.status, 400, key);
    }
    assert.ok(client.isOpen);
  });

  it('unregister answers 200 for codes 200/201/202 and unknown channels; the endpoint then answers 410', async () => {
    const r = await registered(service);
    assert.equal((await sendWebPush(r.endpoint, r.keys, null, { TTL: 60 })).statusCode, 201);
    const note = await r.client.next();
    r.client.ack(r.channelID, note.version as string);
    assert.deepEqual(await r.client.unregister(r.channelID, 201), {
      messageType: 'unregister',
      channelID: r.channelID,
      status: 200,
    });
    const res = await sendWebPush(r.endpoint, r.keys, 'hi', { TTL: 60 });
    assert.equal(res.statusCode, 410);
    assert.equal(res.headers['cache-control'], 'max-age=86400');
    const body = JSON.parse(res.body) as Record<string, unknown>;
    assert.equal(body.code, 410);
    assert.equal(body.errno, 106);
    assert.equal(typeof body.error, 'string');
    assert.equal(typeof body.message, 'string');
    for (const code of [200, 202]) {
      const unknown = newChannelId();
      assert.deepEqual(await r.client.unregister(unknown, code), {
        messageType: 'unregister',
        channelID: unknown,
        status: 200,
      });
    }
    await r.client.close();
  });

  it("unregister drops the channel's undelivered messages", async () => {
    const r = await registered(service);
    await r.client.close();
    await sendWebPush(r.endpoint, r.keys, 'x', { TTL: 60 });
    const stored = service.stats().stored;
    const again = await RawPushClient.connect(service.wsUrl);
    await again.hello(r.client.uaid);
    await again.next(); // the stored message, not acked
    await again.unregister(r.channelID);
    assert.equal(service.stats().stored, stored - 1);
    await again.close();
  });

  it('a bad or tampered token gets 404 errno 102, and a token cannot be moved between v1 and v2', async () => {
    const r = await registered(service);
    const token = r.endpoint.split('/').pop()!;
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    const urls = [
      `${service.httpUrl}/wpush/v1/garbage`,
      `${service.httpUrl}/wpush/v1/${flip(token, 5)}`,
      `${service.httpUrl}/wpush/v1/${flip(token, token.length - 1)}`,
      `${service.httpUrl}/wpush/v1/${token.slice(0, -4)}`,
      `${service.httpUrl}/wpush/v2/${token}`,
      `${service.httpUrl}/wpush/v3/${token}`,
    ];
    for (const url of urls) {
      const res = await request(url, { headers: { TTL: '60' } });
      assert.equal(res.status, 404, url);
      assert.equal(res.json?.errno, 102, url);
    }
    await r.client.close();
  });

  it('a token sealed by another service instance (another secret) gets 404', async () => {
    const r = await registered(service);
    const other = await startService();
    try {
      // Same token, different service secret: the token itself is not valid there.
      const foreign = r.endpoint.replace(service.httpUrl, other.httpUrl);
      assert.equal((await request(foreign, { headers: { TTL: '0' } })).status, 404);
    } finally {
      await other.close();
      await r.client.close();
    }
  });
});
