// Robustness: for any input, decryption returns bytes (or null) or throws a DecryptError, never anything else;
// the sync and async paths agree exactly; a mutated valid message never yields different plaintext.
// FUZZ_RUNS sets the runs per property (default 5,000; e.g. FUZZ_RUNS=100000 for a long soak).
import assert from 'node:assert/strict';
import { createECDH, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import webpush from 'web-push';
import {
  DecryptError,
  decryptPush,
  decryptPushAsync,
  generateSubscriptionKeys,
  parseAesgcmHeaders,
  parseCryptoKey,
  parseEncryption,
  subscriptionKeysJSON,
  type EncryptedPush,
  type PushHeaders,
  type SubscriptionKeys,
} from '../../../src/engine/crypto/index.ts';
import { ece } from '../../support/http-ece.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 5000);

const keys = generateSubscriptionKeys();
const senderKeys = Array.from({ length: 4 }, () => {
  const e = createECDH('prime256v1');
  e.generateKeys();
  return e;
});
const b64 = (b: Buffer) => b.toString('base64url');

type Outcome = { ok: string | null } | { kind: string };

/** A result as comparable data; anything but bytes, null or a DecryptError fails the property. */
function classify(settled: { value: unknown } | { error: unknown }): Outcome {
  if ('error' in settled) {
    if (!(settled.error instanceof DecryptError)) throw settled.error;
    assert.notEqual(settled.error.kind, 'internal error', 'the safety net fired: an unforeseen failure');
    return { kind: settled.error.kind };
  }
  const out = settled.value;
  assert.ok(out === null || Buffer.isBuffer(out), 'result is bytes or null');
  return { ok: out === null ? null : out.toString('hex') };
}

async function outcomes(msg: EncryptedPush, k: SubscriptionKeys): Promise<[sync: Outcome, async: Outcome]> {
  let sync: { value: unknown } | { error: unknown };
  try {
    sync = { value: decryptPush(msg, k) };
  } catch (error) {
    sync = { error };
  }
  const async = await decryptPushAsync(msg, k).then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  return [classify(sync), classify(async)];
}

async function agree(msg: EncryptedPush, k: SubscriptionKeys): Promise<Outcome> {
  const [sync, async] = await outcomes(msg, k);
  assert.deepEqual(async, sync, 'sync and async paths disagree');
  return sync;
}

// ---- arbitraries ----

const bytes = (max: number) => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a));
const validSalt = b64(randomBytes(16));
const validDh = senderKeys[0]!.getPublicKey('base64url');
/** Header text built from the pieces real headers are made of, so the parser's deeper branches get exercised. */
const headerText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 120 }),
  fc
    .array(
      fc.oneof(
        fc.constantFrom(
          'dh',
          'salt',
          'rs',
          'keyid',
          'p256ecdsa',
          'DH',
          '=',
          ';',
          ',',
          '"',
          ' ',
          validSalt,
          validDh,
          '4096',
          '0',
          '1',
          '2',
          '3',
          '18',
        ),
        fc.constantFrom(
          '99999999999999999999',
          '68719476705',
          '68719476706',
          '-1',
          '1e3',
          '0x10',
          'AAAA',
          '==',
          '+/',
          `salt=${validSalt}`,
          `dh=${validDh}`,
        ),
        fc.string({ maxLength: 8 }),
      ),
      { maxLength: 14 },
    )
    .map((parts) => parts.join('')),
);
const encoding = fc.oneof(
  fc.constantFrom('aes128gcm', 'aesgcm', 'aesgcm128', 'AESGCM', ' aes128gcm', 'aes128gcm2', ''),
  fc.string({ maxLength: 12 }),
);
const headers: fc.Arbitrary<PushHeaders> = fc.record(
  { encoding, encryption: headerText, crypto_key: headerText, encryption_key: headerText },
  { requiredKeys: [] },
);
/** aes128gcm-shaped bodies: a header with plausible fields, then arbitrary records. */
const aes128gcmBody = fc
  .tuple(
    bytes(16),
    fc.oneof(fc.constantFrom(0, 17, 18, 19, 25, 100, 4096, 2 ** 32 - 1), fc.nat()),
    fc.oneof(fc.constant(65), fc.integer({ min: 0, max: 255 })),
    fc.oneof(fc.constantFrom(...senderKeys.map((e) => e.getPublicKey())), bytes(65)),
    bytes(400),
  )
  .map(([salt, rs, idlen, keyid, rest]) => {
    const head = Buffer.alloc(5);
    head.writeUInt32BE(rs >>> 0, 0);
    head[4] = idlen;
    return Buffer.concat([salt, head, keyid, rest]);
  });
