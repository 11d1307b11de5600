// Web Push message decryption (docs/protocol-notes.md §3): aes128gcm (RFC 8291 on RFC 8188), aesgcm
// (draft-ietf-webpush-encryption-04) and the obsolete aesgcm128 (Firefox's first scheme, kept because it is cheap).
//
// Every check that needs no secret runs first, in `planOf` (header layout, lengths, curve membership, record
// framing), so both paths reject malformed input the same way and the crypto calls can only fail for one reason.
// The record crypto is done on node:crypto directly rather than through http_ece: http_ece measured ~0.7 of the
// primitives bound (five HMAC objects plus a Buffer.concat per record, where hkdfSync does each HKDF natively),
// it reads its own header without bounds checks and cannot decode aesgcm128. Tests decrypt http_ece's and
// web-push's output to keep the two implementations in agreement.
import {
  createDecipheriv,
  createECDH,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  hkdfSync,
  type ECDH,
  type KeyObject,
} from 'node:crypto';
import { DecryptError } from './errors.ts';
import { parseAesgcmHeaders, type PushHeaders } from './headers.ts';
import { isP256PublicKey, type SubscriptionKeys } from './keys.ts';

export type { PushHeaders } from './headers.ts';

export interface EncryptedPush {
  data: Buffer | null;
  headers?: PushHeaders;
}

type Scheme = 'aes128gcm' | 'aesgcm' | 'aesgcm128';

/** What a message says, checked for shape before any secret is touched. */
interface Plan {
  scheme: Scheme;
  salt: Buffer;
  senderKey: Buffer;
  /** Ciphertext records, tags included. */
  records: Buffer[];
}

const TAG = 16;
const SALT = 16;
const KEY = 65;
const AES128GCM_HEADER = 21; // salt(16) | rs(4) | idlen(1), then keyid
/** aesgcm schemes start each record with a big-endian pad length of this many bytes. */
const PAD_LENGTH: Record<'aesgcm' | 'aesgcm128', number> = { aesgcm: 2, aesgcm128: 1 };

/** Decrypts a push message. `data: null` is a push without payload and yields null. Throws DecryptError only. */
export function decryptPush(msg: EncryptedPush, keys: SubscriptionKeys): Buffer | null {
  try {
    const job = jobOf(msg, keys);
    return job && open(job.plan, job.own, ecdhSync(job.own, job.plan.senderKey));
  } catch (err) {
    throw asDecryptError(err);
  }
}

/**
 * Same contract as decryptPush, but the ECDH (about 60% of the work) runs on libuv's thread pool, so a backlog
 * with several calls in flight uses more than one core. The rest stays on the calling thread on purpose: in
 * Node 24 each WebCrypto call costs the calling thread 6-35 µs of setup, as much as the work it would move
 * (AES-GCM of 3 KiB ~18 µs, an HKDF ~10 µs), and even its ECDH (importKey + deriveBits) leaves ~55 µs there.
 * Measured with 64 in flight on 2 cores: all-WebCrypto 0.8x the sync rate, WebCrypto ECDH only ~1.1x,
 * node:crypto's callback diffieHellman (below, ~40 µs left on the calling thread) ~1.25x.
 */
export async function decryptPushAsync(msg: EncryptedPush, keys: SubscriptionKeys): Promise<Buffer | null> {
  try {
    const job = jobOf(msg, keys);
    return job && open(job.plan, job.own, await ecdhAsync(job.own, job.plan.senderKey));
  } catch (err) {
    throw asDecryptError(err);
  }
}

/** Everything decided before any crypto; null for a push without data. */
function jobOf(msg: EncryptedPush, keys: SubscriptionKeys): { plan: Plan; own: OwnKeys } | null {
  const data = dataOf(msg);
  if (data === null) return null;
  const plan = planOf(data, msg.headers);
  return { plan, own: prepare(keys) };
}

function open(plan: Plan, own: OwnKeys, secret: Buffer): Buffer {
  const { cek, nonce } = deriveKeys(plan, own, secret);
  // Records are opened and unpadded in order, so the first bad record decides the error kind.
  return join(plan.records.map((record, i) => unpad(plan, openRecord(cek, recordNonce(nonce, i), record, i), i)));
}

// ---- shape checks (no secrets) ----

