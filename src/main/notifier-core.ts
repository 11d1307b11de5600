// The Notifier port (design.md §8) over a "native notification" factory: mapping per platform
// (notification-options.ts), icons through the icon cache, and click / action / close routed back as events.
// Electron's Notification is wired in electron-notifier.ts; the unit tests use stand-ins.
// Live notifications are kept in a map: Electron drops the events of a Notification object that was collected.

import type { NotificationModel } from '../engine/notification.ts';
import type { Logger, Notifier } from '../engine/ports.ts';
import type { IconCache } from './icon-cache.ts';
import { mapNotification, originLabel, type MappedNotification, type Platform } from './notification-options.ts';

export interface NativeNotification {
  onClick(listener: () => void): void;
  /** `index` is the button's position in the options' actions. */
  onAction(listener: (index: number) => void): void;
  onClose(listener: () => void): void;
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
  readonly #live = new Map<string, NativeNotification>();
  readonly #native: NativeNotifications;
  readonly #icons: Pick<IconCache, 'get'>;
  readonly #logger: Logger;
  readonly #platform: Platform;
  events: NotifierEvents = { activated() {}, closed() {}, unread() {} };

  constructor(opts: { native: NativeNotifications; icons: Pick<IconCache, 'get'>; logger: Logger; platform: Platform }) {
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
    n.onClose(() => this.#finish(model.id, () => this.events.closed(model.id)));
    n.onFailed((error) => {
      this.#logger.warn('notification failed', { error: error.slice(0, 200) });
      this.#forget(model.id);
    });
    this.#live.set(model.id, n);
    this.events.unread(this.#live.size);
    n.show();
  }

  close(id: string): void {
    const n = this.#live.get(id);
    if (!n) return;
    // Forget first, so the 'close' event this causes is not reported as the user's dismissal.
    this.#forget(id);
    n.close();
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