/** Mostly our real keys; sometimes malformed ones, which must be refused as such. */
const anyKeys: fc.Arbitrary<SubscriptionKeys> = fc.oneof(
  { weight: 8, arbitrary: fc.constant(keys) },
  {
    weight: 1,
    arbitrary: fc.record({ publicKey: bytes(70), privateKey: bytes(40), authSecret: bytes(20) }),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(
      null,
      {},
      { ...keys, privateKey: Buffer.alloc(32) },
      { ...keys, authSecret: 'x' },
    ) as fc.Arbitrary<SubscriptionKeys>,
  },
);

// ---- fixtures: valid messages to mutate ----

interface Fixture {
  name: string;
  msg: EncryptedPush;
  keys: SubscriptionKeys;
  plaintext: Buffer;
}
function fromEce(payload: Buffer, version: 'aes128gcm' | 'aesgcm', rs: number, pad = 0): EncryptedPush {
  const sender = senderKeys[1]!;
  const salt = randomBytes(16);
  const data = ece.encrypt(payload, {
    version,
    dh: keys.publicKey,
    privateKey: sender,
    authSecret: keys.authSecret,
    salt,
    rs,
    pad,
  });
  if (version === 'aes128gcm') return { data, headers: { encoding: version } };
  return {
    data,
    headers: {
      encoding: version,
      encryption: `salt=${b64(salt)}; rs=${rs}`,
      crypto_key: `dh=${sender.getPublicKey('base64url')}`,
    },
  };
}
const sub = subscriptionKeysJSON(keys);
const wp = (payload: Buffer, enc: 'aes128gcm' | 'aesgcm'): EncryptedPush => {
  const r = webpush.encrypt(sub.p256dh, sub.auth, payload, enc);
  if (enc === 'aes128gcm') return { data: r.cipherText, headers: { encoding: enc } };
  const local: unknown = r.localPublicKey; // typed string by @types/web-push, a Buffer at run time
  const dh = Buffer.isBuffer(local) ? b64(local) : String(local);
  return { data: r.cipherText, headers: { encoding: enc, encryption: `salt=${r.salt}`, crypto_key: `dh=${dh}` } };
};
const p1 = randomBytes(300);
const p2 = randomBytes(70);
const fixtures: Fixture[] = [
  { name: 'aes128gcm single record (web-push)', msg: wp(p1, 'aes128gcm'), keys, plaintext: p1 },
  { name: 'aes128gcm rs=25, several records, padded', msg: fromEce(p2, 'aes128gcm', 25, 9), keys, plaintext: p2 },
  { name: 'aesgcm single record (web-push)', msg: wp(p1, 'aesgcm'), keys, plaintext: p1 },
  { name: 'aesgcm rs=24, several records, padded', msg: fromEce(p2, 'aesgcm', 24, 5), keys, plaintext: p2 },
  {
    name: 'aesgcm128 (Firefox vector)',
    keys: {
      privateKey: Buffer.from('4h23G_KkXC9TvBSK2v0Q7ImpS2YAuRd8hQyN0rFAwBg', 'base64url'),
      publicKey: Buffer.from(
        'BLHfOWQmxBunRJBjApg8hgSLeOeEMvmKPtcYW2k9iZZOvr3cKpQ-Sp1kpZ9HipNjUCwSA55yy0uM8N9byE8dmLs',
        'base64url',
      ),
      authSecret: Buffer.alloc(16),
    },
    msg: {
      data: Buffer.from('ljBJ44NPzJFH9EuyT5xWMU4vpZ90MdAqaq1TC1kOLRoPNHtNFXeJ0GtuSaE', 'base64url'),
      headers: {
        encoding: 'aesgcm128',
        encryption_key: 'dh=BOmnfg02vNd6RZ7kXWWrCGFF92bI-rQ-bV0Pku3-KmlHwbGv4ejWqgasEdLGle5Rhmp6SKJunZw2l2HxKvrIjfI',
        encryption: 'salt=btxxUtclbmgcc30b9rT3Bg; rs=4096',
      },
    },
    plaintext: Buffer.from('aesgcm128 encrypted message'),
  },
];