function dataOf(msg: EncryptedPush): Buffer | null {
  if (typeof msg !== 'object' || msg === null) throw new DecryptError('invalid input', 'the message is not an object');
  const data: unknown = msg.data; // typed Buffer, but callers in plain JS may pass anything
  if (data == null) return null;
  if (!(data instanceof Uint8Array)) throw new DecryptError('invalid input', 'data is not bytes');
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function planOf(data: Buffer, headers: PushHeaders | undefined): Plan {
  const encoding = typeof headers?.encoding === 'string' ? headers.encoding.trim().toLowerCase() : '';
  // Content codings are case-insensitive (RFC 9110 §8.4.1).
  if (encoding === 'aes128gcm') return planAes128gcm(data);
  if (encoding === 'aesgcm' || encoding === 'aesgcm128') return planAesgcm(data, headers, encoding);
  throw new DecryptError('unsupported encoding', encoding === '' ? 'no Content-Encoding' : 'unknown Content-Encoding');
}

function planAes128gcm(data: Buffer): Plan {
  if (data.length < AES128GCM_HEADER)
    throw new DecryptError('truncated header', 'body shorter than the aes128gcm header');
  const rs = data.readUInt32BE(SALT);
  // A record must hold the tag, the delimiter and at least one byte of data (RFC 8188 §2: rs >= 18).
  if (rs < TAG + 2) throw new DecryptError('invalid record size', 'rs is below 18');
  const idlen = data[20];
  if (idlen !== KEY)
    throw new DecryptError('invalid sender public key', `keyid is ${idlen} bytes, not a 65-byte P-256 key`);
  const end = AES128GCM_HEADER + KEY;
  if (data.length < end) throw new DecryptError('truncated header', 'body ends inside the keyid');
  const senderKey = data.subarray(AES128GCM_HEADER, end);
  if (!isP256PublicKey(senderKey)) throw new DecryptError('invalid sender public key', 'keyid is not a P-256 point');
  const ciphertext = data.subarray(end);
  if (ciphertext.length === 0) throw new DecryptError('truncated data', 'no records after the header');
  // Every record but the last is exactly rs bytes; the last needs the tag and a delimiter.
  return { scheme: 'aes128gcm', salt: data.subarray(0, SALT), senderKey, records: split(ciphertext, rs, TAG + 1) };
}

function planAesgcm(data: Buffer, headers: PushHeaders | undefined, scheme: 'aesgcm' | 'aesgcm128'): Plan {
  const { salt, rs, senderKey } = parseAesgcmHeaders(headers, scheme);
  const padLength = PAD_LENGTH[scheme];
  // A record no larger than its pad length field can never carry data, so no message with it can be valid.
  if (rs <= padLength) throw new DecryptError('invalid record size', 'rs leaves no room for data');
  if (salt.length !== SALT) throw new DecryptError('invalid salt', 'the salt is not 16 bytes');
  if (!isP256PublicKey(senderKey))
    throw new DecryptError('invalid sender public key', 'dh is not a 65-byte P-256 point');
  // Records are rs + 16 on the wire and the last one must be shorter, so that truncation at a record boundary
  // shows: a sender whose data fills the last record exactly appends an empty (padding-only) record.
  if (data.length % (rs + TAG) === 0) throw new DecryptError('truncated data', 'body ends on a record boundary');
  return { scheme, salt, senderKey, records: split(data, rs + TAG, TAG + padLength) };
}

function split(ciphertext: Buffer, size: number, minLast: number): Buffer[] {
  const records: Buffer[] = [];
  for (let at = 0; at < ciphertext.length; at += size) records.push(ciphertext.subarray(at, at + size));
  if (records[records.length - 1]!.length < minLast)
    throw new DecryptError('record too short', 'the last record cannot hold its tag and padding');
  return records;
}

// ---- the subscription's keys ----

interface OwnKeys {
  /** The SubscriptionKeys fields this entry was made from: a replaced field invalidates it. */
  from: [unknown, unknown, unknown];
  ecdh: ECDH;
  publicKey: Buffer;
  authSecret: Buffer;
  /** The private key as a KeyObject, made on first use by the async path. */
  keyObject?: KeyObject;
}

// Setting up an ECDH object costs a scalar multiplication (~15% of a decryption): do it once per keys object.
const prepared = new WeakMap<object, OwnKeys>();

function prepare(keys: SubscriptionKeys): OwnKeys {
  if (typeof keys !== 'object' || keys === null) throw badKeys('not an object');
  const { privateKey, publicKey, authSecret } = keys;
  const hit = prepared.get(keys);
  if (hit && hit.from[0] === privateKey && hit.from[1] === publicKey && hit.from[2] === authSecret) return hit;
  if (!(privateKey instanceof Uint8Array) || privateKey.length !== 32) throw badKeys('privateKey is not 32 bytes');
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== KEY) throw badKeys('publicKey is not 65 bytes');
  if (!(authSecret instanceof Uint8Array) || authSecret.length !== 16) throw badKeys('authSecret is not 16 bytes');
  const ecdh = createECDH('prime256v1');
  try {
    ecdh.setPrivateKey(privateKey);
  } catch {
    throw badKeys('privateKey is not a P-256 scalar');
  }
  const derived = ecdh.getPublicKey();
  if (!derived.equals(publicKey)) throw badKeys('publicKey does not belong to privateKey');
  const own: OwnKeys = {
    from: [privateKey, publicKey, authSecret],
    ecdh,
    publicKey: derived,
    authSecret: Buffer.from(authSecret),
  };
  prepared.set(keys, own);
  return own;
}

