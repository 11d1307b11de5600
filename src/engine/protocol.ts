// Mozilla push protocol frames (docs/protocol-notes.md §1): parsing what the service sends, building what we send.
// Parsing is total: any input yields a typed message or a ProtocolError, never an exception.
// Unknown fields are ignored, as the protocol requires of clients.

import type { PushHeaders } from './crypto/index.ts';

export type ServerMessage =
  | { type: 'hello'; uaid: string; status: number; useWebpush: boolean }
  | { type: 'register'; channelID: string; status: number; pushEndpoint: string | null }
  | { type: 'unregister'; channelID: string; status: number }
  | { type: 'notification'; channelID: string; version: string; data: string | null; headers: PushHeaders }
  | { type: 'legacy-updates'; updates: Array<{ channelID: string; version: number }> }
  | { type: 'ping' }
  | { type: 'broadcast' }
  | { type: 'urgency'; status: number }
  | { type: 'unknown'; messageType: string };

export type ProtocolErrorKind = 'not-text' | 'too-large' | 'bad-json' | 'not-an-object' | 'bad-field' | 'missing-field';

export class ProtocolError extends Error {
  readonly kind: ProtocolErrorKind;
  constructor(kind: ProtocolErrorKind, message: string) {
    super(message);
    this.name = 'ProtocolError';
    this.kind = kind;
  }
}

/** Larger than any legitimate frame: a 5630-byte body is ~7.5 KB of base64url plus headers. */
export const MAX_FRAME_BYTES = 64 * 1024;
const UAID = /^[0-9a-f]{32}$/;
const CHANNEL_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;
const HEADER_NAMES = ['encoding', 'encryption', 'crypto_key', 'encryption_key'] as const;

export function isChannelID(value: unknown): value is string {
  return typeof value === 'string' && CHANNEL_ID.test(value);
}
export function isUaid(value: unknown): value is string {
  return typeof value === 'string' && UAID.test(value);
}

function fail(kind: ProtocolErrorKind, message: string): { ok: false; error: ProtocolError } {
  return { ok: false, error: new ProtocolError(kind, message) };
}

type Parsed = { ok: true; message: ServerMessage } | { ok: false; error: ProtocolError };

export function parseServerFrame(raw: unknown, isBinary = false): Parsed {
  if (isBinary) return fail('not-text', 'binary frame');
  let text: string;
  if (typeof raw === 'string') text = raw;
  else if (raw instanceof Uint8Array) text = Buffer.from(raw).toString('utf8');
  else return fail('not-text', 'frame is not text');
  if (text.length > MAX_FRAME_BYTES) return fail('too-large', `frame of ${text.length} bytes`);
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch {
    return fail('bad-json', 'frame is not JSON');
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj))
    return fail('not-an-object', 'frame is not a JSON object');
  const m = obj as Record<string, unknown>;
  if (Object.keys(m).length === 0) return { ok: true, message: { type: 'ping' } };
  const type = m.messageType;
  if (typeof type !== 'string') return fail('missing-field', 'messageType missing');
  switch (type.toLowerCase()) {
    case 'hello': {
      if (!isUaid(m.uaid)) return fail('bad-field', 'hello.uaid');
      if (typeof m.status !== 'number') return fail('bad-field', 'hello.status');
      return {
        ok: true,
        message: { type: 'hello', uaid: m.uaid, status: m.status, useWebpush: m.use_webpush === true },
      };
    }
    case 'register': {
      if (!isChannelID(m.channelID)) return fail('bad-field', 'register.channelID');
      if (typeof m.status !== 'number') return fail('bad-field', 'register.status');
      const endpoint = typeof m.pushEndpoint === 'string' && isHttpUrl(m.pushEndpoint) ? m.pushEndpoint : null;
      if (m.status === 200 && endpoint === null) return fail('bad-field', 'register.pushEndpoint');
      return {
        ok: true,
        message: { type: 'register', channelID: m.channelID, status: m.status, pushEndpoint: endpoint },
      };
    }
    case 'unregister': {
      if (!isChannelID(m.channelID)) return fail('bad-field', 'unregister.channelID');
      return {
        ok: true,
        message: { type: 'unregister', channelID: m.channelID, status: typeof m.status === 'number' ? m.status : 0 },
      };
    }
    case 'notification':
      return parseNotification(m);
    case 'broadcast':
      return { ok: true, message: { type: 'broadcast' } };
    case 'urgency':
      return { ok: true, message: { type: 'urgency', status: typeof m.status === 'number' ? m.status : 0 } };
    case 'ping':
      return { ok: true, message: { type: 'ping' } };
    default:
      return { ok: true, message: { type: 'unknown', messageType: type.slice(0, 64) } };
  }
}