type Mutation =
  | { t: 'flip'; at: number; bit: number }
  | { t: 'truncate'; to: number }
  | { t: 'append'; extra: Buffer }
  | { t: 'header'; field: 'encryption' | 'crypto_key' | 'encryption_key'; at: number; ch: string };
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ t: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ t: fc.constant('truncate' as const), to: fc.nat() }),
  fc.record({
    t: fc.constant('append' as const),
    extra: fc.uint8Array({ minLength: 1, maxLength: 40 }).map((a) => Buffer.from(a)),
  }),
  fc.record({
    t: fc.constant('header' as const),
    field: fc.constantFrom('encryption' as const, 'crypto_key' as const, 'encryption_key' as const),
    at: fc.nat(),
    ch: fc.constantFrom('A', 'z', '0', '9', '-', '_', '+', '/', '=', ';', ',', '"', ' ', 'é'),
  }),
);

/** The mutated message, and whether it must now be refused (a strict prefix or an extension always must). */
function mutate(f: Fixture, m: Mutation): { msg: EncryptedPush; mustFail: boolean } {
  const data = Buffer.from(f.msg.data!);
  switch (m.t) {
    case 'flip':
      data[m.at % data.length]! ^= 1 << m.bit;
      return { msg: { ...f.msg, data }, mustFail: false };
    case 'truncate':
      return { msg: { ...f.msg, data: data.subarray(0, m.to % data.length) }, mustFail: true };
    case 'append':
      return { msg: { ...f.msg, data: Buffer.concat([data, m.extra]) }, mustFail: true };
    case 'header': {
      const value = f.msg.headers?.[m.field];
      if (!value) return { msg: f.msg, mustFail: false };
      const at = m.at % value.length;
      return {
        msg: { ...f.msg, headers: { ...f.msg.headers, [m.field]: value.slice(0, at) + m.ch + value.slice(at + 1) } },
        mustFail: false,
      };
    }
  }
}

// ---- properties ----

