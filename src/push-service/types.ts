// Types shared by the service modules.

export type Urgency = 'very-low' | 'low' | 'normal' | 'high';

export const URGENCY_RANK: Readonly<Record<Urgency, number>> = { 'very-low': 0, low: 1, normal: 2, high: 3 };

export function isUrgency(v: unknown): v is Urgency {
  return typeof v === 'string' && Object.hasOwn(URGENCY_RANK, v);
}

/** One push message as the service keeps it until it is acked, expires, is replaced or deleted. */
export interface StoredMessage {
  /** Message id: the `version` the client echoes, and the `/m/<id>` path. */
  id: string;
  channelID: string;
  /** Service clock (options.now), ms. */
  receivedAt: number;
  /** Effective TTL, seconds. */
  ttl: number;
  expiresAt: number;
  urgency: Urgency;
  topic?: string;
  /** Body, base64url without padding; absent for an empty body. */
  data?: string;
  /** `encoding` / `encryption` / `crypto_key` as sent to the client; absent for an empty body. */
  headers?: Record<string, string>;
  /** Integer version of a legacy SimplePush update. */
  legacyVersion?: number;
  /** Bytes counted against the memory cap. */
  size: number;
}

export interface ResolvedOptions {
  port: number;
  host: string;
  dataFile: string | undefined;
  helloTimeoutMs: number;
  pingIntervalMs: number;
  pongTimeoutMs: number;
  clientPingMinIntervalMs: number;
  maxMessagesPerSession: number;
  batchSize: number;
  maxBodyBytes: number;
  maxTtlSeconds: number;
  urgency: boolean;
  maxChannelsPerUaid: number;
  maxStoredPerChannel: number;
  maxQueuedBytesPerConnection: number;
  maxStoredBytes: number;
  maxStoredBytesPerUaid: number;
  maxUaids: number;
  maxConnections: number;
  maxConnectionsPerAddress: number;
  closeTimeoutMs: number;
  now: () => number;
  echoSubprotocol: boolean;
}