function badKeys(why: string): DecryptError {
  return new DecryptError('invalid subscription keys', why);
}

// ---- crypto ----

function ecdhSync(own: OwnKeys, senderKey: Buffer): Buffer {
  try {
    return own.ecdh.computeSecret(senderKey);
  } catch {
    throw new DecryptError('invalid sender public key', 'ECDH refused the sender key');
  }
}

// DER SubjectPublicKeyInfo header for an uncompressed P-256 point (id-ecPublicKey, prime256v1): prefixed to the
// raw point it makes a KeyObject without re-encoding.
const P256_SPKI_PREFIX = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex');

function ecdhAsync(own: OwnKeys, senderKey: Buffer): Promise<Buffer> {
  // diffieHellman takes a callback (and then runs on the pool) since Node 23.11; an older one would ignore it,
  // return the secret and never call back.
  if (diffieHellman.length < 2) return Promise.resolve(ecdhSync(own, senderKey));
  own.keyObject ??= privateKeyObject(own);
  const privateKey = own.keyObject;
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: Buffer.concat([P256_SPKI_PREFIX, senderKey]), format: 'der', type: 'spki' });
  } catch {
    throw new DecryptError('invalid sender public key', 'the sender key is not a P-256 public key');
  }
  return new Promise((resolve, reject) => {
    diffieHellman({ privateKey, publicKey }, (err, secret) => {
      if (err) reject(new DecryptError('invalid sender public key', 'ECDH refused the sender key'));
      else resolve(secret);
    });
  });
}

function privateKeyObject(own: OwnKeys): KeyObject {
  const b64 = (b: Buffer) => b.toString('base64url');
  // getPrivateKey drops leading zero bytes; a JWK `d` must be the full 32.
  const d = own.ecdh.getPrivateKey();
  const jwk = {
    kty: 'EC',
    crv: 'P-256',
    d: b64(Buffer.concat([Buffer.alloc(32 - d.length), d])),
    x: b64(own.publicKey.subarray(1, 33)),
    y: b64(own.publicKey.subarray(33)),
  };
  try {
    return createPrivateKey({ key: jwk, format: 'jwk' });
  } catch {
    throw badKeys('the private key cannot be imported');
  }
}

const ascii = (s: string) => Buffer.from(s, 'latin1');
const WEBPUSH_INFO = ascii('WebPush: info\0');
const AES128GCM_INFO = ascii('Content-Encoding: aes128gcm\0');
const NONCE_INFO = ascii('Content-Encoding: nonce\0');
const AUTH_INFO = ascii('Content-Encoding: auth\0');
const AESGCM_INFO = ascii('Content-Encoding: aesgcm\0');
const AESGCM_CONTEXT_LABEL = ascii('P-256\0');
const KEY_LENGTH_PREFIX = Buffer.from([0, KEY]);
const AESGCM128_INFO = ascii('Content-Encoding: aesgcm128');
const AESGCM128_NONCE_INFO = ascii('Content-Encoding: nonce');

function hkdf(ikm: Buffer, salt: Buffer, info: Buffer, length: number): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, info, length));
}

