// The subscription registry: records in the Store, secrets sealed by the SecretBox and held opened in memory.

import type { SubscriptionKeys } from './crypto/index.ts';
import { OpenedSecrets, SECRET_BYTES } from './opened-secrets.ts';
import { SecretsUnavailableError, type Logger, type SecretBox, type Store } from './ports.ts';
import { isStoredSubscription, type StoredSubscription } from './state-schema.ts';
import type { SubscriptionInfo, SubscriptionJSON, SubscriptionRecord } from './subscription-record.ts';
import { deepFreeze } from './deep-freeze.ts';

/** A subscription registered anew after a UAID reset, not yet stored. */
export interface Reregistered {
  id: string;
  channelID: string;
  endpoint: string;
  keys: SubscriptionKeys;
}

/**
 * How many re-registered subscriptions are stored per write in a round of `waiting`: a fixed share of the round,
 * so a round costs a bounded number of whole-document writes (linear in all), while a round cut short by a drop,
 * a stop or a crash loses at most one share of its work (those stay marked and are registered again).
 */
export function reregistrationGroupSize(waiting: number): number {
  return Math.max(1, Math.ceil(waiting / REREGISTRATION_WRITES_PER_ROUND));
}
const REREGISTRATION_WRITES_PER_ROUND = 8;

/**
 * A record as the registry holds it: the stored object itself, sealed secret included, deeply frozen. The Store holds
 * the same objects (the JSON file store shares a frozen value instead of copying it), so a subscription costs one
 * object, not a record and the store's copy (issue 19, memory per subscription). Callers get it typed as a
 * SubscriptionRecord; what they print or send, they pick field by field.
 */
type HeldRecord = Readonly<StoredSubscription>;

export class SubscriptionRegistry {
  #records = new Map<string, HeldRecord>();
  #byChannel = new Map<string, string>();
  /**
   * Each subscription's opened secret as raw bytes (private scalar, then auth secret), in one buffer: the key objects
   * are made when asked for, so an idle subscription costs a slot, not four views and an object (issue 19's memory).
   */
  #opened = new OpenedSecrets();
  /** Records that could not be used, exactly as stored. */
  #aside = new Map<string, { value: unknown; reason: 'locked' | 'unopened' | 'bad-shape' }>();
  readonly #store: Store;
  readonly #secrets: SecretBox;
  readonly #logger: Logger;

  constructor(store: Store, secrets: SecretBox, logger: Logger) {
    this.#store = store;
    this.#secrets = secrets;
    this.#logger = logger;
  }

