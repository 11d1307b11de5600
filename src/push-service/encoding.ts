// Small, strict encoders shared by the service. Node's own base64url decoder silently skips bad characters,
// which would let a malformed key or token "decode"; these reject anything outside the alphabet.

const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

/** Decodes base64url, tolerating trailing `=` padding (Firefox pads keys). Returns undefined if malformed. */
export function decodeBase64Url(text: string): Buffer | undefined {
  if (!BASE64URL.test(text)) return undefined;
  const bare = text.replace(/=+$/, '');
  if (bare.length % 4 === 1) return undefined;
  return Buffer.from(bare, 'base64url');
}

export function encodeBase64Url(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64url');
}

/** 32 lower-case hex digits, the form the service hands out. */
export function isSimpleUaid(text: string): boolean {
  return /^[0-9a-f]{32}$/.test(text);
}

/**
 * Parses a client-supplied UAID the way autopush does (any UUID spelling: dashed or not, any case) and returns the
 * canonical 32-hex form, or undefined when it is not a UUID at all.
 */
export function normalizeUaid(text: string): string | undefined {
  const t = text.toLowerCase();
  if (/^[0-9a-f]{32}$/.test(t)) return t;
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(t)) return t.replace(/-/g, '');
  return undefined;
}

/** channelID as the register message must spell it: lower-case, dashed, version 4 (autopush closes otherwise). */
export function isStrictChannelId(text: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(text);
}

/** Any UUID spelling, normalised to lower-case dashed (used where autopush only deserialises a Uuid). */
export function normalizeUuid(text: string): string | undefined {
  const simple = normalizeUaid(text);
  if (!simple) return undefined;
  return `${simple.slice(0, 8)}-${simple.slice(8, 12)}-${simple.slice(12, 16)}-${simple.slice(16, 20)}-${simple.slice(20)}`;
}

export function uuidToBytes(uuid: string): Buffer {
  return Buffer.from(uuid.replace(/-/g, ''), 'hex');
}

export function bytesToUuid(bytes: Buffer): string {
  const h = bytes.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
