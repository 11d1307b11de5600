// Parsers for the aesgcm / aesgcm128 header fields (draft-ietf-webpush-encryption-04, draft-ietf-httpbis-
// encryption-encoding-02): `Encryption: keyid=..; salt=..; rs=..` and `Crypto-Key: keyid=..; dh=..; p256ecdsa=..`.
// Pure and total: a result, or a DecryptError. They check syntax only; lengths and curve membership are the
// decryptor's business (decrypt.ts), so the failure kinds match Firefox's order of checks.
import { DecryptError } from './errors.ts';

/**
 * The push-protocol notification `headers` field (docs/protocol-notes.md §1): quotes and padding may already be
 * stripped.
 */
export type PushHeaders = { encoding?: string; encryption?: string; crypto_key?: string; encryption_key?: string };

export const DEFAULT_RS = 4096;
/** Largest rs Firefox accepts for aesgcm: the AES-GCM per-message plaintext limit (2^36 - 31). */
export const MAX_AESGCM_RS = 2 ** 36 - 31;

export interface EncryptionParams {
  salt: Buffer;
  rs: number;
  keyid?: string;
}

/** One comma-separated Crypto-Key entry, values unquoted but not decoded. */
export interface CryptoKeyEntry {
  keyid?: string;
  dh?: string;
  p256ecdsa?: string;
}

export interface AesgcmParams {
  salt: Buffer;
  rs: number;
  senderKey: Buffer;
}

// Both alphabets: senders differ, and Node's 'base64' decoder reads either. Checked first because that
// decoder silently skips characters it does not know.
const BASE64 = /^[A-Za-z0-9+/_-]*$/;

/** base64url or base64, padded or not; null when the text is not base64 at all. */
export function decodeBase64(value: string): Buffer | null {
  const bare = value.replace(/={1,2}$/, '');
  if (!BASE64.test(bare) || bare.length % 4 === 1) return null;
  return Buffer.from(bare, 'base64');
}

/** `name=value` pairs separated by `;`: names lower-cased (HTTP parameter names are case-insensitive), values
 * trimmed and unquoted; the first occurrence of a name wins. */
function parameters(entry: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of entry.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim().toLowerCase();
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (name && !out.has(name)) out.set(name, value);
  }
  return out;
}

/** The first non-empty entry of an Encryption header: one entry per encryption layer, and Web Push has one. */
export function parseEncryption(header: string): EncryptionParams {
  const entry = header.split(',').find((e) => e.trim() !== '') ?? '';
  const params = parameters(entry);
  const saltText = params.get('salt');
  if (saltText === undefined) throw new DecryptError('invalid salt', 'the Encryption header has no salt');
  const rsText = params.get('rs');
  let rs = DEFAULT_RS;
  if (rsText !== undefined) {
    rs = /^[0-9]+$/.test(rsText) ? Number(rsText) : NaN;
    if (!(rs >= 1 && rs <= MAX_AESGCM_RS))
      throw new DecryptError('invalid record size', 'rs is not an integer in range');
  }
  const salt = decodeBase64(saltText);
  if (salt === null) throw new DecryptError('invalid salt', 'the salt is not base64');
  const keyid = params.get('keyid');
  return keyid === undefined ? { salt, rs } : { salt, rs, keyid };
}

/** Every entry of a Crypto-Key header. Entries are separated by `,` and parameters by `;`; senders mix the two
 * (`dh=..;p256ecdsa=..` and `dh=..,p256ecdsa=..` both occur), so callers look values up by name. */
export function parseCryptoKey(header: string): CryptoKeyEntry[] {
  return header.split(',').map((entry) => {
    const params = parameters(entry);
    const out: CryptoKeyEntry = {};
    for (const name of ['keyid', 'dh', 'p256ecdsa'] as const) {
      const value = params.get(name);
      if (value !== undefined) out[name] = value;
    }
    return out;
  });
}

/**
 * Salt, record size and sender key of an aesgcm (or aesgcm128) message. The sender key comes from the Crypto-Key
 * entry whose keyid matches the Encryption entry's, else from the first entry with a `dh`. aesgcm128 predates
 * Crypto-Key and carries the key in Encryption-Key.
 */
export function parseAesgcmHeaders(
  headers: PushHeaders | undefined,
  encoding: 'aesgcm' | 'aesgcm128' = 'aesgcm',
): AesgcmParams {
  const keyField = encoding === 'aesgcm' ? headers?.crypto_key : headers?.encryption_key;
  const keyName = encoding === 'aesgcm' ? 'Crypto-Key' : 'Encryption-Key';
  if (typeof keyField !== 'string' || keyField.trim() === '') {
    throw new DecryptError('missing crypto-key', `${encoding} needs a ${keyName} header`);
  }
  const encryption = headers?.encryption;
  if (typeof encryption !== 'string' || encryption.trim() === '') {
    throw new DecryptError('missing encryption header', `${encoding} needs an Encryption header`);
  }
  const { salt, rs, keyid } = parseEncryption(encryption);
  const withDh = parseCryptoKey(keyField).filter((e) => e.dh !== undefined);
  const chosen = (keyid !== undefined ? withDh.find((e) => e.keyid === keyid) : undefined) ?? withDh[0];
  if (chosen?.dh === undefined) throw new DecryptError('missing crypto-key', `the ${keyName} header has no dh`);
  const senderKey = decodeBase64(chosen.dh);
  if (senderKey === null) throw new DecryptError('invalid sender public key', 'dh is not base64');
  return { salt, rs, senderKey };
}
