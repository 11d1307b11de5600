// Endpoint tokens and message ids. Both are sealed with AES-256-GCM under keys derived from one service secret, so
// a sender cannot forge an endpoint for another channel from one it holds, and any tampered byte fails
// authentication (the HTTP layer turns that into 404 / 400). The secret is persisted with the data file so
// endpoints survive restarts.
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { bytesToUuid, decodeBase64Url, encodeBase64Url, uuidToBytes } from './encoding.ts';

const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface EndpointToken {
  uaid: string; // 32 hex
  channelID: string; // lower-case dashed
  /** SHA-256 of the application server key (v2 endpoints only). */
  keyHash?: Buffer;
}

export interface MessageIdParts {
  uaid: string;
  channelID: string;
}

type Purpose = 'endpoint-v1' | 'endpoint-v2' | 'message-id';

export class TokenCodec {
  readonly secret: Buffer;
  #keys: Map<Purpose, Buffer>;

  constructor(secret: Buffer = randomBytes(32)) {
    if (secret.length < 16) throw new Error('token secret too short');
    this.secret = secret;
    // One key per purpose: a v1 token can never be replayed as a v2 token or a message id.
    this.#keys = new Map();
    for (const p of ['endpoint-v1', 'endpoint-v2', 'message-id'] as const) {
      this.#keys.set(p, Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), `push-service ${p}`, 32)));
    }
  }

  static keyHash(rawKey: Uint8Array): Buffer {
    return createHash('sha256').update(rawKey).digest();
  }

  endpointToken(t: EndpointToken): { version: 'v1' | 'v2'; token: string } {
    const ids = Buffer.concat([uuidToBytes(t.uaid), uuidToBytes(t.channelID)]);
    if (t.keyHash) return { version: 'v2', token: this.#seal('endpoint-v2', Buffer.concat([ids, t.keyHash])) };
    return { version: 'v1', token: this.#seal('endpoint-v1', ids) };
  }

  /** Opens a token for the given path version; undefined for anything forged, truncated or of the other version. */
  openEndpointToken(version: 'v1' | 'v2', token: string): EndpointToken | undefined {
    const plain = this.#open(version === 'v1' ? 'endpoint-v1' : 'endpoint-v2', token);
    if (!plain || plain.length !== (version === 'v1' ? 32 : 64)) return undefined;
    const uaid = plain.subarray(0, 16).toString('hex');
    const channelID = bytesToUuid(plain.subarray(16, 32));
    return version === 'v1' ? { uaid, channelID } : { uaid, channelID, keyHash: Buffer.from(plain.subarray(32)) };
  }

  /** A fresh message id (also the `version` the client echoes) naming its subscription, for DELETE /m/<id>. */
  messageId(uaid: string, channelID: string): string {
    return this.#seal('message-id', Buffer.concat([Buffer.from(uaid, 'hex'), uuidToBytes(channelID), randomBytes(8)]));
  }

  openMessageId(id: string): MessageIdParts | undefined {
    const plain = this.#open('message-id', id);
    if (!plain || plain.length !== 40) return undefined;
    return { uaid: plain.subarray(0, 16).toString('hex'), channelID: bytesToUuid(plain.subarray(16, 32)) };
  }

  #seal(purpose: Purpose, plain: Buffer): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#keys.get(purpose)!, iv);
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return encodeBase64Url(Buffer.concat([iv, body, cipher.getAuthTag()]));
  }

  #open(purpose: Purpose, token: string): Buffer | undefined {
    if (token.length > 512) return undefined;
    const raw = decodeBase64Url(token);
    if (!raw || raw.length < IV_BYTES + TAG_BYTES) return undefined;
    // Only the canonical spelling: otherwise a changed final character could decode to the same bytes.
    if (encodeBase64Url(raw) !== token) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#keys.get(purpose)!, raw.subarray(0, IV_BYTES));
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]);
    } catch {
      return undefined;
    }
  }
}
