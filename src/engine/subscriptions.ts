// The subscription registry: records in the Store, secrets sealed by the SecretBox and held opened in memory.

import type { SubscriptionKeys } from './crypto/index.ts';
import type { Logger, SecretBox, Store } from './ports.ts';
import { isStoredSubscription, type StoredSubscription } from './state-schema.ts';
import type { SubscriptionInfo, SubscriptionJSON, SubscriptionRecord } from './subscription-record.ts';

export class SubscriptionRegistry {
  #records = new Map<string, SubscriptionRecord>();
  #byChannel = new Map<string, string>();
  #keys = new Map<string, SubscriptionKeys>();
  #sealed = new Map<string, string>();
  readonly #store: Store;
  readonly #secrets: SecretBox;
  readonly #logger: Logger;

  constructor(store: Store, secrets: SecretBox, logger: Logger) {
    this.#store = store;
    this.#secrets = secrets;
    this.#logger = logger;
  }

  /** Loads every record and opens its secrets. Records that fail either are quarantined (kept, not used). */
  async load(): Promise<void> {
    const raw = this.#store.get('subscriptions');
    const stored = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
    const quarantine: Record<string, unknown> = { ...((this.#store.get('quarantine') as Record<string, unknown>) ?? {}) };
    let moved = 0;
    for (const [id, value] of Object.entries(stored)) {
      if (!isStoredSubscription(value) || value.id !== id) {
        quarantine[id] = { value, reason: 'bad shape' };
        moved++;
        continue;
      }
      try {
        const keys = unpackSecret(await this.#secrets.open(value.sealed), value.p256dh);
        const { sealed, ...record } = value;
        this.#index({ ...record }, keys, sealed);
      } catch (err) {
        quarantine[id] = { value, reason: `secrets could not be opened (${(err as Error).name})` };
        moved++;
      }
    }
    if (moved) {
      this.#logger.warn('subscriptions quarantined', { count: moved });
      this.#store.set('quarantine', quarantine);
      this.#persist();
    }
  }

  list(): SubscriptionRecord[] {
    return [...this.#records.values()].sort((a, b) => a.createdAt - b.createdAt);
  }
  get size(): number {
    return this.#records.size;
  }
  get(id: string): SubscriptionRecord | undefined {
    return this.#records.get(id);
  }
  byChannel(channelID: string): SubscriptionRecord | undefined {
    const id = this.#byChannel.get(channelID);
    return id === undefined ? undefined : this.#records.get(id);
  }
  keys(id: string): SubscriptionKeys | undefined {
    return this.#keys.get(id);
  }

  async put(record: SubscriptionRecord, keys: SubscriptionKeys): Promise<void> {
    const sealed = await this.#secrets.seal(packSecret(keys));
    const old = this.#records.get(record.id);
    if (old) this.#byChannel.delete(old.channelID);
    this.#index(record, keys, sealed);
    this.#persist();
  }

  /** Updates fields that are not secrets. */
  update(id: string, patch: Partial<Omit<SubscriptionRecord, 'id'>>): SubscriptionRecord | undefined {
    const old = this.#records.get(id);
    if (!old) return undefined;
    const next = { ...old, ...patch, id };
    if (patch.channelID && patch.channelID !== old.channelID) {
      this.#byChannel.delete(old.channelID);
      this.#byChannel.set(patch.channelID, id);
    }
    this.#records.set(id, next);
    this.#persist();
    return next;
  }

  remove(id: string): SubscriptionRecord | undefined {
    const old = this.#records.get(id);
    if (!old) return undefined;
    this.#records.delete(id);
    this.#byChannel.delete(old.channelID);
    this.#keys.delete(id);
    this.#sealed.delete(id);
    this.#persist();
    return old;
  }

  toJSON(id: string): SubscriptionJSON | null {
    const r = this.#records.get(id);
    const k = this.#keys.get(id);
    if (!r || !k) return null;
    return { endpoint: r.endpoint, expirationTime: null, keys: { p256dh: r.p256dh, auth: k.authSecret.toString('base64url') } };
  }

  info(id: string): SubscriptionInfo | null {
    const r = this.#records.get(id);
    const json = this.toJSON(id);
    if (!r || !json) return null;
    return { id: r.id, origin: r.origin, label: r.label, kind: r.kind, ...json, pendingReregistration: r.pendingReregistration !== undefined };
  }

  #index(record: SubscriptionRecord, keys: SubscriptionKeys, sealed: string): void {
    this.#records.set(record.id, record);
    this.#byChannel.set(record.channelID, record.id);
    this.#keys.set(record.id, keys);
    this.#sealed.set(record.id, sealed);
  }

  #persist(): void {
    const out: Record<string, StoredSubscription> = {};
    for (const r of this.#records.values()) out[r.id] = { ...r, sealed: this.#sealed.get(r.id)! };
    this.#store.set('subscriptions', out);
  }
}

// The sealed secret is the private scalar (32 bytes) followed by the auth secret (16 bytes).
function packSecret(keys: SubscriptionKeys): Uint8Array {
  return Buffer.concat([keys.privateKey, keys.authSecret]);
}

function unpackSecret(bytes: Uint8Array, p256dh: string): SubscriptionKeys {
  if (bytes.length !== 48) throw new Error('sealed secret has the wrong length');
  const buf = Buffer.from(bytes);
  return { privateKey: buf.subarray(0, 32), authSecret: buf.subarray(32, 48), publicKey: Buffer.from(p256dh, 'base64url') };
}