function parseNotification(m: Record<string, unknown>): Parsed {
  if (Array.isArray(m.updates)) {
    const updates: Array<{ channelID: string; version: number }> = [];
    for (const u of m.updates.slice(0, 1000)) {
      const update = u as Record<string, unknown>;
      if (typeof update !== 'object' || update === null || !isChannelID(update.channelID))
        return fail('bad-field', 'updates[].channelID');
      const version = typeof update.version === 'string' ? Number(update.version) : update.version;
      if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0)
        return fail('bad-field', 'updates[].version');
      updates.push({ channelID: update.channelID, version });
    }
    return { ok: true, message: { type: 'legacy-updates', updates } };
  }
  if (!isChannelID(m.channelID)) return fail('bad-field', 'notification.channelID');
  if (typeof m.version !== 'string' || m.version.length === 0 || m.version.length > 1024)
    return fail('bad-field', 'notification.version');
  let data: string | null = null;
  if (m.data !== undefined && m.data !== null) {
    if (typeof m.data !== 'string' || !BASE64URL.test(m.data)) return fail('bad-field', 'notification.data');
    data = m.data;
  }
  const headers: PushHeaders = {};
  if (m.headers !== undefined && m.headers !== null) {
    if (typeof m.headers !== 'object' || Array.isArray(m.headers)) return fail('bad-field', 'notification.headers');
    const h = m.headers as Record<string, unknown>;
    for (const name of HEADER_NAMES) {
      const value = h[name];
      if (value === undefined || value === null) continue;
      if (typeof value !== 'string' || value.length > 4096) return fail('bad-field', `notification.headers.${name}`);
      headers[name] = value;
    }
  }
  return { ok: true, message: { type: 'notification', channelID: m.channelID, version: m.version, data, headers } };
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

// ---- Client frames ----

export type AckCode = 100 | 101 | 102;
export type NackCode = 301 | 302 | 303;

export const clientFrames = {
  /** `useWebpush` false only for the Simple Push session (simple-push.ts). */
  hello(uaid: string | null, useWebpush = true): string {
    return JSON.stringify({
      messageType: 'hello',
      ...(uaid ? { uaid } : {}),
      ...(useWebpush ? { use_webpush: true } : {}),
      broadcasts: {},
    });
  },
  register(channelID: string, key: string | null): string {
    return JSON.stringify({ messageType: 'register', channelID, ...(key ? { key } : {}) });
  },
  unregister(channelID: string, code: 200 | 201 | 202): string {
    return JSON.stringify({ messageType: 'unregister', channelID, code });
  },
  /** Web Push acks carry each message's version and an ack code; Simple Push acks carry the integer versions back. */
  ack(
    updates:
      Array<{ channelID: string; version: string; code: AckCode }> | Array<{ channelID: string; version: number }>,
  ): string {
    return JSON.stringify({ messageType: 'ack', updates });
  },
  nack(version: string, code: NackCode): string {
    return JSON.stringify({ messageType: 'nack', version, code });
  },
  urgency(min: 'very-low' | 'low' | 'normal' | 'high'): string {
    return JSON.stringify({ messageType: 'urgency', min });
  },
  ping(): string {
    return '{}';
  },
};
