// What the service remembers: UAIDs with their channels and undelivered messages, kept in memory, optionally
// written to a JSON file (atomically, debounced) so a restart keeps every subscription and stored message.
import { chmodSync, closeSync, fchmodSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { PushServiceError } from './errors.ts';
import { isUrgency, type StoredMessage, type Urgency } from './types.ts';

export interface UaidRecord {
  uaid: string;
  channels: Set<string>;
  /** Insertion-ordered: delivery order. */
  messages: Map<string, StoredMessage>;
  perChannel: Map<string, number>;
  /** `channelID + '\n' + topic` -> message id: the message a new one with that Topic replaces, without a scan. */
  byTopic: Map<string, string>;
  /** channelID -> id of the channel's stored SimplePush update (only the newest is kept, so at most one). */
  legacy: Map<string, string>;
  /** Bytes of this UAID's stored messages, against its share (`maxStoredBytesPerUaid`). */
  bytes: number;
  /** Last `urgency` the client asked for (experimental urgency extension). */
  minUrgency?: Urgency;
}

export interface StoreLimits {
  maxUaids: number;
  maxChannelsPerUaid: number;
  maxStoredPerChannel: number;
  maxStoredBytes: number;
  /** One UAID's share of `maxStoredBytes`, so one client cannot fill the store for every other. */
  maxStoredBytesPerUaid: number;
}

export type AddResult =
  { ok: true; replaced: StoredMessage[] } | { ok: false; reason: 'channel-full' | 'uaid-full' | 'store-full' };

function newRecord(uaid: string): UaidRecord {
  return {
    uaid,
    channels: new Set(),
    messages: new Map(),
    perChannel: new Map(),
    byTopic: new Map(),
    legacy: new Map(),
    bytes: 0,
  };
}

const topicKey = (channelID: string, topic: string): string => `${channelID}\n${topic}`;

export class Store {
  readonly limits: StoreLimits;
  /**
   * Called after every change (persistence hooks in here). `subscriptions` is true when channels or UAIDs changed:
   * an endpoint handed out must survive a crash right after its register reply, so those are written at once.
   */
  onChange: (subscriptions: boolean) => void = () => {};
  #uaids = new Map<string, UaidRecord>();
  /** message id -> owning UAID, for acks and DELETE /m/<id>. */
  #owner = new Map<string, string>();
  #storedBytes = 0;
  /**
   * Stored messages visited by scans (drain batches, expiry sweeps, unregister). A cost figure: tests and
   * benchmarks check that acks and sends do not scan what is stored.
   */
  scanned = 0;

  constructor(limits: StoreLimits) {
    this.limits = limits;
  }

  get uaidCount(): number {
    return this.#uaids.size;
  }

  get channelCount(): number {
    let n = 0;
    for (const r of this.#uaids.values()) n += r.channels.size;
    return n;
  }

  get messageCount(): number {
    return this.#owner.size;
  }

  get storedBytes(): number {
    return this.#storedBytes;
  }

  get(uaid: string): UaidRecord | undefined {
    return this.#uaids.get(uaid);
  }

  /** Creates the record on first register (a fresh UAID is not stored before). Undefined when at the cap. */
  ensure(uaid: string): UaidRecord | undefined {
    let rec = this.#uaids.get(uaid);
    if (rec) return rec;
    if (this.#uaids.size >= this.limits.maxUaids) return undefined;
    rec = newRecord(uaid);
    this.#uaids.set(uaid, rec);
    this.onChange(false);
    return rec;
  }

  deleteUaid(uaid: string): void {
    const rec = this.#uaids.get(uaid);
    if (!rec) return;
    for (const m of rec.messages.values()) this.#forget(m);
    this.#uaids.delete(uaid);
    this.onChange(true);
  }

  /** 'exists' makes register idempotent; 'full' is the per-UAID channel cap. */
  addChannel(rec: UaidRecord, channelID: string): 'added' | 'exists' | 'full' {
    if (rec.channels.has(channelID)) return 'exists';
    if (rec.channels.size >= this.limits.maxChannelsPerUaid) return 'full';
    rec.channels.add(channelID);
    this.onChange(true);
    return 'added';
  }

  /** Drops the channel and its undelivered messages. Returns the dropped messages. */
  removeChannel(uaid: string, channelID: string): StoredMessage[] {
    const rec = this.#uaids.get(uaid);
    if (!rec || !rec.channels.delete(channelID)) return [];
    const dropped: StoredMessage[] = [];
    for (const m of this.visit(rec)) if (m.channelID === channelID) dropped.push(m);
    for (const m of dropped) this.#remove(rec, m);
    this.onChange(true);
    return dropped;
  }

  /**
   * Stores a message. A message with the same Topic on the same channel (or, for SimplePush, any earlier update
   * of the channel) is replaced: only the newest is delivered.
   */
  add(rec: UaidRecord, msg: StoredMessage): AddResult {
    const replaced: StoredMessage[] = [];
    const same =
      msg.topic !== undefined
        ? rec.byTopic.get(topicKey(msg.channelID, msg.topic))
        : msg.legacyVersion !== undefined
          ? rec.legacy.get(msg.channelID)
          : undefined;
    const old = same === undefined ? undefined : rec.messages.get(same);
    if (old) replaced.push(old);
    const freed = old?.size ?? 0;
    if ((rec.perChannel.get(msg.channelID) ?? 0) - replaced.length >= this.limits.maxStoredPerChannel) {
      return { ok: false, reason: 'channel-full' };
    }
    if (rec.bytes - freed + msg.size > this.limits.maxStoredBytesPerUaid) return { ok: false, reason: 'uaid-full' };
    if (this.#storedBytes - freed + msg.size > this.limits.maxStoredBytes) return { ok: false, reason: 'store-full' };
    for (const m of replaced) this.#remove(rec, m);
    this.#insert(rec, msg);
    this.onChange(false);
    return { ok: true, replaced };
  }

  /** The messages of one UAID in delivery order, counted in `scanned`. Live: sees later additions, skips removals. */
  *visit(rec: UaidRecord): Generator<StoredMessage, void, undefined> {
    for (const m of rec.messages.values()) {
      this.scanned++;
      yield m;
    }
  }

  /** The stored SimplePush update of a channel, found without a scan. */
  legacyMessage(rec: UaidRecord, channelID: string): StoredMessage | undefined {
    const id = rec.legacy.get(channelID);
    return id === undefined ? undefined : rec.messages.get(id);
  }

  getMessage(id: string): { rec: UaidRecord; msg: StoredMessage } | undefined {
    const uaid = this.#owner.get(id);
    const rec = uaid === undefined ? undefined : this.#uaids.get(uaid);
    const msg = rec?.messages.get(id);
    return rec && msg ? { rec, msg } : undefined;
  }

  /** Removes one message by id (ack, DELETE, expiry). Returns it if it was stored. */
  removeMessage(id: string): StoredMessage | undefined {
    const found = this.getMessage(id);
    if (!found) return undefined;
    this.#remove(found.rec, found.msg);
    this.onChange(false);
    return found.msg;
  }

  /** Drops expired messages, everywhere or for one UAID. Returns how many. */
  purgeExpired(now: number, rec?: UaidRecord): number {
    let n = 0;
    for (const r of rec ? [rec] : this.#uaids.values()) {
      for (const m of this.visit(r)) {
        if (m.expiresAt <= now) {
          this.#remove(r, m);
          n++;
        }
      }
    }
    if (n) this.onChange(false);
    return n;
  }

  setMinUrgency(rec: UaidRecord, min: Urgency): void {
    rec.minUrgency = min;
    this.onChange(false);
  }

  #insert(rec: UaidRecord, m: StoredMessage): void {
    rec.messages.set(m.id, m);
    rec.perChannel.set(m.channelID, (rec.perChannel.get(m.channelID) ?? 0) + 1);
    if (m.topic !== undefined) rec.byTopic.set(topicKey(m.channelID, m.topic), m.id);
    if (m.legacyVersion !== undefined) rec.legacy.set(m.channelID, m.id);
    rec.bytes += m.size;
    this.#owner.set(m.id, rec.uaid);
    this.#storedBytes += m.size;
  }

  #remove(rec: UaidRecord, m: StoredMessage): void {
    if (!rec.messages.delete(m.id)) return;
    const left = (rec.perChannel.get(m.channelID) ?? 1) - 1;
    if (left > 0) rec.perChannel.set(m.channelID, left);
    else rec.perChannel.delete(m.channelID);
    if (m.topic !== undefined && rec.byTopic.get(topicKey(m.channelID, m.topic)) === m.id)
      rec.byTopic.delete(topicKey(m.channelID, m.topic));
    if (rec.legacy.get(m.channelID) === m.id) rec.legacy.delete(m.channelID);
    rec.bytes -= m.size;
    this.#forget(m);
  }

  #forget(m: StoredMessage): void {
    if (this.#owner.delete(m.id)) this.#storedBytes -= m.size;
  }

  toJSON(): PersistedUaid[] {
    return [...this.#uaids.values()].map((r) => ({
      uaid: r.uaid,
      channels: [...r.channels],
      messages: [...r.messages.values()],
      ...(r.minUrgency ? { minUrgency: r.minUrgency } : {}),
    }));
  }

  /** Rebuilds from a persisted snapshot, skipping entries that do not look right. */
  static fromJSON(limits: StoreLimits, uaids: unknown): Store {
    const store = new Store(limits);
    if (!Array.isArray(uaids)) return store;
    for (const u of uaids as PersistedUaid[]) {
      if (typeof u?.uaid !== 'string' || !Array.isArray(u.channels)) continue;
      const rec = newRecord(u.uaid);
      for (const c of u.channels) if (typeof c === 'string') rec.channels.add(c);
      if (isUrgency(u.minUrgency)) rec.minUrgency = u.minUrgency;
      store.#uaids.set(rec.uaid, rec);
      for (const m of Array.isArray(u.messages) ? u.messages : []) {
        if (
          typeof m?.id !== 'string' ||
          typeof m.channelID !== 'string' ||
          typeof m.expiresAt !== 'number' ||
          typeof m.size !== 'number'
        )
          continue;
        store.#insert(rec, m);
      }
    }
    return store;
  }
}

