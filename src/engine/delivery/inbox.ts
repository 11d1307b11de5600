// The inbox: a durable journal of accepted messages (docs/architecture.md "The delivery pipeline", steps 3 and 5).
//
// A message is appended and fsync'd before it is acked 100. Through acceptAsync (a backlog) it joins the pending set
// and the de-duplication window (dedup-window.ts) once the whole batch is on disk; through write, once written, so
// that it can be shown while sync() makes it durable (a message on its own). A write that fails or is short leaves
// no trace: the file is cut back to its last good length and memory is unchanged, so the service's redelivery is
// accepted afresh rather than taken for a duplicate. From an ack on, a crash is recovered by replaying the entries
// not yet marked done. The journal keeps the message as it arrived (still encrypted): plaintext never touches the
// disk, and replay decrypts again.
//
// File format: JSON lines. `m` = message accepted, `d` = message done, `w` = the de-duplication window written by
// compaction (its keys packed, oldest first); `r` = one subscription's ring, from journals written before the window.
// A torn last line (crash mid-write) is ignored, and the next append starts on a new line. Any other unreadable
// line is kept aside in a copy of the journal before compaction could drop it.

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { PushHeaders } from '../crypto/index.ts';
import { DedupWindow, KEY_BYTES } from './dedup-window.ts';
import type { Logger } from '../ports.ts';

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
  /**
   * Pending messages held at most; beyond this new messages are not accepted (and so not acked: the service keeps
   * them).
   */
  maxPending?: number;
  /**
   * Rewrite the journal when it holds this many more lines than it needs to, once nothing is pending (8 times as many
   * otherwise).
   */
  compactAfter?: number;
  /** fsync before ack (off only in benchmarks that measure its cost). */
  fsync?: boolean;
  /**
   * The write call, `fs.writeSync` by default. Tests inject one that fails or writes short, as a nearly full disk
   * does; a real full disk is tested on a tmpfs.
   */
  write?: (fd: number, data: Buffer) => number;
  /**
   * The fdatasync run on the thread pool (sync, acceptAsync), `fs.fdatasync` by default. Tests inject one they can
   * hold open or fail (EIO): a real fsync can be neither, on demand.
   */
  fdatasync?: (fd: number, callback: (err: NodeJS.ErrnoException | null) => void) => void;
}

/** A journal write that did not reach the disk whole. Nothing of it was kept; the caller must not ack. */
export class InboxWriteError extends Error {
  readonly kind = 'journal-write-failed';
  /** The system error code (ENOSPC, EIO, ...) or 'short-write'. */
  readonly code: string;
  constructor(code: string) {
    super(`inbox journal write failed (${code})`);
    this.name = 'InboxWriteError';
    this.code = code;
  }
}

function errorCode(err: unknown): string {
  return typeof (err as NodeJS.ErrnoException)?.code === 'string' ? (err as NodeJS.ErrnoException).code! : 'unknown';
}

export class Inbox {
  #fd: number;
  #pending = new Map<string, InboxMessage>();
  #window: DedupWindow;
  /** fsyncs running on the thread pool (acceptAsync): compaction, which replaces the file, waits for them. */
  #syncing = 0;
  #lines = 0;
  /**
   * Bytes of the journal that are whole lines; a failed write is cut back to this. Null: unknown until the next write.
   */
  #size: number | null = 0;
  /**
   * The file may end in a partial line (torn by a crash, or a cut-back that failed): the next append starts with '\n'.
   */
  #torn = false;
  /** Done markers not yet on disk (the write failed): written ahead of the next append, or made moot by compaction. */
  #unwrittenDone: string[] = [];
  #doneFailing = false;
  /** After a failed compaction, wait for this many lines before trying again (the disk is likely full). */
  #nextCompactAt = 0;
  /** The journal had lines we could not read and could not copy aside: never rewrite it. */
  #keepAsIs = false;
  #closed = false;
  readonly #opts: Required<InboxOptions>;

  constructor(opts: InboxOptions) {
    this.#opts = {
      ringSize: 16_384,
      maxPending: 10_000,
      compactAfter: 2_000,
      fsync: true,
      write: (fd, data) => fs.writeSync(fd, data),
      fdatasync: (fd, callback) => fs.fdatasync(fd, callback),
      ...opts,
    };
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

