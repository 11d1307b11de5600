// VAPID (docs/protocol-notes.md §2): both header forms via web-push, and hand-made JWTs for every way one can be wrong.
import assert from 'node:assert/strict';
import { createPrivateKey, sign } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { PushService } from '../../../tools/push-service/index.ts';
import { sendWebPush, vapidKeys, type VapidKeys } from '../../support/raw-push-client.ts';
import { registered, request, startService, type Registered } from './helpers.ts';

function jwt(
  keys: VapidKeys,
  claims: Record<string, unknown>,
  header: Record<string, unknown> = { typ: 'JWT', alg: 'ES256' },
): string {
  const pub = Buffer.from(keys.publicKey, 'base64url');
  const key = createPrivateKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      d: keys.privateKey,
      x: pub.subarray(1, 33).toString('base64url'),
      y: pub.subarray(33).toString('base64url'),
    },
    format: 'jwk',
  });
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${enc(header)}.${enc(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}

describe('push service: VAPID', () => {
  let service: PushService;
  let v1: Registered;
  let v2: Registered;
  const keys = vapidKeys();
  const now = () => Math.floor(Date.now() / 1000);
  before(async () => {
    service = await startService();
    v1 = await registered(service);
    v2 = await registered(service, { key: keys.publicKey });
    await v1.client.close();
    await v2.client.close();
  });
  after(() => service.close());

  const send = (endpoint: string, authorization: string, extra: Record<string, string> = {}) =>
    request(endpoint, { headers: { TTL: '60', Authorization: authorization, ...extra } });

  it('accepts both header forms from web-push on v1 and v2 endpoints', async () => {
    const vapidDetails = keys;
    for (const r of [v1, v2]) {
      for (const contentEncoding of ['aes128gcm', 'aesgcm'] as const) {
        const res = await sendWebPush(r.endpoint, r.keys, 'signed', { TTL: 60, contentEncoding, vapidDetails });
        assert.equal(res.statusCode, 201, `${r.endpoint} ${contentEncoding}`);
      }
    }
  });

  it('accepts hand-made `vapid t=,k=` and `WebPush` + `Crypto-Key: p256ecdsa=` without `sub`', async () => {
    const token = jwt(keys, { aud: service.httpUrl, exp: now() + 3600 });
    assert.equal((await send(v2.endpoint, `vapid t=${token}, k=${keys.publicKey}`)).status, 201);
    assert.equal(
      (await send(v2.endpoint, `WebPush ${token}`, { 'Crypto-Key': `p256ecdsa=${keys.publicKey}` })).status,
      201,
    );
    assert.equal((await send(v2.endpoint, `vapid t=${token},k=${keys.publicKey}`)).status, 201);
  });

  const bad: Array<[string, () => string, Record<string, string>?]> = [
    [
      'wrong aud',
      () =>
        `vapid t=${jwt(keys, { aud: 'https://push.services.mozilla.com', exp: now() + 3600 })}, k=${keys.publicKey}`,
    ],
    [
      'aud with a path',
      () => `vapid t=${jwt(keys, { aud: `${service.httpUrl}/wpush`, exp: now() + 3600 })}, k=${keys.publicKey}`,
    ],
    [
      'exp more than 24 h ahead',
      () => `vapid t=${jwt(keys, { aud: service.httpUrl, exp: now() + 25 * 3600 })}, k=${keys.publicKey}`,
    ],
    ['exp in the past', () => `vapid t=${jwt(keys, { aud: service.httpUrl, exp: now() - 10 })}, k=${keys.publicKey}`],
    ['exp missing', () => `vapid t=${jwt(keys, { aud: service.httpUrl })}, k=${keys.publicKey}`],
    ['exp a string', () => `vapid t=${jwt(keys, { aud: service.httpUrl, exp: '@' })}, k=${keys.publicKey}`],
    [
      'alg not ES256',
      () => `vapid t=${jwt(keys, { aud: service.httpUrl, exp: now() + 60 }, { alg: 'HS256' })}, k=${keys.publicKey}`,
    ],
    [
      'bad signature',
      () => {
        const t = jwt(keys, { aud: service.httpUrl, exp: now() + 3600 });
        return `vapid t=${t.slice(0, -6)}${t.slice(-6) === 'AAAAAA' ? 'BBBBBB' : 'AAAAAA'}, k=${keys.publicKey}`;
      },
    ],
    [
      'signed by another key',
      () => `vapid t=${jwt(vapidKeys(), { aud: service.httpUrl, exp: now() + 3600 })}, k=${keys.publicKey}`,
    ],
    ['empty token', () => `vapid t=, k=${keys.publicKey}`],
    ['no key', () => `vapid t=${jwt(keys, { aud: service.httpUrl, exp: now() + 3600 })}`],
    ['invalid key', () => `vapid t=${jwt(keys, { aud: service.httpUrl, exp: now() + 3600 })}, k=invalid|`],
    ['unknown scheme', () => `Basic ${Buffer.from('a:b').toString('base64')}`],
    ['WebPush without Crypto-Key', () => `WebPush ${jwt(keys, { aud: service.httpUrl, exp: now() + 3600 })}`],
    [
      'WebPush with a bad p256ecdsa',
      () => `WebPush ${jwt(keys, { aud: service.httpUrl, exp: now() + 3600 })}`,
      { 'Crypto-Key': 'p256ecdsa=invalid' },
    ],
  ];
  for (const [name, auth, extra] of bad) {
    it(`401 errno 109: ${name}`, async () => {
      for (const r of [v1, v2]) {
        const res = await send(r.endpoint, auth(), extra);
        assert.deepEqual([res.status, res.json?.errno], [401, 109], r.endpoint);
      }
    });
  }

  it('v2 requires VAPID, and the key must be the one bound at register', async () => {
    const none = await request(v2.endpoint, { headers: { TTL: '60' } });
    assert.deepEqual([none.status, none.json?.errno], [401, 109]);
    const other = vapidKeys();
    const res = await sendWebPush(v2.endpoint, v2.keys, 'x', { TTL: 60, vapidDetails: other });
    assert.equal(res.statusCode, 401);
    assert.equal((JSON.parse(res.body) as { errno: number }).errno, 109);
  });
});
