// The notifications the engine has on screen: showing them through the Notifier (with tag replacement),
// answering getNotifications, and resolving what an activation means (docs/architecture.md "Notifications").
// They are kept across restarts (their own file in the data dir, kept-notifications-file.ts), so that a click on one
// shown before the agent restarted still reaches its site's worker, `data` included (for a worker's notification the
// data is the key of a structured clone in the origin's IndexedDB, kept by the service-worker script). Their titles
// and bodies are message plaintext, so the list is sealed with the engine's SecretBox like the subscriptions' keys.

import { randomUUID } from 'node:crypto';
import { httpUrl, type NotificationModel, type NotificationRequest } from './notification.ts';
import type { KeptNotificationsFile } from './kept-notifications-file.ts';
import type { Clock, Logger, Notifier, SecretBox, TimerHandle } from './ports.ts';
import { isStoredNotification } from './state-schema.ts';

/** At most this many notifications are remembered per origin; the oldest are closed first. */
const MAX_ACTIVE_PER_ORIGIN = 50;
/** At most this many in all (the list is sealed and rewritten whole on each save); the oldest are closed first. */
export const MAX_KEPT_NOTIFICATIONS = 100;
/** Older than this, a notification is forgotten (a notification server has long dropped it from view). */
export const MAX_KEPT_AGE_MS = 7 * 24 * 3600_000;
/** Saves are grouped (as the history's): a burst costs one write, off the display path. */
const SAVE_DELAY_MS = 1_000;

export interface NotificationCenterState {
  /** Where the sealed list is kept. */
  file: KeptNotificationsFile;
  logger: Logger;
  /** Seals the kept list (titles and bodies are message plaintext). */
  secrets: SecretBox;
}

export type Activation =
  | { kind: 'open'; url: string }
  | { kind: 'worker-click'; notification: NotificationModel; action: string }
  | { kind: 'none' };

export class NotificationCenter {
  #active = new Map<string, NotificationModel>();
  /** Last time each origin had a notification shown (the policy's burst grace needs it). */
  #lastShownAt = new Map<string, number>();
  readonly #notifier: Notifier;
  readonly #clock: Clock;
  readonly #onAsyncError: (err: unknown) => void;
  /** Where the list is kept; saves go there only once load() read it (a save before would drop what it holds). */
  readonly #keptIn: NotificationCenterState | null;
  #state: NotificationCenterState | null = null;
  #loaded = false;
  /** Stored entries this build cannot read: written back as they are, never dropped. */
  #unreadable: unknown[] = [];
  #saveTimer: TimerHandle | null = null;
  /** Saves run one after another: sealing is asynchronous, and an older list must not land after a newer one. */
  #saving: Promise<void> = Promise.resolve();

  /**
   * `onAsyncError`: a notifier's show() that rejects later (its synchronous throw reaches the caller of show()).
   * `state`: where the shown notifications are kept across restarts (load() reads them back); none in tests that
   * need no restart.
   */
  constructor(
    notifier: Notifier,
    clock: Clock,
    onAsyncError: (err: unknown) => void = () => {},
    state: NotificationCenterState | null = null,
  ) {
    this.#notifier = notifier;
    this.#clock = clock;
    this.#onAsyncError = onAsyncError;
    this.#keptIn = state;
  }

