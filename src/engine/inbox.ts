// The inbox: a durable journal of accepted messages (design.md §4 steps 3 and 5).
//
// A message is appended (its id joins the de-duplication window) and fsync'd before it is
// acked 100; from then on a crash is recovered by replaying the entries not yet marked done. The journal keeps
// the message as it arrived (still encrypted): plaintext never touches the disk, and replay decrypts again.
//
// File format: JSON lines. `m` = message accepted, `d` = message done, `w` = the de-duplication window written by
// compaction (its keys packed, oldest first). `r` = one subscription's ring, from journals written before the window.
// A torn last line (crash mid-write) is ignored.

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { PushHeaders } from './crypto/index.ts';
import { DedupWindow, KEY_BYTES } from './dedup-window.ts';
import type { Logger } from './ports.ts';

export interface InboxMessage {
  /** Local id (unique per message). */
  id: string;
  subscriptionId: string;
  /** The service's message id (`version`), echoed in acks and used for de-duplication. */
  version: string;
  receivedAt: number;
  /** base64url as received, or null. */
  data: string | null;
  headers: PushHeaders;
}

type Entry =
  | ({ t: 'm' } & InboxMessage)
  | { t: 'd'; id: string }
  | { t: 'w'; keys: string }
  | { t: 'r'; sub: string; ids: string[] };

export interface InboxOptions {
  file: string;
  logger: Logger;
  /**
   * Message ids remembered for de-duplication: the most recent ones across all subscriptions, in fixed memory
   * (20 bytes each; dedup-window.ts). Firefox keeps 10 per subscription; that is not enough here: after a reconnect
   * the service drains unacked messages in batches of 10 while new ones arrive live, so a redelivery can come
   * hundreds of messages after the first delivery (the fault-proxy test shows it). What bounds that distance is the
   * traffic of all subscriptions together (what the service holds for the UAID), not one subscription's, so one
   * window serves them all and its memory does not multiply with their number. Service message ids are unique
   * per message, so the window is keyed by id alone.
   */
  ringSize?: number;
  /** Pending messages held at most; beyond this new messages are not accepted (and so not acked: the service keeps them). */
  maxPending?: number;
  /** Rewrite the journal when it holds this many more lines than it needs to. */
  compactAfter?: number;
  /** fsync before ack (off only in benchmarks that measure its cost). */
  fsync?: boolean;
}

export class Inbox {
  #fd: number;
  #pending = new Map<string, InboxMessage>();
  #window: DedupWindow;
  #lines = 0;
  /** fsyncs running on the thread pool: compaction (which replaces the file descriptor) waits for them. */
  #syncing = 0;
  readonly #opts: Required<InboxOptions>;

  constructor(opts: InboxOptions) {
    this.#opts = { ringSize: 16_384, maxPending: 10_000, compactAfter: 2_000, fsync: true, ...opts };
    this.#window = new DedupWindow(this.#opts.ringSize);
    fs.mkdirSync(path.dirname(opts.file), { recursive: true, mode: 0o700 });
    this.#load();
    this.#fd = fs.openSync(opts.file, 'a', 0o600);
  }