  /**
   * Loads every record and opens its secrets. Never writes: a record that cannot be used is kept aside exactly as
   * stored (and written back as it is), `locked` when the SecretBox's key cannot be reached now, `unopened` when
   * its secrets do not open, `bad-shape` when it is not a subscription. reopen() tries the first two again.
   */
  async load(): Promise<void> {
    const raw = this.#store.get('subscriptions');
    const stored = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
    const ids = Object.keys(stored);
    this.#opened.reserve(ids.length);
    for (const id of ids) {
      const value = stored[id];
      if (!isStoredSubscription(value) || value.id !== id) {
        this.#aside.set(id, { value, reason: 'bad-shape' });
        continue;
      }
      await this.#open(value);
    }
    if (this.#aside.size) this.#logger.warn('subscriptions kept aside', this.asideCounts());
  }

  /** Tries the records kept aside for their secrets again (the key came back). Returns how many opened. */
  async reopen(): Promise<number> {
    let opened = 0;
    for (const [id, { value, reason }] of [...this.#aside]) {
      if (reason === 'bad-shape') continue;
      if (await this.#open(value as StoredSubscription)) {
        this.#aside.delete(id);
        opened++;
      }
    }
    if (opened) this.#logger.info('subscriptions opened after their key came back', { opened });
    return opened;
  }

  async #open(value: StoredSubscription): Promise<boolean> {
    try {
      const secret = openedSecret(await this.#secrets.open(value.sealed));
      this.#index(frozenRecord(value), secret);
      return true;
    } catch (err) {
      this.#aside.set(value.id, { value, reason: err instanceof SecretsUnavailableError ? 'locked' : 'unopened' });
      return false;
    }
  }

  /** How many records are kept aside, by reason. */
  asideCounts(): { locked: number; unopened: number; badShape: number } {
    const counts = { locked: 0, unopened: 0, badShape: 0 };
    for (const { reason } of this.#aside.values()) counts[reason === 'bad-shape' ? 'badShape' : reason]++;
    return counts;
  }

  /** True when the channel belongs to a record kept aside: it is ours, not to be forgotten at the service. */
  isAsideChannel(channelID: string): boolean {
    for (const { value } of this.#aside.values())
      if ((value as { channelID?: unknown } | null)?.channelID === channelID) return true;
    return false;
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
    const r = this.#records.get(id);
    const secret = r && this.#opened.get(id);
    if (!r || !secret) return undefined;
    return {
      privateKey: secret.subarray(0, 32),
      authSecret: secret.subarray(32, 48),
      publicKey: Buffer.from(r.p256dh, 'base64url'),
    };
  }

  async put(record: SubscriptionRecord, keys: SubscriptionKeys): Promise<void> {
    const secret = packSecret(keys);
    const sealed = await this.#secrets.seal(secret);
    const old = this.#records.get(record.id);
    if (old) this.#byChannel.delete(old.channelID);
    this.#index(storedRecord({ ...record, sealed }), secret);
    this.#persist();
  }

  /**
   * Stores a group of re-registered subscriptions (new channel, endpoint and keys, no longer waiting) in one write of
   * the state: each write rewrites the whole document, so one per subscription makes a round quadratic. The rest of
   * each record is taken as it is now (a rename meanwhile stays). A subscription removed meanwhile is not brought
   * back: the ids skipped that way are returned, so their new channels can be forgotten at the service.
   */
  async storeReregistered(group: readonly Reregistered[]): Promise<Set<string>> {
    const sealed: string[] = [];
    const secrets = group.map(({ keys }) => packSecret(keys));
    for (const secret of secrets) sealed.push(await this.#secrets.seal(secret));
    const skipped = new Set<string>();
    group.forEach(({ id, channelID, endpoint, keys }, i) => {
      const old = this.#records.get(id);
      if (!old) {
        skipped.add(id);
        return;
      }
      const { pendingReregistration: _, ...rest } = old;
      this.#byChannel.delete(old.channelID);
      this.#index(
        storedRecord({
          ...rest,
          channelID,
          endpoint,
          p256dh: keys.publicKey.toString('base64url'),
          sealed: sealed[i]!,
        }),
        secrets[i]!,
      );
    });
    if (skipped.size < group.length) this.#persist();
    return skipped;
  }

  /** Updates fields that are not secrets of many records in one write of the state. Unknown ids are ignored. */
  updateMany(
    patches: ReadonlyArray<readonly [id: string, patch: Partial<Omit<SubscriptionRecord, 'id' | 'channelID'>>]>,
  ): void {
    let changed = false;
    for (const [id, patch] of patches) {
      const old = this.#records.get(id);
      if (!old) continue;
      this.#records.set(id, storedRecord({ ...old, ...patch, id }));
      changed = true;
    }
    if (changed) this.#persist();
  }

  /** Updates fields that are not secrets. */
  update(id: string, patch: Partial<Omit<SubscriptionRecord, 'id'>>): SubscriptionRecord | undefined {
    const old = this.#records.get(id);
    if (!old) return undefined;
    const next = storedRecord({ ...old, ...patch, id });
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
    this.#opened.delete(id);
    this.#persist();
    return old;
  }

  toJSON(id: string): SubscriptionJSON | null {
    const r = this.#records.get(id);
    const secret = r && this.#opened.get(id);
    if (!r || !secret) return null;
    return {
      endpoint: r.endpoint,
      expirationTime: null,
      keys: { p256dh: r.p256dh, auth: secret.subarray(32, 48).toString('base64url') },
    };
  }

  info(id: string): SubscriptionInfo | null {
    const r = this.#records.get(id);
    const json = this.toJSON(id);
    if (!r || !json) return null;
    return {
      id: r.id,
      origin: r.origin,
      label: r.label,
      kind: r.kind,
      ...json,
      pendingReregistration: r.pendingReregistration !== undefined,
    };
  }

  #index(record: HeldRecord, secret: Uint8Array): void {
    this.#records.set(record.id, record);
    this.#byChannel.set(record.channelID, record.id);
    this.#opened.set(record.id, secret);
  }

  #persist(): void {
    const out: Record<string, unknown> = {};
    // Records kept aside go back exactly as they were read.
    for (const [id, { value }] of this.#aside) out[id] = value;
    for (const r of this.#records.values()) out[r.id] = r;
    this.#store.set('subscriptions', Object.freeze(out));
  }
}

/**
 * Every field of a stored record: always there, or optional. Typed against StoredSubscription, so a field added to the
 * record does not compile until it is named here and in storedRecord's literal (which lays out the `always` ones).
 */
const FIELDS = {
  id: 'always',
  channelID: 'always',
  kind: 'always',
  origin: 'always',
  scope: 'always',
  endpoint: 'always',
  applicationServerKey: 'always',
  userVisibleOnly: 'always',
  p256dh: 'always',
  label: 'always',
  workerScriptURL: 'always',
  createdAt: 'always',
  muted: 'always',
  paused: 'always',
  sealed: 'always',
  legacyVersion: 'optional',
  pendingReregistration: 'optional',
} as const satisfies Record<keyof StoredSubscription, 'always' | 'optional'>;
const RECORD_FIELDS = new Set(Object.keys(FIELDS).filter((k) => FIELDS[k as keyof typeof FIELDS] === 'always'));
const OPTIONAL_FIELDS = new Set(Object.keys(FIELDS).filter((k) => FIELDS[k as keyof typeof FIELDS] === 'optional'));

/**
 * A record this registry made (subscribed, updated, registered again), frozen. An object literal holds its fields
 * inside the object; a spread (`{ ...old, ...patch }`) fills a new object field by field, most of them in a second
 * array (~37 bytes more per subscription, measured in a heap snapshot at 10,000; issue 19). A record with fields
 * this version does not know (written by a newer one), or without some, is kept as the spread made it, so nothing it
 * holds is lost or added.
 */
function storedRecord(value: StoredSubscription): HeldRecord {
  let known = 0;
  for (const key of Object.keys(value)) {
    if (RECORD_FIELDS.has(key)) known++;
    else if (!OPTIONAL_FIELDS.has(key)) known = Number.NaN;
  }
  if (known !== RECORD_FIELDS.size) return frozenRecord(value);
  const record: StoredSubscription = {
    id: value.id,
    channelID: value.channelID,
    kind: value.kind,
    origin: value.origin,
    scope: value.scope,
    endpoint: value.endpoint,
    applicationServerKey: value.applicationServerKey,
    userVisibleOnly: value.userVisibleOnly,
    p256dh: value.p256dh,
    label: value.label,
    workerScriptURL: value.workerScriptURL,
    createdAt: value.createdAt,
    muted: value.muted,
    paused: value.paused,
    sealed: value.sealed,
  };
  if ('legacyVersion' in value) record.legacyVersion = value.legacyVersion;
  if ('pendingReregistration' in value) record.pendingReregistration = value.pendingReregistration;
  return frozenRecord(record);
}

/**
 * `record`, frozen all through, so the store can hold it as it is. A loaded record is used as the store gave it
 * (frozen already by the JSON file store; another store's copy is ours to freeze); an object inside a record made
 * here that is not frozen yet (a caller's patch) is copied first, so the caller's object is not frozen under it.
 */
function frozenRecord(record: StoredSubscription): HeldRecord {
  if (Object.isFrozen(record)) return record;
  for (const key of Object.keys(record)) {
    const value = (record as unknown as Record<string, unknown>)[key];
    if (typeof value === 'object' && value !== null && !Object.isFrozen(value))
      (record as unknown as Record<string, unknown>)[key] = deepFreeze(structuredClone(value));
  }
  return Object.freeze(record);
}

// The sealed secret is the private scalar (32 bytes) followed by the auth secret (16 bytes).
function packSecret(keys: SubscriptionKeys): Buffer {
  return Buffer.concat([keys.privateKey, keys.authSecret]);
}

function openedSecret(bytes: Uint8Array): Uint8Array {
  if (bytes.length !== SECRET_BYTES) throw new Error('sealed secret has the wrong length');
  return bytes;
}
