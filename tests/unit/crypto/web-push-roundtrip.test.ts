// Messages made by real senders' code decrypt to the exact plaintext: `web-push` (what application servers run)
// in both encodings across the whole 4096-byte body range, and `http_ece` directly for record sizes and padding
// web-push never uses (several records, rs down to the minimum).
import assert from 'node:assert/strict';
import { createECDH, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import webpush from 'web-push';
import {
  decryptPush,
  decryptPushAsync,
  generateSubscriptionKeys,
  subscriptionKeysJSON,
  type EncryptedPush,
  type PushHeaders,
  type SubscriptionKeys,
} from '../../../src/engine/crypto/index.ts';
import { ece } from '../../support/http-ece.ts';
import { forwardedHeaders, webPushMessage } from '../../support/web-push-message.ts';

const keys = generateSubscriptionKeys();
const subscription = { endpoint: 'https://push.example.com/wpush/v2/token', keys: subscriptionKeysJSON(keys) };
const vapid = webpush.generateVAPIDKeys();
const vapidDetails = { subject: 'mailto:ops@example.com', publicKey: vapid.publicKey, privateKey: vapid.privateKey };

function fromWebPush(payload: Buffer, contentEncoding: 'aes128gcm' | 'aesgcm'): EncryptedPush {
  return webPushMessage(payload, keys, { contentEncoding, vapidDetails });
}

async function assertBothPaths(msg: EncryptedPush, k: SubscriptionKeys, expected: Buffer): Promise<void> {
  assert.deepEqual(decryptPush(msg, k), expected);
  assert.deepEqual(await decryptPushAsync(msg, k), expected);
}

// Largest payloads whose body still fits 4096 bytes (RFC 8030 §7.2): aes128gcm adds an 86-byte header, a delimiter
// and a tag; aesgcm a 2-byte pad length and a tag.
const MAX = { aes128gcm: 4096 - 86 - 1 - 16, aesgcm: 4096 - 2 - 16 } as const;

describe('web-push messages', () => {
  for (const encoding of ['aes128gcm', 'aesgcm'] as const) {
    const sizes = [0, 1, 2, 15, 16, 17, 31, 32, 100, 1000, 2048, 3072, MAX[encoding] - 1, MAX[encoding]];
    for (const size of sizes) {
      test(`${encoding}, ${size}-byte payload decrypts exactly on both paths`, async () => {
        const payload = randomBytes(size);
        const msg = fromWebPush(payload, encoding);
        if (size === MAX[encoding])
          assert.equal(msg.data!.length, 4096, 'the largest size fills the body limit exactly');
        await assertBothPaths(msg, keys, payload);
      });
    }
  }

  test('aesgcm with the VAPID key beside dh in Crypto-Key (dh=..;p256ecdsa=..)', async () => {
    const msg = fromWebPush(Buffer.from('hello'), 'aesgcm');
    assert.match(msg.headers!.crypto_key!, /^dh=[^;,]+;p256ecdsa=/);
    await assertBothPaths(msg, keys, Buffer.from('hello'));
  });

  test('a text payload round-trips as UTF-8', async () => {
    const text = 'Grüße, 世界 🌍';
    const msg = fromWebPush(Buffer.from(text), 'aes128gcm');
    assert.equal(decryptPush(msg, keys)!.toString('utf8'), text);
  });

  test('a private scalar with leading zero bytes works on both paths', async () => {
    const scalar = randomBytes(32);
    scalar[0] = 0;
    scalar[1] = 0;
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(scalar);
    const k: SubscriptionKeys = { privateKey: scalar, publicKey: ecdh.getPublicKey(), authSecret: randomBytes(16) };
    const req = webpush.generateRequestDetails(
      { endpoint: subscription.endpoint, keys: subscriptionKeysJSON(k) },
      Buffer.from('zeros'),
      {},
    );
    await assertBothPaths(
      { data: req.body, headers: forwardedHeaders(req.headers as Record<string, string>) },
      k,
      Buffer.from('zeros'),
    );
  });

  test('a message for another subscription does not decrypt', async () => {
    const msg = fromWebPush(Buffer.from('not for you'), 'aes128gcm');
    const other = generateSubscriptionKeys();
    assert.throws(() => decryptPush(msg, other), { name: 'DecryptError', kind: 'authentication failed' });
    await assert.rejects(decryptPushAsync(msg, other), { name: 'DecryptError', kind: 'authentication failed' });
  });
});

function fromEce(payload: Buffer, version: 'aes128gcm' | 'aesgcm', rs: number, pad = 0): EncryptedPush {
  const sender = createECDH('prime256v1');
  sender.generateKeys();
  const salt = randomBytes(16);
  const body = ece.encrypt(payload, {
    version,
    dh: keys.publicKey,
    privateKey: sender,
    authSecret: keys.authSecret,
    salt,
    rs,
    pad,
  });
  if (version === 'aes128gcm') return { data: body, headers: { encoding: 'aes128gcm' } };
  return {
    data: body,
    headers: {
      encoding: 'aesgcm',
      encryption: `salt=${salt.toString('base64url')}; rs=${rs}`,
      crypto_key: `dh=${sender.getPublicKey('base64url')}`,
    },
  };
}

describe('http_ece messages with odd record sizes and padding', () => {
  const cases: Array<[version: 'aes128gcm' | 'aesgcm', rs: number, size: number, pad: number]> = [
    ['aes128gcm', 18, 0, 0],
    ['aes128gcm', 18, 1, 0],
    ['aes128gcm', 18, 200, 0], // 200 records of one byte
    ['aes128gcm', 18, 50, 30], // padding-only records at the end
    ['aes128gcm', 25, 333, 0],
    ['aes128gcm', 25, 8, 7], // payload + delimiter + padding fill exactly one record
    ['aes128gcm', 100, 3000, 0],
    ['aes128gcm', 100, 83, 0], // one full record (83 + delimiter + tag = 100)
    ['aes128gcm', 100, 1000, 500],
    ['aes128gcm', 4095, 3900, 0],
    ['aes128gcm', 4095, 8000, 0],
    ['aes128gcm', 4096, 4079, 0], // exactly one full record
    ['aesgcm', 3, 40, 0],
    ['aesgcm', 3, 0, 0],
    ['aesgcm', 24, 22, 0], // exact multiple: a trailing padding-only record follows
    ['aesgcm', 24, 100, 10],
    ['aesgcm', 100, 98, 0], // exact multiple again
    ['aesgcm', 100, 3000, 200],
    ['aesgcm', 4095, 4093, 0],
    ['aesgcm', 4096, 4094, 0], // the default rs, exact multiple
    ['aesgcm', 4096, 9000, 100],
  ];
  for (const [version, rs, size, pad] of cases) {
    test(`${version} rs=${rs}, ${size}-byte payload, pad ${pad} decrypts exactly on both paths`, async () => {
      const payload = randomBytes(size);
      await assertBothPaths(fromEce(payload, version, rs, pad), keys, payload);
    });
  }

  test('aes128gcm records are really several (sanity check of the fixture)', () => {
    const msg = fromEce(randomBytes(200), 'aes128gcm', 18);
    assert.equal(msg.data!.length, 86 + 200 * 18);
  });
});

describe('aesgcm header forms senders use', () => {
  const payload = Buffer.from('header forms');
  const msg = fromEce(payload, 'aesgcm', 4096);
  const salt = /salt=([^;]+)/.exec(msg.headers!.encryption!)![1]!;
  const dh = /dh=(.+)$/.exec(msg.headers!.crypto_key!)![1]!;
  const std = (s: string) => Buffer.from(s, 'base64url').toString('base64'); // standard alphabet, padded
  const forms: Array<[string, PushHeaders]> = [
    ['quoted values', { encryption: `salt="${salt}"`, crypto_key: `dh="${dh}"` }],
    ['standard base64 with padding', { encryption: `salt=${std(salt)}`, crypto_key: `dh=${std(dh)}` }],
    ['upper-case names and spaces', { encryption: ` SALT = ${salt} ; RS = 4096 `, crypto_key: ` DH = ${dh} ` }],
    [
      'VAPID key first, comma-separated',
      { encryption: `salt=${salt}`, crypto_key: `p256ecdsa=${vapid.publicKey},dh=${dh}` },
    ],
    [
      'keyid picks the matching entry',
      { encryption: `keyid=b;salt=${salt}`, crypto_key: `keyid=a;dh=${vapid.publicKey},keyid=b;dh=${dh}` },
    ],
    [
      'only the first Encryption entry counts',
      { encryption: `salt=${salt},salt=AAAAAAAAAAAAAAAAAAAAAA`, crypto_key: `dh=${dh}` },
    ],
  ];
  for (const [name, headers] of forms) {
    test(`${name}`, async () => {
      await assertBothPaths({ data: msg.data, headers: { encoding: 'aesgcm', ...headers } }, keys, payload);
    });
  }

  test('the encoding name is case-insensitive and trimmed (RFC 9110 §8.4.1)', async () => {
    await assertBothPaths({ data: msg.data, headers: { ...msg.headers, encoding: ' AESGCM ' } }, keys, payload);
    const m2 = fromEce(payload, 'aes128gcm', 4096);
    await assertBothPaths({ data: m2.data, headers: { encoding: 'Aes128Gcm' } }, keys, payload);
  });
});
