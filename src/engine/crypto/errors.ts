// The one error type message decryption throws. `kind` is stable (logged, counted, shown to the user);
// the kinds shared with tests/fixtures/vectors/webpush-decrypt.json are spelled exactly as the vectors spell them.
// Messages describe the failure only: never key material, secrets, salts, header values or payload bytes.

export const DECRYPT_ERROR_KINDS = [
  /** Content-Encoding missing, or not aes128gcm / aesgcm / aesgcm128. */
  'unsupported encoding',
  /** aesgcm: no Crypto-Key header, or no `dh` in it (aesgcm128: no Encryption-Key). */
  'missing crypto-key',
  /** aesgcm / aesgcm128: no Encryption header. */
  'missing encryption header',
  /** Salt absent, not base64, or not 16 bytes. */
  'invalid salt',
  /** rs absent-but-malformed, out of range, or too small to carry data. */
  'invalid record size',
  /** Sender key not a 65-byte uncompressed P-256 point on the curve (aes128gcm keyid or aesgcm `dh`). */
  'invalid sender public key',
  /** aes128gcm: body shorter than its salt | rs | idlen | keyid header. */
  'truncated header',
  /** No ciphertext, or (aesgcm) the body ends on a record boundary without the final short record. */
  'truncated data',
  /** A record too short to hold the tag and the padding / delimiter. */
  'record too short',
  /** AES-GCM tag check failed: wrong keys, wrong salt, or altered bytes. */
  'authentication failed',
  /** Padding or delimiter rules broken after a record authenticated. */
  'bad padding',
  /** The subscription's own keys are malformed (wrong lengths, scalar out of range, public half mismatched). */
  'invalid subscription keys',
  /** The message object itself has the wrong shape (data not bytes). */
  'invalid input',
  /** Anything unforeseen: a safety net so that callers only ever see DecryptError. */
  'internal error',
] as const;

export type DecryptErrorKind = (typeof DECRYPT_ERROR_KINDS)[number];

export class DecryptError extends Error {
  readonly kind: DecryptErrorKind;
  constructor(kind: DecryptErrorKind, message: string) {
    super(`${kind}: ${message}`);
    this.name = 'DecryptError';
    this.kind = kind;
  }
}