describe('fuzz', () => {
  test('the fixtures decrypt (sanity)', async () => {
    for (const f of fixtures) assert.deepEqual(await agree(f.msg, f.keys), { ok: f.plaintext.toString('hex') }, f.name);
  });

  test('random bodies and headers: bytes or DecryptError, same on both paths', async () => {
    const body = fc.oneof(bytes(300), aes128gcmBody);
    await fc.assert(
      fc.asyncProperty(body, headers, anyKeys, async (data, h, k) => {
        await agree({ data, headers: h }, k);
      }),
      { numRuns: RUNS },
    );
  });

  test('aes128gcm-shaped bodies get past the header checks and still only fail typed', async () => {
    await fc.assert(
      fc.asyncProperty(aes128gcmBody, async (data) => {
        const out = await agree({ data, headers: { encoding: 'aes128gcm' } }, keys);
        assert.ok('kind' in out, 'random records never authenticate');
      }),
      { numRuns: RUNS },
    );
  });

  test('aesgcm with valid key and salt but arbitrary rs and records: typed failures only', async () => {
    const rs = fc.oneof(
      fc.constantFrom('1', '2', '3', '18', '4096', '68719476705', '68719476706', '', 'x'),
      fc.nat().map(String),
    );
    await fc.assert(
      fc.asyncProperty(bytes(300), rs, fc.constantFrom('aesgcm', 'aesgcm128'), async (data, rsText, enc) => {
        const h: PushHeaders = {
          encoding: enc,
          encryption: `salt=${validSalt};rs=${rsText}`,
          crypto_key: `dh=${validDh}`,
          encryption_key: `dh=${validDh}`,
        };
        const out = await agree({ data, headers: h }, keys);
        assert.ok('kind' in out, 'random records never authenticate');
      }),
      { numRuns: RUNS },
    );
  });

  test('mutated valid messages: refused, or exactly the original plaintext (never other bytes)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: fixtures.length - 1 }), mutation, async (i, m) => {
        const f = fixtures[i]!;
        const { msg, mustFail } = mutate(f, m);
        const out = await agree(msg, f.keys);
        if ('ok' in out) {
          assert.ok(!mustFail, `${f.name}: ${m.t} was accepted`);
          assert.equal(out.ok, f.plaintext.toString('hex'), `${f.name}: ${m.t} changed the plaintext`);
        }
      }),
      { numRuns: RUNS },
    );
  });

  test('header parsers: a result or a DecryptError, for any text', () => {
    fc.assert(
      fc.property(headerText, headerText, fc.constantFrom('aesgcm' as const, 'aesgcm128' as const), (a, b, enc) => {
        const typed = (f: () => unknown) => {
          try {
            f();
          } catch (err) {
            if (!(err instanceof DecryptError)) throw err;
          }
        };
        typed(() => parseEncryption(a));
        assert.ok(Array.isArray(parseCryptoKey(a)), 'parseCryptoKey never throws');
        typed(() => {
          const r = parseAesgcmHeaders({ encryption: a, crypto_key: b, encryption_key: b }, enc);
          assert.ok(Buffer.isBuffer(r.salt) && Buffer.isBuffer(r.senderKey));
          assert.ok(Number.isInteger(r.rs) && r.rs >= 1 && r.rs <= 2 ** 36 - 31);
        });
      }),
      { numRuns: RUNS },
    );
  });
});

// ---- odd inputs, by example ----

