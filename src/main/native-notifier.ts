// The Notifier port (docs/architecture.md "Notifications") over a "native notification" factory: mapping per platform
// (notification-options.ts), icons through the icon cache, and click / action / close routed back as events.
// Electron's Notification is wired in electron-notifier.ts; the unit tests use stand-ins.
// Live notifications are kept in a map: Electron drops the events of a Notification object that was collected.

import type { NotificationModel } from '../engine/notification.ts';
import type { Logger, Notifier } from '../engine/ports.ts';
import type { IconCache } from './icon-cache.ts';
import { mapNotification, originLabel, type MappedNotification, type Platform } from './notification-options.ts';

/** Why a notification closed, as Windows reports it (Electron's `close` details.reason); elsewhere undefined. */
export type CloseReason = 'userCanceled' | 'applicationHidden' | 'timedOut' | undefined;

/** An activation from Windows' Action Center (Electron's Notification.handleActivation), object or not. */
export interface Activation {
  /** Our notification id (the toast's tag), or null when the arguments carry none. */
  id: string | null;
  type: string;
  actionIndex?: number;
}

/** The toast's tag from Windows' raw activation arguments (`type=action&action=1&tag=<id>`). */
export function activationTag(rawArguments: string): string | null {
  for (const pair of rawArguments.split('&')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq) === 'tag') return pair.slice(eq + 1) || null;
  }
  return null;
}

export interface NativeNotification {
  onClick(listener: () => void): void;
  /** `index` is the button's position in the options' actions. */
  onAction(listener: (index: number) => void): void;
  onClose(listener: (reason: CloseReason) => void): void;
  onFailed(listener: (error: string) => void): void;
  show(): void;
  close(): void;
}

export interface NativeNotifications {
  supported(): boolean;
  create(options: MappedNotification['options'], icon: Uint8Array | null): NativeNotification;
}

export interface NotifierEvents {
  activated(id: string, action: string): void;
  closed(id: string): void;
  /** Notifications on screen and not yet acted on. */
  unread(count: number): void;
}

export class NativeNotifier implements Notifier {
  readonly #live = new Map<string, { native: NativeNotification; actionIds: string[] }>();
  readonly #native: NativeNotifications;
  readonly #icons: Pick<IconCache, 'get'>;
  readonly #logger: Logger;
  readonly #platform: Platform;
  events: NotifierEvents = { activated() {}, closed() {}, unread() {} };

  constructor(opts: {
    native: NativeNotifications;
    icons: Pick<IconCache, 'get'>;
    logger: Logger;
    platform: Platform;
  }) {
    this.#native = opts.native;
    this.#icons = opts.icons;
    this.#logger = opts.logger;
    this.#platform = opts.platform;
  }

  get unread(): number {
    return this.#live.size;
  }

  async show(model: NotificationModel): Promise<void> {
    if (!this.#native.supported()) {
      this.#logger.warn('native notifications are not supported on this system');
      return;
    }
    const mapped = mapNotification(model, this.#platform, originLabel(model.origin));
    const icon = mapped.iconUrl ? await this.#icons.get(mapped.iconUrl) : null;
    const n = this.#native.create(mapped.options, icon);
    n.onClick(() => this.#finish(model.id, () => this.events.activated(model.id, '')));
    n.onAction((index) => {
      // An index we did not offer is a plain click, never an arbitrary action name.
      const action = mapped.actionIds[index] ?? '';
      this.#finish(model.id, () => this.events.activated(model.id, action));
    });
    n.onClose((reason) => {
      // A Windows toast that timed out went to the Action Center: not dismissed, and still clickable there.
      if (reason === 'timedOut') return;
      this.#finish(model.id, () => this.events.closed(model.id));
    });
    n.onFailed((error) => {
      this.#logger.warn('notification failed', { error: error.slice(0, 200) });
      this.#forget(model.id);
    });
    this.#live.set(model.id, { native: n, actionIds: mapped.actionIds });
    this.events.unread(this.#live.size);
    n.show();
  }

  close(id: string): void {
    const n = this.#live.get(id);
    if (!n) return;
    // Forget first, so the 'close' event this causes is not reported as the user's dismissal.
    this.#forget(id);
    n.native.close();
  }

  /**
   * A click or button press in Windows' Action Center, reported whether or not the Notification object still
   * exists (after a restart it does not). Electron also fires the object's own events when it exists: whichever
   * comes first is reported, once. Without the object the button's action id is unknown: a plain click.
   */
  activated(a: Activation): void {
    if (a.id === null || (a.type !== 'click' && a.type !== 'action')) return;
    const live = this.#live.get(a.id);
    const action =
      a.type === 'action' && live && a.actionIndex !== undefined ? (live.actionIds[a.actionIndex] ?? '') : '';
    if (live) this.#finish(a.id, () => this.events.activated(a.id!, action));
    else this.events.activated(a.id, '');
  }

  closeAll(): void {
    for (const id of [...this.#live.keys()]) this.close(id);
  }

  #finish(id: string, report: () => void): void {
    if (!this.#live.has(id)) return;
    this.#forget(id);
    report();
  }

  #forget(id: string): void {
    if (this.#live.delete(id)) this.events.unread(this.#live.size);
  }
}