  /** Messages accepted but not done: replayed by the engine at start. */
  pending(): InboxMessage[] {
    return [...this.#pending.values()];
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  isDuplicate(_subscriptionId: string, version: string): boolean {
    return this.#window.has(versionKey(version));
  }

  hasRoom(n: number): boolean {
    return this.#pending.size + n <= this.#opts.maxPending;
  }

  /** Appends accepted messages and makes them durable (one fsync for the whole batch). */
  accept(messages: InboxMessage[]): void {
    if (messages.length === 0) return;
    let out = '';
    for (const m of messages) {
      out += JSON.stringify({ t: 'm', ...m }) + '\n';
      this.#pending.set(m.id, m);
      this.#window.add(versionKey(m.version));
    }
    fs.writeSync(this.#fd, out);
    if (this.#opts.fsync) fs.fdatasyncSync(this.#fd);
    this.#lines += messages.length;
  }

  /**
   * As accept, with the fsync on the thread pool (a backlog's next frames are parsed meanwhile). Resolves once the
   * batch is durable. On failure it leaves no trace: the file is cut back to where the batch began and nothing of
   * it is pending or remembered, so a redelivery is accepted again.
   */
  async acceptAsync(messages: InboxMessage[]): Promise<void> {
    if (messages.length === 0) return;
    let out = '';
    for (const m of messages) out += JSON.stringify({ t: 'm', ...m }) + '\n';
    const fd = this.#fd;
    const start = fs.fstatSync(fd).size;
    this.#syncing++;
    try {
      const bytes = Buffer.from(out);
      if (fs.writeSync(fd, bytes) !== bytes.length) throw new Error('short write to the inbox journal');
      for (const m of messages) this.#pending.set(m.id, m);
      if (this.#opts.fsync) await new Promise<void>((resolve, reject) => fs.fdatasync(fd, (err) => (err ? reject(err) : resolve())));
    } catch (err) {
      for (const m of messages) this.#pending.delete(m.id);
      try {
        fs.ftruncateSync(fd, start);
      } catch {
        // The lines may stay; a later start replays them at worst (the service redelivers them too: de-duplicated).
      }
      throw err;
    } finally {
      this.#syncing--;
    }
    this.#lines += messages.length;
    for (const m of messages) this.#window.add(versionKey(m.version));
  }

  /**
   * Marks a message done. Not fsync'd: a kill loses nothing written to the page cache, and after a power loss the
   * worst case is one more delivery of a message that was already handled.
   */
  done(id: string): void {
    if (!this.#pending.delete(id)) return;
    fs.writeSync(this.#fd, JSON.stringify({ t: 'd', id }) + '\n');
    this.#lines++;
    if (this.#syncing === 0 && this.#lines > this.#pending.size + 1 + this.#opts.compactAfter) this.compact();
  }

  /** Forgets a subscription (removed): its pending messages. Its ids age out of the shared window. */
  forget(subscriptionId: string): void {
    for (const [id, m] of this.#pending) if (m.subscriptionId === subscriptionId) this.done(id);
  }

  /** Rewrites the journal with only what it needs: the window and pending messages. Atomic (write, fsync, rename). */
  compact(): void {
    const tmp = `${this.#opts.file}.tmp`;
    let out = JSON.stringify({ t: 'w', keys: this.#window.packed().toString('base64url') }) + '\n';
    for (const m of this.#pending.values()) out += JSON.stringify({ t: 'm', ...m }) + '\n';
    const fd = fs.openSync(tmp, 'w', 0o600);
    try {
      fs.writeSync(fd, out);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.#opts.file);
    fs.closeSync(this.#fd);
    this.#fd = fs.openSync(this.#opts.file, 'a', 0o600);
    this.#lines = 1 + this.#pending.size;
  }

  close(): void {
    try {
      fs.fsyncSync(this.#fd);
      fs.closeSync(this.#fd);
    } catch (err) {
      this.#opts.logger.warn('inbox close failed', { error: (err as Error).message });
    }
  }

  #load(): void {
    let text: string;
    try {
      text = fs.readFileSync(this.#opts.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    let bad = 0;
    for (const line of text.split('\n')) {
      if (!line) continue;
      this.#lines++;
      let e: Entry;
      try {
        e = JSON.parse(line) as Entry;
      } catch {
        bad++;
        continue;
      }
      if (e.t === 'm' && typeof e.id === 'string' && typeof e.subscriptionId === 'string' && typeof e.version === 'string') {
        this.#pending.set(e.id, { id: e.id, subscriptionId: e.subscriptionId, version: e.version, receivedAt: e.receivedAt, data: e.data ?? null, headers: e.headers ?? {} });
        this.#window.add(versionKey(e.version));
      } else if (e.t === 'd' && typeof e.id === 'string') {
        this.#pending.delete(e.id);
      } else if (e.t === 'w' && typeof e.keys === 'string') {
        const keys = Buffer.from(e.keys, 'base64url');
        this.#window.addPacked(keys.subarray(0, keys.length - (keys.length % KEY_BYTES)));
      } else if (e.t === 'r' && typeof e.sub === 'string' && Array.isArray(e.ids)) {
        for (const v of e.ids) if (typeof v === 'string' && v.length === 16) this.#window.add(Buffer.from(v, 'base64url'));
      } else {
        bad++;
      }
    }
    // A torn final line is expected after a crash; anything more is worth a warning.
    if (bad > 1) this.#opts.logger.warn('inbox had unreadable lines', { count: bad });
  }
}

/** 96 bits of SHA-256 (service message ids can be hundreds of bytes): collisions are out of reach for the window. */
function versionKey(version: string): Buffer {
  return createHash('sha256').update(version).digest().subarray(0, KEY_BYTES);
}
