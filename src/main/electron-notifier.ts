// The Notifier port on Electron's Notification (design.md §8): options mapped per platform
// (notification-options.ts), icons through the icon cache, clicks/actions/closes routed back to the engine.
// Live notifications are kept in a map: Electron drops the events of a Notification object that was collected.
import { nativeImage, net, Notification } from 'electron';
import type { NotificationModel } from '../engine/notification.ts';
import type { Logger, Notifier } from '../engine/ports.ts';
import { IconCache } from './icon-cache.ts';
import { mapNotification, originLabel } from './notification-options.ts';

export interface NotifierEvents {
  activated(id: string, action: string): void;
  closed(id: string): void;
  /** Notifications on screen and not yet acted on: the tray's unread count. */
  unread(count: number): void;
}

export class ElectronNotifier implements Notifier {
  readonly #live = new Map<string, Notification>();
  readonly #icons: IconCache;
  readonly #logger: Logger;
  readonly #platform: NodeJS.Platform;
  events: NotifierEvents = { activated() {}, closed() {}, unread() {} };

  constructor(opts: { logger: Logger; platform: NodeJS.Platform; allowLoopbackIcons: boolean }) {
    this.#logger = opts.logger;
    this.#platform = opts.platform;
    this.#icons = new IconCache({ fetch: (url, init) => net.fetch(url, init), allowLoopbackHttp: opts.allowLoopbackIcons });
  }

  get unread(): number {
    return this.#live.size;
  }

  async show(model: NotificationModel): Promise<void> {
    if (!Notification.isSupported()) {
      this.#logger.warn('native notifications are not supported on this system');
      return;
    }
    const mapped = mapNotification(model, this.#platform, originLabel(model.origin));
    const iconBytes = mapped.iconUrl ? await this.#icons.get(mapped.iconUrl) : null;
    const icon = iconBytes ? nativeImage.createFromBuffer(Buffer.from(iconBytes)) : undefined;
    const n = new Notification({ ...mapped.options, ...(icon && !icon.isEmpty() ? { icon } : {}) });
    n.on('click', () => this.#finish(model.id, () => this.events.activated(model.id, '')));
    n.on('action', (_event, index) => {
      const action = mapped.actionIds[index] ?? '';
      this.#finish(model.id, () => this.events.activated(model.id, action));
    });
    n.on('close', () => this.#finish(model.id, () => this.events.closed(model.id)));
    n.on('failed', (_event, error) => {
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
