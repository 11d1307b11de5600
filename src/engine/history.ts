// The notification history (docs/policies.md): the last N messages (500) and what became of each. One job: keep,
// query and persist that list. Stored in `history.json` in the data dir (0600), not in the Store, so the state
// document stays small. Writes are debounced (1 s on the engine's clock) and flushed on stop: a crash can lose
// the last second of entries, never the messages themselves (those are in the inbox journal until handled).

import fs from 'node:fs';
import path from 'node:path';
import type { Clock, Logger, TimerHandle } from './ports.ts';
import { FATES as ALL_FATES, type Fate, type HistoryEntry } from '../shared/history-entry.ts';

export const HISTORY_FILE = 'history.json';
export const HISTORY_LIMIT = 500;
const FATES = new Set<Fate>(ALL_FATES);

const str = (v: unknown): v is string | null => v === null || typeof v === 'string';

function isEntry(v: unknown): v is HistoryEntry {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Record<string, unknown>;
  return (
    typeof e.id === 'string' &&
    str(e.subscriptionId) &&
    str(e.origin) &&
    str(e.label) &&
    FATES.has(e.fate as Fate) &&
    str(e.detail) &&
    str(e.title) &&
    str(e.body) &&
    typeof e.receivedAt === 'number' &&
    typeof e.at === 'number'
  );
}

export interface HistoryOptions {
  dataDir: string;
  clock: Clock;
  logger: Logger;
  limit?: number;
  debounceMs?: number;
  /** The unread count changed (an entry was added, the history was read or cleared). */
  unreadChanged?: (unread: number) => void;
}

export class History {
  /** Oldest first. */
  #entries: HistoryEntry[] = [];
  #file: string;
  #clock: Clock;
  #logger: Logger;
  #limit: number;
  #debounceMs: number;
  #timer: TimerHandle | null = null;
  /** Entries added since the whole history was last read: the tray's and the Activity tab's badge. Not persisted. */
  #unread = 0;
  #unreadChanged: ((unread: number) => void) | undefined;

  constructor(opts: HistoryOptions) {
    this.#file = path.join(opts.dataDir, HISTORY_FILE);
    this.#clock = opts.clock;
    this.#logger = opts.logger;
    this.#limit = opts.limit ?? HISTORY_LIMIT;
    this.#debounceMs = opts.debounceMs ?? 1000;
    this.#unreadChanged = opts.unreadChanged;
    this.#load();
  }

  add(entry: HistoryEntry): void {
    this.#entries.push(entry);
    if (this.#entries.length > this.#limit) this.#entries.splice(0, this.#entries.length - this.#limit);
    this.#scheduleSave();
    this.#setUnread(this.#unread + 1);
  }

  /** Newest first. */
  list(filter: { subscriptionId?: string; limit?: number } = {}): HistoryEntry[] {
    const limit = typeof filter.limit === 'number' && filter.limit > 0 ? Math.floor(filter.limit) : this.#limit;
    const out: HistoryEntry[] = [];
    for (let i = this.#entries.length - 1; i >= 0 && out.length < limit; i--) {
      const e = this.#entries[i]!;
      if (filter.subscriptionId === undefined || e.subscriptionId === filter.subscriptionId) out.push({ ...e });
    }
    return out;
  }

  get size(): number {
    return this.#entries.length;
  }

  clear(): void {
    this.#entries = [];
    this.flush();
    this.#setUnread(0);
  }

  /** Entries added since the whole history was last read (markRead) or cleared. */
  get unread(): number {
    return this.#unread;
  }

  /** The user has seen the whole history (the settings window's Activity view). */
  markRead(): void {
    this.#setUnread(0);
  }

  #setUnread(n: number): void {
    if (n === this.#unread) return;
    this.#unread = n;
    this.#unreadChanged?.(n);
  }

  /** Writes now (stop, clear). */
  flush(): void {
    if (this.#timer) this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
    const tmp = `${this.#file}.tmp`;
    try {
      fs.writeFileSync(tmp, JSON.stringify({ version: 1, entries: this.#entries }), { mode: 0o600 });
      fs.renameSync(tmp, this.#file);
    } catch (err) {
      this.#logger.warn('history not saved', { error: (err as Error).message });
    }
  }

  #scheduleSave(): void {
    if (this.#timer) return;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = null;
      this.flush();
    }, this.#debounceMs);
    this.#timer.unref?.();
  }

  #load(): void {
    let text: string;
    try {
      text = fs.readFileSync(this.#file, 'utf8');
    } catch {
      return; // none yet
    }
    try {
      const doc = JSON.parse(text) as { entries?: unknown };
      const entries = Array.isArray(doc.entries) ? doc.entries : [];
      this.#entries = entries.filter(isEntry).slice(-this.#limit);
      if (this.#entries.length < entries.length)
        this.#logger.warn('history: bad entries skipped', { count: entries.length - this.#entries.length });
    } catch {
      this.#logger.warn('history file unreadable; starting empty');
    }
  }
}
