// Every vector of tests/fixtures/vectors/webpush-decrypt.json (a copy of the project's shared vectors), through both
// decryption paths and the header parser.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import {
  DecryptError,
  decryptPush,
  decryptPushAsync,
  parseAesgcmHeaders,
  type PushHeaders,
  type SubscriptionKeys,
} from '../../../src/engine/crypto/index.ts';

interface DecryptVector {
  expect: 'ok' | 'error';
  id: string;
  encoding: string;
  optional?: boolean;
  kind?: string;
  uaPrivate: string;
  uaPublic: string;
  authSecret: string | null;
  body: string;
  headers: PushHeaders;
  plaintext?: string;
}
interface HeaderVector {
  id: string;
  headers: PushHeaders;
  senderKey: string;
  salt: string;
  rs: number;
}

const file = JSON.parse(
  readFileSync(new URL('../../fixtures/vectors/webpush-decrypt.json', import.meta.url), 'utf8'),
) as {
  decrypt: DecryptVector[];
  headerParsing: HeaderVector[];
};
const b64 = (s: string) => Buffer.from(s, 'base64url');

function keysOf(v: DecryptVector): SubscriptionKeys {
  // aesgcm128 has no auth secret; our keys always carry one, and that scheme ignores it.
  return {
    privateKey: b64(v.uaPrivate),
    publicKey: b64(v.uaPublic),
    authSecret: v.authSecret ? b64(v.authSecret) : Buffer.alloc(16),
  };
}

const paths = [
  ['sync', async (...a: Parameters<typeof decryptPush>) => decryptPush(...a)],
  ['async', decryptPushAsync],
] as const;

describe('decrypt vectors', () => {
  for (const v of file.decrypt) {
    for (const [path, decrypt] of paths) {
      const msg = { data: b64(v.body), headers: { ...v.headers, encoding: v.encoding } };
      if (v.expect === 'ok') {
        test(`${v.id} decrypts to the exact plaintext (${path})`, async () => {
          const out = await decrypt(msg, keysOf(v));
          assert.ok(Buffer.isBuffer(out));
          assert.equal(out.toString('utf8'), v.plaintext);
        });
      } else {
        test(`${v.id} is refused as "${v.kind}" (${path})`, async () => {
          await assert.rejects(decrypt(msg, keysOf(v)), (err: unknown) => {
            assert.ok(err instanceof DecryptError, `not a DecryptError: ${String(err)}`);
            assert.equal(err.kind, v.kind);
            // Messages never carry key material, salts, header values or payload bytes.
            const secrets = [v.uaPrivate, v.uaPublic, v.authSecret ?? '', v.body, ...Object.values(v.headers)];
            for (const s of secrets)
              if (s.length >= 8) assert.ok(!err.message.includes(s.slice(0, 8)), 'message leaks input');
            return true;
          });
        });
      }
    }
  }

  test('every negative vector kind is one the API can produce', async () => {
    const { DECRYPT_ERROR_KINDS } = await import('../../../src/engine/crypto/index.ts');
    for (const v of file.decrypt)
      if (v.kind) assert.ok((DECRYPT_ERROR_KINDS as readonly string[]).includes(v.kind), v.kind);
  });
});

describe('header parsing vectors', () => {
  for (const v of file.headerParsing) {
    test(`${v.id} yields its sender key, salt and record size`, () => {
      const parsed = parseAesgcmHeaders(v.headers);
      assert.equal(parsed.senderKey.toString('base64url'), v.senderKey);
      assert.equal(parsed.salt.toString('base64url'), v.salt);
      assert.equal(parsed.rs, v.rs);
    });
  }
});