  /**
   * Reads the notifications kept by an earlier run (once, when the agent starts, before anything is shown). Until
   * then nothing is saved: commands that only load the state (`list`, `send`) never touch the file.
   */
  async load(): Promise<void> {
    if (!this.#keptIn || this.#loaded) return;
    this.#loaded = true;
    const { file, logger, secrets } = this.#keptIn;
    const kept = await file.read();
    // Stored but not readable now (read() logged why): left as it is, not saved over this run.
    if (kept.kind === 'unavailable') return;
    if (kept.kind === 'none') {
      this.#state = this.#keptIn;
      return;
    }
    const { sealed } = kept;
    let entries: unknown;
    try {
      entries = JSON.parse(new TextDecoder().decode(await secrets.open(sealed)));
      if (!Array.isArray(entries)) throw new TypeError('not a list');
    } catch (err) {
      // A locked key, or a key that is not the one they were sealed with (replaced, restored from elsewhere): what is
      // stored stays exactly as it is (the right key may come back), and this run keeps its notifications in memory.
      logger.warn('kept notifications cannot be opened; left as they are, not kept this run', {
        kind: (err as Error).name,
      });
      return;
    }
    const oldest = this.#clock.now() - MAX_KEPT_AGE_MS;
    for (const entry of entries as unknown[]) {
      if (!isStoredNotification(entry)) this.#unreadable.push(entry);
      else if (entry.shownAt >= oldest) this.#active.set(entry.id, entry);
    }
    if (this.#unreadable.length)
      logger.warn('kept notifications: entries not readable, left as they are', { count: this.#unreadable.length });
    this.#state = this.#keptIn;
  }

  /** Writes a pending save now (the engine's stop); resolves once it is stored. */
  flush(): Promise<void> {
    if (this.#saveTimer) this.#clock.clearTimeout(this.#saveTimer);
    this.#saveTimer = null;
    const state = this.#state;
    if (!state) return this.#saving;
    const list = JSON.stringify([...this.#unreadable, ...this.#active.values()]);
    this.#saving = this.#saving.then(async () => {
      try {
        await state.file.write(await state.secrets.seal(new TextEncoder().encode(list)));
      } catch (err) {
        // The error's kind only: nothing of the notifications' text in the log.
        state.logger.warn('kept notifications not saved', {
          kind: (err as { code?: string }).code ?? (err as Error).name,
        });
      }
    });
    return this.#saving;
  }

  #changed(): void {
    if (!this.#state || this.#saveTimer) return;
    this.#saveTimer = this.#clock.setTimeout(() => {
      this.#saveTimer = null;
      void this.flush();
    }, SAVE_DELAY_MS);
    this.#saveTimer.unref?.();
  }

  show(
    request: NotificationRequest,
    meta: {
      subscriptionId: string;
      origin: string;
      source: NotificationModel['source'];
      worker?: NotificationModel['worker'];
    },
  ): NotificationModel {
    const { model, confirmed } = this.showConfirmed(request, meta);
    confirmed.catch(this.#onAsyncError);
    return model;
  }

  /**
   * Like show(), and also says whether the platform took it: `confirmed` rejects when the notifier fails after it
   * returned (a notification server that is not there), so the caller can record that instead of "shown".
   */
  showConfirmed(
    request: NotificationRequest,
    meta: {
      subscriptionId: string;
      origin: string;
      source: NotificationModel['source'];
      worker?: NotificationModel['worker'];
    },
  ): { model: NotificationModel; confirmed: Promise<void> } {
    const model: NotificationModel = {
      ...request,
      id: randomUUID(),
      subscriptionId: meta.subscriptionId,
      origin: meta.origin,
      source: meta.source,
      shownAt: this.#clock.now(),
      ...(meta.worker ? { worker: meta.worker } : {}),
    };
    if (request.tag) {
      // Same non-empty tag from the same origin replaces the earlier notification.
      for (const old of this.#active.values()) {
        if (old.origin === meta.origin && old.tag === request.tag) this.#remove(old.id, true);
      }
    }
    const mine = [...this.#active.values()].filter((n) => n.origin === meta.origin);
    for (const old of mine.slice(0, Math.max(0, mine.length - MAX_ACTIVE_PER_ORIGIN + 1))) this.#remove(old.id, true);
    // Map order is insertion order: the first entries are the oldest.
    const oldest = model.shownAt - MAX_KEPT_AGE_MS;
    for (const old of [...this.#active.values()]) if (old.shownAt < oldest) this.#remove(old.id, false);
    for (const old of [...this.#active.values()].slice(0, Math.max(0, this.#active.size - MAX_KEPT_NOTIFICATIONS + 1)))
      this.#remove(old.id, true);
    // A notifier that throws leaves nothing remembered here; the caller records the failure.
    const pending = this.#notifier.show(model) ?? Promise.resolve();
    this.#active.set(model.id, model);
    this.#lastShownAt.set(meta.origin, model.shownAt);
    this.#changed();
    const confirmed = pending.catch((err: unknown) => {
      if (this.#active.delete(model.id)) this.#changed();
      throw err;
    });
    return { model, confirmed };
  }

  get(id: string): NotificationModel | undefined {
    return this.#active.get(id);
  }

  list(origin: string, tag?: string): NotificationModel[] {
    return [...this.#active.values()].filter(
      (n) => n.origin === origin && (tag === undefined || tag === '' || n.tag === tag),
    );
  }

  lastShownAt(origin: string): number | undefined {
    return this.#lastShownAt.get(origin);
  }

  /** The user clicked the notification (action = '' for the body). What should happen. */
  activate(id: string, action: string, fallbackUrl: string | undefined, hasWorker: boolean): Activation {
    const n = this.#active.get(id);
    if (!n) return { kind: 'none' };
    this.#remove(id, false);
    const chosen = action ? n.actions?.find((a) => a.action === action) : undefined;
    const navigate = chosen?.navigate ?? (action ? undefined : n.navigate);
    if (navigate) return { kind: 'open', url: navigate };
    if (hasWorker) return { kind: 'worker-click', notification: n, action };
    const url = httpUrl(fallbackUrl);
    return url ? { kind: 'open', url } : { kind: 'none' };
  }

  /** The user (or the platform) dismissed it. Returns it, for notificationclose. */
  dismissed(id: string): NotificationModel | undefined {
    const n = this.#active.get(id);
    if (n) {
      this.#active.delete(id);
      this.#changed();
    }
    return n;
  }

  /** A site's script closed one of its origin's notifications. Returns it, for notificationclose. */
  closeFor(origin: string, id: string): NotificationModel | undefined {
    const n = this.#active.get(id);
    if (!n || n.origin !== origin) return undefined;
    this.#remove(id, true);
    return n;
  }

  closeOrigin(origin: string): void {
    for (const n of this.list(origin)) this.#remove(n.id, true);
  }

  #remove(id: string, closeOnScreen: boolean): void {
    if (!this.#active.delete(id)) return;
    this.#changed();
    if (closeOnScreen) this.#notifier.close(id);
  }
}
