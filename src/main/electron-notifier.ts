// Native notifications on Electron's Notification, for the NativeNotifier (notifier-core.ts), with icons fetched
// through net.fetch (the app's network stack, proxy settings included) into the size-capped icon cache.
import { nativeImage, net, Notification } from 'electron';
import type { Logger } from '../engine/ports.ts';
import { IconCache } from './icon-cache.ts';
import { NativeNotifier, type NativeNotifications } from './notifier-core.ts';

const electronNotifications: NativeNotifications = {
  supported: () => Notification.isSupported(),
  create(options, iconBytes) {
    const icon = iconBytes ? nativeImage.createFromBuffer(Buffer.from(iconBytes)) : null;
    const n = new Notification({ ...options, ...(icon && !icon.isEmpty() ? { icon } : {}) });
    return {
      onClick: (l) => void n.on('click', () => l()),
      onAction: (l) => void n.on('action', (_event, index) => l(index)),
      onClose: (l) => void n.on('close', () => l()),
      onFailed: (l) => void n.on('failed', (_event, error) => l(error)),
      show: () => n.show(),
      close: () => n.close(),
    };
  },
};

export function electronNotifier(opts: { logger: Logger; platform: NodeJS.Platform; allowLoopbackIcons: boolean }): NativeNotifier {
  const icons = new IconCache({ fetch: (url, init) => net.fetch(url, init), allowLoopbackHttp: opts.allowLoopbackIcons });
  return new NativeNotifier({ native: electronNotifications, icons, logger: opts.logger, platform: opts.platform });
}
