// Where the notification center keeps its list across restarts: `notifications.json` in the data dir (0600), holding
// the list as the engine's SecretBox sealed it, written atomically (temp file, fsync, rename) with node:fs's
// asynchronous calls, so neither the write nor the fsync holds the main thread. Not in the Store: every Store write
// rewrites the whole state document (every subscription's record) with an fsync, which a save once a second during
// traffic must not cost. One job: read the file (moving an unreadable one aside, taking the list over once from the
// state document where an earlier version kept it) and write it. Opening and sealing are the center's.

import fs from 'node:fs';
import path from 'node:path';
import { errorKind } from './log.ts';
import type { Logger, Store } from './ports.ts';

export const KEPT_NOTIFICATIONS_FILE = 'notifications.json';
const VERSION = 1;
/** Where earlier versions kept the sealed list, and a value under it that was not one, in the state document. */
const STATE_KEY = 'notifications';
const STATE_UNREADABLE_KEY = 'notificationsUnreadable';

/**
 * What read() found. `none`: nothing kept (start empty, save here). `sealed`: the list as sealed (save here).
 * `unavailable`: something is stored that cannot be read now or could not be moved out of the way: it is left exactly
 * as it is, and this run must not save over it.
 */
export type KeptList = { kind: 'none' } | { kind: 'sealed'; sealed: string } | { kind: 'unavailable' };

export interface KeptNotificationsFileOptions {
  dataDir: string;
  /** The state document, read (and emptied of the list) only by the one-time take-over from earlier versions. */
  store: Store;
  logger: Logger;
}

export class KeptNotificationsFile {
  readonly #file: string;
  readonly #store: Store;
  readonly #logger: Logger;

  constructor(opts: KeptNotificationsFileOptions) {
    this.#file = path.join(opts.dataDir, KEPT_NOTIFICATIONS_FILE);
    this.#store = opts.store;
    this.#logger = opts.logger;
  }

  get path(): string {
    return this.#file;
  }

  /** Reads what is kept (once, at load). */
  async read(): Promise<KeptList> {
    let found = await this.#readFile();
    if (found.kind === 'malformed') {
      // Not a list this build wrote: moved aside as it is (never overwritten, never deleted), and it starts empty.
      if (!(await this.#moveFileAside())) return { kind: 'unavailable' };
      found = { kind: 'none' };
    }
    if (found.kind === 'unavailable') return found;
    return this.#takeOverFromState(found);
  }

  /** Replaces the kept list atomically; rejects (the file as it was) when the disk refuses. */
  async write(sealed: string): Promise<void> {
    const tmp = `${this.#file}.tmp`;
    try {
      const fh = await fs.promises.open(tmp, 'w', 0o600);
      try {
        await fh.chmod(0o600); // a temp file left by a crash keeps its mode otherwise
        await fh.writeFile(JSON.stringify({ version: VERSION, sealed }));
        await fh.sync();
      } finally {
        await fh.close();
      }
      await fs.promises.rename(tmp, this.#file);
    } catch (err) {
      await fs.promises.rm(tmp, { force: true }).catch(() => {});
      throw err;
    }
  }

  async #readFile(): Promise<KeptList | { kind: 'malformed' }> {
    let text: string;
    try {
      text = await fs.promises.readFile(this.#file, 'utf8');
    } catch (err) {
      if ((err as { code?: unknown }).code === 'ENOENT') return { kind: 'none' };
      this.#logger.warn('kept notifications cannot be read; left as they are, not kept this run', {
        kind: errorKind(err),
      });
      return { kind: 'unavailable' };
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      return { kind: 'malformed' };
    }
    const { version, sealed } = (typeof doc === 'object' && doc !== null ? doc : {}) as Record<string, unknown>;
    if (typeof version === 'number' && version > VERSION) {
      this.#logger.warn('kept notifications written by a newer version; left as they are, not kept this run', {
        version,
      });
      return { kind: 'unavailable' };
    }
    return version === VERSION && typeof sealed === 'string' ? { kind: 'sealed', sealed } : { kind: 'malformed' };
  }

  /**
   * Earlier versions kept the sealed list in the state document. It is copied, sealed as it is, into the file, and the
   * key is removed only once the file is written: a run cut short between the two finds both, and the file (which
   * holds that list, or what became of it since) wins, so nothing is lost and nothing is listed twice.
   */
  async #takeOverFromState(found: KeptList): Promise<KeptList> {
    const unreadable = this.#store.get(STATE_UNREADABLE_KEY);
    if (unreadable !== undefined) await this.#stateValueAside(STATE_UNREADABLE_KEY, unreadable);
    const old = this.#store.get(STATE_KEY);
    if (old === undefined) return found;
    const sealed = (old as { sealed?: unknown } | null)?.sealed;
    if (typeof sealed !== 'string') {
      await this.#stateValueAside(STATE_KEY, old);
      return found;
    }
    if (found.kind === 'sealed') {
      this.#deleteStateKey(STATE_KEY);
      return found;
    }
    try {
      await this.write(sealed);
    } catch (err) {
      // The key stays where it is; what this run saves goes to the file, which then wins at the next start.
      this.#logger.warn('kept notifications not moved to their own file; tried again at the next start', {
        kind: errorKind(err),
      });
      return { kind: 'sealed', sealed };
    }
    this.#deleteStateKey(STATE_KEY);
    this.#logger.info('kept notifications moved out of the state document', { file: KEPT_NOTIFICATIONS_FILE });
    return { kind: 'sealed', sealed };
  }

  #deleteStateKey(key: string): void {
    try {
      this.#store.delete(key);
    } catch (err) {
      this.#logger.warn('kept notifications: the state document keeps its old copy until the next start', {
        kind: errorKind(err),
      });
    }
  }

  /** A state value that was not a sealed list: written to a file aside as it is, then removed from the state. */
  async #stateValueAside(key: string, value: unknown): Promise<void> {
    let aside: string;
    try {
      aside = await this.#freeAsideName();
      const fh = await fs.promises.open(aside, 'wx', 0o600);
      try {
        await fh.writeFile(JSON.stringify(value));
        await fh.sync();
      } finally {
        await fh.close();
      }
    } catch (err) {
      this.#logger.warn('kept notifications: an unreadable value stays in the state document', {
        key,
        kind: errorKind(err),
      });
      return;
    }
    this.#deleteStateKey(key);
    this.#logger.warn('kept notifications unreadable; moved aside', { key, file: path.basename(aside) });
  }

  async #moveFileAside(): Promise<boolean> {
    try {
      const aside = await this.#freeAsideName();
      await fs.promises.rename(this.#file, aside);
      this.#logger.warn('kept notifications unreadable; moved aside', { file: path.basename(aside) });
      return true;
    } catch (err) {
      this.#logger.warn('kept notifications unreadable and not moved aside; left as they are, not kept this run', {
        kind: errorKind(err),
      });
      return false;
    }
  }

  /** A name aside that nothing has (the data dir's lock keeps other agents out between the check and the use). */
  async #freeAsideName(): Promise<string> {
    const base = `${this.#file}.unreadable-${Date.now()}`;
    for (let n = 0; ; n++) {
      const name = n === 0 ? base : `${base}-${n}`;
      try {
        await fs.promises.lstat(name);
      } catch (err) {
        if ((err as { code?: unknown }).code === 'ENOENT') return name;
        throw err;
      }
    }
  }
}