/** Content-encryption key and base nonce from the ECDH secret. */
function deriveKeys(plan: Plan, own: OwnKeys, secret: Buffer): { cek: Buffer; nonce: Buffer } {
  const { scheme, salt, senderKey } = plan;
  if (scheme === 'aes128gcm') {
    // RFC 8291 §3.3-3.4: the auth secret and both public keys go into the IKM.
    const ikm = hkdf(secret, own.authSecret, Buffer.concat([WEBPUSH_INFO, own.publicKey, senderKey]), 32);
    return { cek: hkdf(ikm, salt, AES128GCM_INFO, 16), nonce: hkdf(ikm, salt, NONCE_INFO, 12) };
  }
  if (scheme === 'aesgcm') {
    // draft-04: the auth secret goes into the IKM, both public keys into a context appended to each info.
    const ikm = hkdf(secret, own.authSecret, AUTH_INFO, 32);
    const context = Buffer.concat([
      AESGCM_CONTEXT_LABEL,
      KEY_LENGTH_PREFIX,
      own.publicKey,
      KEY_LENGTH_PREFIX,
      senderKey,
    ]);
    return {
      cek: hkdf(ikm, salt, Buffer.concat([AESGCM_INFO, context]), 16),
      nonce: hkdf(ikm, salt, Buffer.concat([NONCE_INFO, context]), 12),
    };
  }
  // aesgcm128 predates the auth secret and the context.
  return { cek: hkdf(secret, salt, AESGCM128_INFO, 16), nonce: hkdf(secret, salt, AESGCM128_NONCE_INFO, 12) };
}

/** Record i's nonce: the base nonce XOR i as a 96-bit big-endian number (RFC 8188 §2.3; aesgcm does the same). */
function recordNonce(base: Buffer, i: number): Buffer {
  if (i === 0) return base;
  const nonce = Buffer.from(base);
  nonce.writeUInt32BE((nonce.readUInt32BE(8) ^ i) >>> 0, 8);
  nonce.writeUInt16BE(nonce.readUInt16BE(6) ^ Math.floor(i / 2 ** 32), 6); // records < 2^48: bytes 0-5 stay
  return nonce;
}

function openRecord(cek: Buffer, iv: Buffer, record: Buffer, i: number): Buffer {
  const decipher = createDecipheriv('aes-128-gcm', cek, iv);
  decipher.setAuthTag(record.subarray(record.length - TAG));
  const plain = decipher.update(record.subarray(0, record.length - TAG));
  try {
    decipher.final();
  } catch {
    authFailed(i);
  }
  return plain;
}

function authFailed(i: number): never {
  throw new DecryptError('authentication failed', `record ${i} failed its integrity check`);
}

/** The data of an authenticated record, padding removed and checked. */
function unpad(plan: Plan, plain: Buffer, i: number): Buffer {
  const last = i === plan.records.length - 1;
  if (plan.scheme === 'aes128gcm') {
    // RFC 8188 §2: data | delimiter (1 = more records follow, 2 = last) | zeros.
    let at = plain.length - 1;
    while (at >= 0 && plain[at] === 0) at--;
    if (at < 0) throw new DecryptError('bad padding', `record ${i} has no delimiter`);
    if (plain[at] !== (last ? 2 : 1)) {
      throw new DecryptError(
        'bad padding',
        last ? 'the last record does not end the message' : `record ${i} claims to be the last`,
      );
    }
    return plain.subarray(0, at);
  }
  // aesgcm: pad length | that many zeros | data. The plan guarantees the pad length field fits.
  const size = PAD_LENGTH[plan.scheme];
  const pad = size === 2 ? plain.readUInt16BE(0) : plain[0]!;
  if (size + pad > plain.length) throw new DecryptError('bad padding', `record ${i} pads beyond its end`);
  for (let at = size; at < size + pad; at++) {
    if (plain[at] !== 0) throw new DecryptError('bad padding', `record ${i} has non-zero padding`);
  }
  return plain.subarray(size + pad);
}

function join(parts: Buffer[]): Buffer {
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

function asDecryptError(err: unknown): DecryptError {
  if (err instanceof DecryptError) return err;
  // A bug or a runtime surprise: keep the contract, name the class only (messages may carry input).
  return new DecryptError('internal error', `unexpected ${err instanceof Error ? err.name : typeof err}`);
}
