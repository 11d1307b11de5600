// A subscription's key material (RFC 8291 §2-3): a P-256 key pair for ECDH and a 16-byte auth secret.
import { createECDH, randomBytes } from 'node:crypto';

export interface SubscriptionKeys {
  /** 65-byte uncompressed P-256 point (0x04 | x | y): the subscription's `p256dh`. */
  publicKey: Buffer;
  /** 32-byte private scalar. */
  privateKey: Buffer;
  /** 16 bytes: the subscription's `auth`. */
  authSecret: Buffer;
}

export function generateSubscriptionKeys(): SubscriptionKeys {
  const ecdh = createECDH('prime256v1');
  const publicKey = ecdh.generateKeys();
  // Left-pad defensively: a scalar with leading zero bytes must still be stored as 32 bytes.
  const scalar = ecdh.getPrivateKey();
  const privateKey = scalar.length === 32 ? scalar : Buffer.concat([Buffer.alloc(32 - scalar.length), scalar]);
  return { publicKey, privateKey, authSecret: randomBytes(16) };
}

/** The `keys` member of PushSubscription.toJSON(): base64url without padding. */
export function subscriptionKeysJSON(keys: Pick<SubscriptionKeys, 'publicKey' | 'authSecret'>): {
  p256dh: string;
  auth: string;
} {
  return { p256dh: keys.publicKey.toString('base64url'), auth: keys.authSecret.toString('base64url') };
}

// P-256 (FIPS 186-4 D.1.2.3): y^2 = x^3 - 3x + b over GF(p).
const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn;

/**
 * True for a 65-byte uncompressed P-256 point that lies on the curve (an applicationServerKey, a sender key).
 * Pure arithmetic (about a microsecond), so callers can check before any crypto call. P-256 has cofactor 1,
 * so an on-curve point with coordinates below p is a valid public key.
 */
export function isP256PublicKey(key: unknown): key is Uint8Array {
  if (!(key instanceof Uint8Array) || key.length !== 65 || key[0] !== 0x04) return false;
  const hex = Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('hex');
  const x = BigInt(`0x${hex.slice(2, 66)}`);
  const y = BigInt(`0x${hex.slice(66)}`);
  if (x >= P || y >= P) return false;
  return (y * y - (x * x * x - 3n * x + B)) % P === 0n;
}
