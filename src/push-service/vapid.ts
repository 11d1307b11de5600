// VAPID (RFC 8292 and the older draft): parses the Authorization / Crypto-Key headers and verifies the ES256 JWT
// with node:crypto. Any failure is reported as a reason string; the HTTP layer answers 401 errno 109.
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { decodeBase64Url } from './encoding.ts';
import { parseParams } from './header-params.ts';

export const MAX_VAPID_EXP_SECONDS = 24 * 60 * 60;

export type VapidHeader =
  | { present: false }
  | { present: true; ok: false; reason: string }
  | { present: true; ok: true; jwt: string; publicKey: Buffer };

/** Reads `vapid t=<jwt>,k=<key>` or `WebPush <jwt>` (also `Bearer`) with `Crypto-Key: p256ecdsa=<key>`. */
export function parseVapidHeaders(authorization: string | undefined, cryptoKey: string | undefined): VapidHeader {
  if (authorization === undefined) return { present: false };
  const space = authorization.indexOf(' ');
  if (space <= 0) return { present: true, ok: false, reason: 'Missing VAPID token' };
  const scheme = authorization.slice(0, space).toLowerCase();
  const data = authorization.slice(space + 1).replace(/ /g, '');
  let jwt: string | undefined;
  let key: string | undefined;
  if (scheme === 'vapid') {
    for (const part of data.split(',')) {
      const eq = part.indexOf('=');
      if (eq <= 0) continue;
      const name = part.slice(0, eq);
      if (name === 't') jwt = part.slice(eq + 1);
      else if (name === 'k') key = part.slice(eq + 1);
    }
    if (key === undefined) return { present: true, ok: false, reason: 'Missing VAPID public key' };
  } else if (scheme === 'webpush' || scheme === 'bearer') {
    jwt = data;
    key = cryptoKey === undefined ? undefined : parseParams(cryptoKey)?.get('p256ecdsa');
    if (key === undefined) return { present: true, ok: false, reason: 'Missing p256ecdsa in Crypto-Key header' };
  } else {
    return { present: true, ok: false, reason: 'Unknown auth scheme' };
  }
  if (!jwt) return { present: true, ok: false, reason: 'Missing VAPID token' };
  const publicKey = decodeBase64Url(key);
  if (!publicKey || publicKey.length !== 65 || publicKey[0] !== 4) {
    return { present: true, ok: false, reason: 'Invalid VAPID public key' };
  }
  return { present: true, ok: true, jwt, publicKey };
}

const keyCache = new Map<string, KeyObject>();

/** Imports a 65-byte uncompressed P-256 point; throws when it is not on the curve. */
export function importP256(raw: Buffer): KeyObject {
  const id = raw.toString('base64url');
  const cached = keyCache.get(id);
  if (cached) return cached;
  const key = createPublicKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      x: raw.subarray(1, 33).toString('base64url'),
      y: raw.subarray(33, 65).toString('base64url'),
    },
    format: 'jwk',
  });
  if (keyCache.size >= 1000) keyCache.delete(keyCache.keys().next().value!);
  keyCache.set(id, key);
  return key;
}

/**
 * Signature checks are the service's most expensive per-message work (ES256 verify); a sender that reuses its JWT
 * (as RFC 8292 allows) pays it once. Only the signature+claims verdict is cached: `exp` is checked again each time.
 */
const verified = new Map<string, number>();

/** Verifies signature, `exp` (in the future, at most 24 h ahead) and `aud` (the endpoint origin). */
export function verifyVapidJwt(
  jwt: string,
  publicKey: Buffer,
  audience: string,
  nowSeconds: number,
): string | undefined {
  const cacheKey = `${audience} ${publicKey.toString('base64url')} ${jwt}`;
  const exp = verified.get(cacheKey);
  if (exp !== undefined) return checkExp(exp, nowSeconds);
  const problem = verifyUncached(jwt, publicKey, audience, nowSeconds);
  if (problem === undefined) {
    if (verified.size >= 1000) verified.delete(verified.keys().next().value!);
    verified.set(cacheKey, expOf(jwt));
  }
  return problem;
}

function checkExp(exp: number, nowSeconds: number): string | undefined {
  if (exp <= nowSeconds) return 'The VAPID token has expired';
  if (exp > nowSeconds + MAX_VAPID_EXP_SECONDS) return 'The VAPID token expiration is too long';
  return undefined;
}

function expOf(jwt: string): number {
  const claims = JSON.parse(decodeBase64Url(jwt.split('.')[1]!)!.toString('utf8')) as { exp: number };
  return claims.exp;
}

function verifyUncached(jwt: string, publicKey: Buffer, audience: string, nowSeconds: number): string | undefined {
  const parts = jwt.split('.');
  if (parts.length !== 3) return 'Malformed VAPID token';
  const [h, p, s] = parts as [string, string, string];
  const headerRaw = decodeBase64Url(h);
  const claimsRaw = decodeBase64Url(p);
  const sig = decodeBase64Url(s);
  if (!headerRaw || !claimsRaw || !sig) return 'Malformed VAPID token';
  let header: unknown;
  let claims: unknown;
  try {
    header = JSON.parse(headerRaw.toString('utf8'));
    claims = JSON.parse(claimsRaw.toString('utf8'));
  } catch {
    return 'Malformed VAPID token';
  }
  if (!isObject(header) || header.alg !== 'ES256') return 'VAPID token is not ES256';
  if (sig.length !== 64) return 'Invalid VAPID signature';
  let key: KeyObject;
  try {
    key = importP256(publicKey);
  } catch {
    return 'Invalid VAPID public key';
  }
  const signedOk = verify('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, sig);
  if (!signedOk) return 'Invalid VAPID signature';
  if (!isObject(claims)) return 'Malformed VAPID claims';
  const exp = claims.exp;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return 'Invalid VAPID expiry';
  const expProblem = checkExp(exp, nowSeconds);
  if (expProblem) return expProblem;
  if (typeof claims.aud !== 'string' || !sameOrigin(claims.aud, audience)) return 'Invalid VAPID audience';
  return undefined;
}

function sameOrigin(aud: string, origin: string): boolean {
  try {
    const u = new URL(aud);
    return u.origin === origin && (u.pathname === '/' || u.pathname === '') && u.search === '' && u.hash === '';
  } catch {
    return false;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