interface PersistedUaid {
  uaid: string;
  channels: string[];
  messages: StoredMessage[];
  minUrgency?: Urgency;
}

export interface PersistedState {
  format: 1;
  secret: string;
  uaids: PersistedUaid[];
}

/** Reads the data file; undefined when it does not exist yet. A corrupt file is an error, not silently emptied. */
export function readState(file: string): { secret: Buffer; uaids: unknown } | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new PushServiceError('data-file', `push service: cannot read ${file}`, { cause: err });
  }
  let parsed: Partial<PersistedState>;
  try {
    parsed = JSON.parse(text) as Partial<PersistedState>;
  } catch (err) {
    throw new PushServiceError('data-file', `push service: ${file} is not valid JSON`, { cause: err });
  }
  if (parsed?.format !== 1 || typeof parsed.secret !== 'string')
    throw new PushServiceError('data-file', `push service: ${file} is not a push-service data file`);
  return { secret: Buffer.from(parsed.secret, 'base64'), uaids: parsed.uaids };
}

/**
 * Atomic write: a crash mid-write leaves the previous file intact. Mode 0600: the file holds the secret that seals
 * every endpoint token, so anyone who reads it can forge endpoints.
 */
export function writeState(file: string, secret: Buffer, store: Store): void {
  const state: PersistedState = { format: 1, secret: secret.toString('base64'), uaids: store.toJSON() };
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    // A leftover temp file keeps its old mode through open(): set it explicitly.
    fchmodSync(fd, 0o600);
    const bytes = Buffer.from(JSON.stringify(state));
    for (let off = 0; off < bytes.length;) off += writeSync(fd, bytes, off);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/** A data file written before files were private (0644): tightened on start, before anything else reads it. */
export function restrictMode(file: string): void {
  try {
    chmodSync(file, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new PushServiceError('data-file', `push service: cannot restrict the mode of ${file}`, { cause: err });
  }
}

/** Coalesces bursts of changes into one write at most every `delayMs`. */
export class DebouncedWriter {
  #timer: NodeJS.Timeout | undefined;
  #write: () => void;
  #delayMs: number;
  #onError: (err: unknown) => void;

  constructor(write: () => void, delayMs: number, onError: (err: unknown) => void) {
    this.#write = write;
    this.#delayMs = delayMs;
    this.#onError = onError;
  }

  /** Writes now (cancelling a pending debounced write): for changes that must not wait. */
  now(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#run();
  }

  schedule(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#run();
    }, this.#delayMs);
    this.#timer.unref();
  }

  flush(): void {
    if (!this.#timer) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#run();
  }

  #run(): void {
    try {
      this.#write();
    } catch (err) {
      this.#onError(err);
    }
  }
}