  /** Pending messages held at most. */
  get capacity(): number {
    return this.#opts.maxPending;
  }

  isDuplicate(_subscriptionId: string, version: string): boolean {
    return this.#window.has(versionKey(version));
  }

  /** How many more messages may be accepted now. */
  room(): number {
    return Math.max(0, this.#opts.maxPending - this.#pending.size);
  }

  hasRoom(n: number): boolean {
    return this.room() >= n;
  }

  /**
   * Appends accepted messages without waiting for the disk: a message can then be shown while sync() makes it
   * durable. Throws InboxWriteError when the batch did not reach the file whole; then nothing of it is kept, on
   * disk or in memory. Otherwise the messages are pending and remembered at once (a kill loses nothing from here: the
   * write is in the page cache), so done() may come before they are durable.
   */
  write(messages: InboxMessage[]): void {
    if (messages.length === 0) return;
    const done = this.#unwrittenDone.length;
    this.#append(this.#doneLines() + messageLines(messages));
    this.#unwrittenDone = [];
    this.#doneFailing = false;
    for (const m of messages) {
      this.#pending.set(m.id, m);
      this.#window.add(versionKey(m.version));
    }
    this.#lines += messages.length + done;
  }

  /**
   * Makes everything written so far durable (fdatasync on the thread pool). Rejects with InboxWriteError when it
   * fails; what was written stays pending and remembered, since it may be on screen already (forgetting it would
   * show its redelivery again), and the caller must not ack it. Compaction, which replaces the file, waits for it.
   */
  async sync(): Promise<void> {
    if (!this.#opts.fsync) return;
    const fd = this.#fd;
    this.#syncing++;
    try {
      await this.#fdatasync(fd);
    } catch (err) {
      throw new InboxWriteError(errorCode(err));
    } finally {
      this.#syncing--;
      // A compaction that came due during the fsync (done() skips it meanwhile).
      this.#compactIfDue();
    }
  }

  /**
   * Appends accepted messages and makes them durable, one fsync for the batch, on the thread pool (a backlog's next
   * frames are parsed meanwhile). Resolves once the batch is durable; rejects with InboxWriteError when it is not,
   * and then nothing of it is pending or remembered, so a redelivery is accepted again. Its lines are cut back off the
   * file when nothing was written after them, and otherwise marked done, so a restart does not replay what was never
   * acked.
   */
  async acceptAsync(messages: InboxMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const doneIds = this.#unwrittenDone;
    const start = this.#size;
    this.#append(this.#doneLines() + messageLines(messages));
    this.#unwrittenDone = [];
    this.#doneFailing = false;
    this.#lines += messages.length + doneIds.length;
    const end = this.#size;
    const fd = this.#fd;
    this.#syncing++;
    try {
      if (this.#opts.fsync) await this.#fdatasync(fd);
    } catch (err) {
      if (start !== null && end !== null && this.#size === end && this.#fd === fd) {
        // Nothing written since: take the batch (and the done markers it carried) back off the file.
        this.#size = start;
        this.#cutBack();
        this.#lines -= messages.length + doneIds.length;
        this.#unwrittenDone = [...doneIds, ...this.#unwrittenDone];
      } else {
        this.#unwrittenDone.push(...messages.map((m) => m.id));
      }
      throw new InboxWriteError(errorCode(err));
    } finally {
      this.#syncing--;
    }
    for (const m of messages) {
      this.#pending.set(m.id, m);
      this.#window.add(versionKey(m.version));
    }
  }

  /**
   * Marks a message done, after its fate: a kill -9 between showing it and this write shows it once more at the
   * next start (the duplicate window, docs/architecture.md). Not fsync'd: a kill loses nothing that reached the page
   * cache; after a power loss, messages handled since the last fsync are delivered once more. A marker that cannot
   * be written (a full disk) is kept and written ahead of the next append; a kill before then replays the message.
   */
  done(id: string): void {
    if (!this.#pending.delete(id)) return;
    this.#unwrittenDone.push(id);
    try {
      this.#append(this.#doneLines());
    } catch (err) {
      if (!this.#doneFailing)
        this.#opts.logger.warn('inbox done marker not written; kept for the next write', {
          code: (err as InboxWriteError).code,
        });
      this.#doneFailing = true;
      return;
    }
    this.#lines += this.#unwrittenDone.length;
    this.#unwrittenDone = [];
    this.#doneFailing = false;
    this.#compactIfDue();
  }

  /**
   * Compaction (~20 ms: the window, an fsync, a rename) waits for a moment with nothing pending, so that a backlog's
   * drain is not paused by it; a journal that never gets one is compacted at 8 times the threshold.
   */
  #compactIfDue(): void {
    if (this.#closed) return;
    const excess = this.#lines - (this.#pending.size + 1);
    const due = this.#pending.size === 0 ? excess > this.#opts.compactAfter : excess > 8 * this.#opts.compactAfter;
    if (this.#syncing === 0 && due && this.#lines >= this.#nextCompactAt) this.compact();
  }

  /** Forgets a subscription (removed): its pending messages. Its ids age out of the shared window. */
  forget(subscriptionId: string): void {
    for (const [id, m] of this.#pending) if (m.subscriptionId === subscriptionId) this.done(id);
  }

  /**
   * Rewrites the journal with only what it needs: the window and pending messages. The new file is written to a
   * temporary
   * name, its length checked and fsync'd, and only then renamed over the old one; on any failure the old journal
   * stays as it was. Returns whether it compacted.
   */
  compact(): boolean {
    if (this.#keepAsIs || this.#syncing > 0) return false;
    const tmp = `${this.#opts.file}.tmp`;
    let out = JSON.stringify({ t: 'w', keys: this.#window.packed().toString('base64url') }) + '\n';
    for (const m of this.#pending.values()) out += JSON.stringify({ t: 'm', ...m }) + '\n';
    const data = Buffer.from(out, 'utf8');
    let fd: number | null = null;
    try {
      fd = fs.openSync(tmp, 'w', 0o600);
      if (data.length > 0 && this.#opts.write(fd, data) !== data.length) throw new InboxWriteError('short-write');
      fs.fsyncSync(fd);
      if (fs.fstatSync(fd).size !== data.length) throw new InboxWriteError('length-mismatch');
      fs.closeSync(fd);
      fd = null;
      fs.renameSync(tmp, this.#opts.file);
    } catch (err) {
      if (fd !== null) closeQuietly(fd);
      fs.rmSync(tmp, { force: true });
      this.#nextCompactAt = this.#lines + this.#opts.compactAfter;
      this.#opts.logger.warn('inbox compaction failed; the old journal is kept', {
        code: err instanceof InboxWriteError ? err.code : errorCode(err),
      });
      return false;
    }
    syncDir(path.dirname(this.#opts.file));
    closeQuietly(this.#fd);
    this.#fd = fs.openSync(this.#opts.file, 'a', 0o600);
    this.#size = data.length;
    this.#torn = false;
    // Done markers not yet written are moot: those messages are not in the new file.
    this.#unwrittenDone = [];
    this.#lines = 1 + this.#pending.size;
    this.#nextCompactAt = 0;
    return true;
  }

  close(): void {
    this.#closed = true;
    if (this.#unwrittenDone.length) {
      try {
        this.#append(this.#doneLines());
        this.#unwrittenDone = [];
      } catch (err) {
        this.#opts.logger.warn('inbox done markers lost at close; those messages replay at the next start', {
          count: this.#unwrittenDone.length,
          code: (err as InboxWriteError).code,
        });
      }
    }
    try {
      fs.fsyncSync(this.#fd);
      fs.closeSync(this.#fd);
    } catch (err) {
      this.#opts.logger.warn('inbox close failed', { code: errorCode(err) });
    }
  }

  #doneLines(): string {
    let out = '';
    for (const id of this.#unwrittenDone) out += JSON.stringify({ t: 'd', id }) + '\n';
    return out;
  }

  /** Writes whole lines or nothing: a failed or short write is cut back off the file and thrown. */
  #append(text: string): void {
    const data = Buffer.from(this.#torn ? '\n' + text : text, 'utf8');
    try {
      if (this.#opts.write(this.#fd, data) !== data.length) throw new InboxWriteError('short-write');
    } catch (err) {
      this.#cutBack();
      throw err instanceof InboxWriteError ? err : new InboxWriteError(errorCode(err));
    }
    this.#torn = false;
    if (this.#size !== null) this.#size += data.length;
    else this.#size = fs.fstatSync(this.#fd).size;
  }

  #fdatasync(fd: number): Promise<void> {
    return new Promise<void>((resolve, reject) => this.#opts.fdatasync(fd, (err) => (err ? reject(err) : resolve())));
  }

  #cutBack(): void {
    if (this.#size !== null) {
      try {
        fs.ftruncateSync(this.#fd, this.#size);
        return;
      } catch {
        // fall through: the file may end in part of a line
      }
    }
    this.#size = null;
    this.#torn = true;
  }

  #load(): void {
    let raw: Buffer;
    try {
      raw = fs.readFileSync(this.#opts.file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new Error(`cannot read the inbox journal ${this.#opts.file} (${errorCode(err)})`, { cause: err });
    }
    this.#size = raw.length;
    const text = raw.toString('utf8');
    const lines = text.split('\n');
    // A last line without its newline was torn by a crash mid-write: never acked, so nothing to replay.
    if (lines[lines.length - 1] !== '') {
      lines.pop();
      this.#torn = true;
    }
    let bad = 0;
    for (const line of lines) {
      if (!line) continue;
      this.#lines++;
      let e: Entry | null;
      try {
        e = JSON.parse(line) as Entry | null;
      } catch {
        bad++;
        continue;
      }
      if (typeof e !== 'object' || e === null) {
        bad++;
      } else if (
        e.t === 'm' &&
        typeof e.id === 'string' &&
        typeof e.subscriptionId === 'string' &&
        typeof e.version === 'string'
      ) {
        this.#pending.set(e.id, {
          id: e.id,
          subscriptionId: e.subscriptionId,
          version: e.version,
          receivedAt: e.receivedAt,
          data: e.data ?? null,
          headers: e.headers ?? {},
        });
        this.#window.add(versionKey(e.version));
      } else if (e.t === 'd' && typeof e.id === 'string') {
        this.#pending.delete(e.id);
      } else if (e.t === 'w' && typeof e.keys === 'string') {
        const keys = Buffer.from(e.keys, 'base64url');
        this.#window.addPacked(keys.subarray(0, keys.length - (keys.length % KEY_BYTES)));
      } else if (e.t === 'r' && typeof e.sub === 'string' && Array.isArray(e.ids)) {
        for (const v of e.ids)
          if (typeof v === 'string' && v.length === 16) this.#window.add(Buffer.from(v, 'base64url'));
      } else {
        bad++;
      }
    }
    if (bad > 0) this.#keepAside(bad);
  }

  /** Compaction would drop lines we could not read: copy the journal aside first, as it is. */
  #keepAside(bad: number): void {
    const copy = `${this.#opts.file}.unreadable-${Date.now()}`;
    try {
      fs.copyFileSync(this.#opts.file, copy, fs.constants.COPYFILE_EXCL);
      fs.chmodSync(copy, 0o600);
      this.#opts.logger.warn('inbox journal had unreadable lines; a copy is kept aside', { count: bad, file: copy });
    } catch (err) {
      this.#keepAsIs = true;
      this.#opts.logger.warn(
        'inbox journal had unreadable lines and could not be copied aside; it will not be compacted',
        { count: bad, file: this.#opts.file, code: errorCode(err) },
      );
    }
  }
}

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // already closed or the disk is gone: nothing more to do with it
  }
}

/** A rename is durable only once its directory is synced; best effort (not every platform can open a directory). */
function syncDir(dir: string): void {
  let fd: number | null = null;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // best effort
  } finally {
    if (fd !== null) closeQuietly(fd);
  }
}

/** 96 bits of SHA-256 (service message ids can be hundreds of bytes): collisions are out of reach for the window. */
function versionKey(version: string): Buffer {
  return createHash('sha256').update(version).digest().subarray(0, KEY_BYTES);
}

/** Journal lines of accepted messages. */
function messageLines(messages: InboxMessage[]): string {
  let out = '';
  for (const m of messages) out += JSON.stringify({ t: 'm', ...m }) + '\n';
  return out;
}
