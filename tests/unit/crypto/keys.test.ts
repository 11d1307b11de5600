// Subscription key generation, their PushSubscription.toJSON() form, and the P-256 point validator.
import assert from 'node:assert/strict';
import { createECDH } from 'node:crypto';
import { describe, test } from 'node:test';
import { generateSubscriptionKeys, isP256PublicKey, subscriptionKeysJSON } from '../../../src/engine/crypto/index.ts';

const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn;
const toBytes = (n: bigint) => Buffer.from(n.toString(16).padStart(64, '0'), 'hex');
function powMod(base: bigint, exp: bigint): bigint {
  let r = 1n;
  for (base %= P; exp > 0n; exp >>= 1n, base = (base * base) % P) if (exp & 1n) r = (r * base) % P;
  return r;
}
/** The smallest x on the curve and its y (p = 3 mod 4, so a square root is rhs^((p+1)/4)). */
function smallPoint(): [bigint, bigint] {
  for (let x = 0n; ; x++) {
    const rhs = (((x * x * x - 3n * x + B) % P) + P) % P;
    const y = powMod(rhs, (P + 1n) / 4n);
    if ((y * y) % P === rhs) return [x, y];
  }
}

describe('generateSubscriptionKeys', () => {
  test('gives a 65-byte uncompressed public key, a 32-byte scalar and a 16-byte auth secret', () => {
    const keys = generateSubscriptionKeys();
    assert.ok(Buffer.isBuffer(keys.publicKey) && Buffer.isBuffer(keys.privateKey) && Buffer.isBuffer(keys.authSecret));
    assert.equal(keys.publicKey.length, 65);
    assert.equal(keys.publicKey[0], 0x04);
    assert.equal(keys.privateKey.length, 32);
    assert.equal(keys.authSecret.length, 16);
  });

  test('the public key is the private scalar times the generator', () => {
    for (let i = 0; i < 20; i++) {
      const keys = generateSubscriptionKeys();
      const ecdh = createECDH('prime256v1');
      ecdh.setPrivateKey(keys.privateKey);
      assert.deepEqual(ecdh.getPublicKey(), keys.publicKey);
      assert.ok(isP256PublicKey(keys.publicKey));
    }
  });

  test('every call gives fresh keys', () => {
    const a = generateSubscriptionKeys();
    const b = generateSubscriptionKeys();
    assert.notDeepEqual(a.privateKey, b.privateKey);
    assert.notDeepEqual(a.authSecret, b.authSecret);
  });
});

describe('subscriptionKeysJSON', () => {
  test('is base64url without padding, as PushSubscription.toJSON().keys', () => {
    for (let i = 0; i < 20; i++) {
      const keys = generateSubscriptionKeys();
      const json = subscriptionKeysJSON(keys);
      assert.deepEqual(Object.keys(json).sort(), ['auth', 'p256dh']);
      assert.match(json.p256dh, /^[A-Za-z0-9_-]{87}$/);
      assert.match(json.auth, /^[A-Za-z0-9_-]{22}$/);
      assert.deepEqual(Buffer.from(json.p256dh, 'base64url'), keys.publicKey);
      assert.deepEqual(Buffer.from(json.auth, 'base64url'), keys.authSecret);
    }
  });

  test('matches the RFC 8291 Appendix A encoding of known keys', () => {
    const p256dh = 'BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4';
    const auth = 'BTBZMqHH6r4Tts7J_aSIgg';
    const json = subscriptionKeysJSON({
      publicKey: Buffer.from(p256dh, 'base64url'),
      authSecret: Buffer.from(auth, 'base64url'),
    });
    assert.deepEqual(json, { p256dh, auth });
  });
});

describe('isP256PublicKey', () => {
  const good = generateSubscriptionKeys().publicKey;
  const x = BigInt(`0x${good.toString('hex', 1, 33)}`);
  const y = BigInt(`0x${good.toString('hex', 33, 65)}`);
  const point = (px: bigint, py: bigint) => Buffer.concat([Buffer.from([4]), toBytes(px), toBytes(py)]);

  test('accepts generated keys, RFC 8291 keys, and the negated point', () => {
    assert.ok(isP256PublicKey(good));
    assert.ok(isP256PublicKey(new Uint8Array(good)), 'a plain Uint8Array works too');
    assert.ok(
      isP256PublicKey(
        Buffer.from(
          'BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8',
          'base64url',
        ),
      ),
    );
    assert.ok(isP256PublicKey(point(x, P - y)));
  });

  test('accepts a point held at an offset inside a larger buffer', () => {
    const big = Buffer.concat([Buffer.alloc(7), good, Buffer.alloc(3)]);
    assert.ok(isP256PublicKey(big.subarray(7, 72)));
  });

  test('refuses wrong lengths, prefixes, off-curve points and out-of-field coordinates', () => {
    const offCurve = Buffer.from(good);
    offCurve[64]! ^= 1;
    const [sx, sy] = smallPoint();
    const compressed = createECDH('prime256v1');
    compressed.generateKeys();
    const cases: Array<[string, Uint8Array]> = [
      ['empty', Buffer.alloc(0)],
      ['64 bytes', good.subarray(0, 64)],
      ['66 bytes', Buffer.concat([good, Buffer.from([0])])],
      ['compressed form', compressed.getPublicKey(null, 'compressed')],
      ['prefix 0x02', Buffer.concat([Buffer.from([2]), good.subarray(1)])],
      ['prefix 0x00', Buffer.concat([Buffer.from([0]), good.subarray(1)])],
      ['off the curve', offCurve],
      ['all zeros after 0x04', Buffer.concat([Buffer.from([4]), Buffer.alloc(64)])],
      // Satisfies the equation mod p, but a coordinate >= p is not a field element.
      ['x >= p', point(sx + P, sy)],
      ['coordinates all ones', Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 0xff)])],
    ];
    assert.ok(isP256PublicKey(point(sx, sy)), 'the small point itself is valid');
    // OpenSSL agrees on both.
    assert.doesNotThrow(() => compressed.computeSecret(point(sx, sy)));
    assert.throws(() => compressed.computeSecret(point(sx + P, sy)));
    for (const [name, key] of cases) {
      assert.equal(isP256PublicKey(key), false, name);
    }
  });

  test('refuses things that are not bytes', () => {
    for (const v of [undefined, null, 0, 'BCVxsr7N', [4, ...good.subarray(1)], good.buffer, { length: 65 }]) {
      assert.equal(isP256PublicKey(v), false, String(v));
    }
  });
});