describe('odd inputs', () => {
  const good = fixtures[0]!;
  const kindOf = async (msg: unknown, k: unknown): Promise<string> => {
    const [sync, async] = await outcomes(msg as EncryptedPush, k as SubscriptionKeys);
    assert.deepEqual(async, sync);
    return 'kind' in sync ? sync.kind : 'ok';
  };

  test('no data is a valid push: null, whatever the headers and keys', async () => {
    for (const data of [null, undefined]) {
      assert.equal(decryptPush({ data } as EncryptedPush, null as unknown as SubscriptionKeys), null);
      assert.equal(await decryptPushAsync({ data, headers: { encoding: 'bogus' } } as EncryptedPush, keys), null);
    }
  });

  test('a message object of the wrong shape is "invalid input"', async () => {
    for (const msg of [null, undefined, 42, 'text', { data: 'AAAA' }, { data: [1, 2, 3] }, { data: 7 }]) {
      assert.equal(await kindOf(msg, keys), 'invalid input', JSON.stringify(msg));
    }
  });

  test('data as a plain Uint8Array view is accepted', async () => {
    const copy = new Uint8Array(good.msg.data!.length + 8);
    copy.set(good.msg.data!, 8);
    assert.deepEqual(
      decryptPush({ data: copy.subarray(8) as Buffer, headers: good.msg.headers }, keys),
      good.plaintext,
    );
  });

  test('missing, empty or unknown encodings are "unsupported encoding"', async () => {
    for (const h of [
      undefined,
      {},
      { encoding: '' },
      { encoding: 'gzip' },
      { encoding: 'aes256gcm' },
      { encoding: 5 },
      null,
    ]) {
      assert.equal(await kindOf({ data: good.msg.data, headers: h }, keys), 'unsupported encoding', JSON.stringify(h));
    }
  });

  test('empty data and empty header values are typed failures', async () => {
    assert.equal(await kindOf({ data: Buffer.alloc(0), headers: { encoding: 'aes128gcm' } }, keys), 'truncated header');
    assert.equal(
      await kindOf(
        {
          data: Buffer.alloc(0),
          headers: { encoding: 'aesgcm', encryption: `salt=${validSalt}`, crypto_key: `dh=${validDh}` },
        },
        keys,
      ),
      'truncated data',
    );
    assert.equal(
      await kindOf({ data: Buffer.alloc(40), headers: { encoding: 'aesgcm', encryption: '', crypto_key: '' } }, keys),
      'missing crypto-key',
    );
    assert.equal(
      await kindOf(
        { data: Buffer.alloc(40), headers: { encoding: 'aesgcm', encryption: '', crypto_key: `dh=${validDh}` } },
        keys,
      ),
      'missing encryption header',
    );
    assert.equal(
      await kindOf(
        { data: Buffer.alloc(40), headers: { encoding: 'aesgcm', encryption: `salt=`, crypto_key: `dh=${validDh}` } },
        keys,
      ),
      'invalid salt',
    );
    assert.equal(
      await kindOf(
        { data: Buffer.alloc(40), headers: { encoding: 'aesgcm', encryption: `salt=${validSalt}`, crypto_key: 'dh=' } },
        keys,
      ),
      'invalid sender public key',
    );
    assert.equal(
      await kindOf(
        {
          data: Buffer.alloc(40),
          headers: { encoding: 'aesgcm', encryption: `salt=${validSalt}`, crypto_key: `p256ecdsa=${validDh}` },
        },
        keys,
      ),
      'missing crypto-key',
    );
    assert.equal(
      await kindOf(
        {
          data: Buffer.alloc(40),
          headers: { encoding: 'aesgcm', encryption: `salt=${validSalt}`, crypto_key: 'dh=not base64!' },
        },
        keys,
      ),
      'invalid sender public key',
    );
  });

  test('malformed subscription keys are "invalid subscription keys"', async () => {
    const other = generateSubscriptionKeys();
    const bad: unknown[] = [
      null,
      'keys',
      { ...keys, publicKey: other.publicKey }, // public half of another pair
      { ...keys, privateKey: Buffer.alloc(32) }, // zero scalar
      { ...keys, privateKey: Buffer.alloc(32, 0xff) }, // scalar above the group order
      { ...keys, privateKey: keys.privateKey.subarray(1) },
      { ...keys, authSecret: keys.authSecret.subarray(1) },
      { publicKey: keys.publicKey, privateKey: keys.privateKey },
    ];
    for (const k of bad) assert.equal(await kindOf(good.msg, k), 'invalid subscription keys');
  });

  test('replacing a field of a keys object is noticed (no stale cached keys)', async () => {
    const k = { ...keys };
    assert.equal(await kindOf(good.msg, k), 'ok');
    k.authSecret = randomBytes(16);
    assert.equal(await kindOf(good.msg, k), 'authentication failed');
    k.authSecret = keys.authSecret;
    assert.equal(await kindOf(good.msg, k), 'ok');
  });

  test('record sizes at the extremes', async () => {
    const payload = randomBytes(500);
    // Largest rs each scheme can express: one record holds everything.
    assert.deepEqual(decryptPush(fromEce(payload, 'aes128gcm', 2 ** 32 - 1), keys), payload);
    assert.deepEqual(await decryptPushAsync(fromEce(payload, 'aesgcm', 2 ** 36 - 31), keys), payload);
    const msg = fromEce(payload, 'aesgcm', 4096);
    const withRs = (rs: string) => ({
      ...msg,
      headers: { ...msg.headers, encryption: msg.headers!.encryption!.replace(/rs=\d+/, `rs=${rs}`) },
    });
    assert.equal(await kindOf(withRs('68719476706'), keys), 'invalid record size');
    assert.equal(await kindOf(withRs('9'.repeat(400)), keys), 'invalid record size');
    assert.equal(await kindOf(withRs('2'), keys), 'invalid record size'); // 2-byte records can never carry data
    // aes128gcm rs below 18.
    const small = Buffer.from(fromEce(payload, 'aes128gcm', 100).data!);
    small.writeUInt32BE(17, 16);
    assert.equal(await kindOf({ data: small, headers: { encoding: 'aes128gcm' } }, keys), 'invalid record size');
  });

  test('an aes128gcm message whose sender key is off the curve is refused before any ECDH', async () => {
    const data = Buffer.from(good.msg.data!);
    data[85]! ^= 1;
    assert.equal(await kindOf({ data, headers: good.msg.headers }, keys), 'invalid sender public key');
  });
});
