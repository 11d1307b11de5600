// Simple Push, the deprecated Firefox OS API (docs/architecture.md "Subscriptions"): version-only pushes.
//
// A Web Push session (hello with use_webpush) gets a PUT to /spush/v1 as a data-less message, which loses the
// version (docs/protocol-notes.md §1-2). So legacy registrations live on a second, Simple Push session: its own socket
// and
// UAID, hello without use_webpush, /spush/v1 endpoints, and `updates` notifications carrying integer versions.
// It is opened only while legacy registrations exist.

import { randomUUID } from 'node:crypto';
import { PushConnection, type ConnectionOptions } from './push-connection.ts';
import { clientFrames, type ServerMessage } from './protocol.ts';
import type { Clock, Logger, Store } from './ports.ts';
import type { SubscriptionRegistry } from './subscription-registry.ts';
import type { SubscriptionRecord } from './subscription-record.ts';

export interface SimplePushHost {
  registry: SubscriptionRegistry;
  store: Store;
  clock: Clock;
  logger: Logger;
  serviceUrl: string;
  connection?: Partial<Omit<ConnectionOptions, 'url' | 'clock' | 'logger'>>;
  /** A version arrived for a legacy registration (already checked to be above the last one seen). */
  push(sub: SubscriptionRecord, version: number | null): void;
  /** The service issued a new UAID and these origins' registrations were renewed (`push-register`). */
  reregistered(origins: Set<string>): void;
}

const UAID_KEY = 'legacyUaid';
const SERVICE_KEY = 'legacyServiceUrl';

export class SimplePushSession {
  #conn: PushConnection | null = null;
  #renewing: Promise<void> | null = null;
  readonly #host: SimplePushHost;

  constructor(host: SimplePushHost) {
    this.#host = host;
  }

  #legacySubs(): SubscriptionRecord[] {
    return this.#host.registry.list().filter((s) => s.kind === 'legacy');
  }

  /** Opens the session if it is not open. */
  start(): PushConnection {
    if (this.#conn) return this.#conn;
    const h = this.#host;
    this.#conn = new PushConnection(
      { ...h.connection, url: h.serviceUrl, clock: h.clock, logger: h.logger, useWebpush: false },
      {
        helloUaid: () => {
          const uaid = h.store.get(UAID_KEY);
          return this.#legacySubs().length > 0 && h.store.get(SERVICE_KEY) === h.serviceUrl && typeof uaid === 'string'
            ? uaid
            : null;
        },
        hello: (uaid) => this.#onHello(uaid),
        message: (m) => this.#onMessage(m),
        state: (state, detail) => h.logger.debug('simple push session', { state, ...detail }),
      },
    );
    this.#conn.start();
    return this.#conn;
  }

  /** Starts the session when legacy registrations exist (at engine start). */
  startIfNeeded(): void {
    if (this.#legacySubs().length > 0) this.start();
  }

  async register(channelID: string): Promise<string> {
    return this.start().register(channelID, null);
  }

  async unregister(channelID: string): Promise<void> {
    await this.start().unregister(channelID, 200);
  }

  wake(): void {
    this.#conn?.wake();
  }

  /** Resolves when a renewal after a UAID change has finished. */
  async settled(): Promise<void> {
    await this.#renewing;
  }

  async stop(): Promise<void> {
    await this.#conn?.stop();
    this.#conn = null;
  }

  #onHello(uaid: string): void {
    const h = this.#host;
    const previous = h.store.get(UAID_KEY);
    h.store.set(UAID_KEY, uaid);
    h.store.set(SERVICE_KEY, h.serviceUrl);
    if (typeof previous === 'string' && previous !== uaid && this.#legacySubs().length > 0) {
      const conn = this.#conn!;
      this.#renewing = conn
        .whenReady()
        .then(() => this.#renewAll(conn))
        .catch((err: Error) => h.logger.error('simple push re-registration failed', { error: err.message }))
        .finally(() => {
          this.#renewing = null;
        });
    }
  }

  async #renewAll(conn: PushConnection): Promise<void> {
    const h = this.#host;
    const origins = new Set<string>();
    for (const old of this.#legacySubs()) {
      const channelID = randomUUID();
      const endpoint = await conn.register(channelID, null);
      h.registry.update(old.id, { channelID, endpoint, legacyVersion: 0 });
      origins.add(old.origin);
    }
    h.reregistered(origins);
  }

  #onMessage(m: ServerMessage): void {
    const h = this.#host;
    if (m.type === 'legacy-updates') {
      for (const u of m.updates) {
        const sub = h.registry.byChannel(u.channelID);
        if (sub?.kind !== 'legacy') continue;
        // Versions not above the last one seen are ignored (docs/architecture.md "Subscriptions").
        if (u.version <= (sub.legacyVersion ?? 0)) continue;
        h.registry.update(sub.id, { legacyVersion: u.version });
        h.push(sub, u.version);
      }
      this.#conn?.send(clientFrames.ack(m.updates));
      return;
    }
    h.logger.debug('simple push session ignored a message', { type: m.type });
  }
}
