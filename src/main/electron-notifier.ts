// Native notifications on Electron's Notification, for the NativeNotifier (native-notifier.ts), with icons fetched
// through net.fetch (the app's network stack, proxy settings included) into the size-capped icon cache.
import { nativeImage, net, Notification } from 'electron';
import type { Logger } from '../engine/ports.ts';
import { IconCache } from './icon-cache.ts';
import { activationTag, NativeNotifier, type CloseReason, type NativeNotifications } from './native-notifier.ts';

const electronNotifications: NativeNotifications = {
  supported: () => Notification.isSupported(),
  create(options, iconBytes) {
    const icon = iconBytes ? nativeImage.createFromBuffer(Buffer.from(iconBytes)) : null;
    const n = new Notification({ ...options, ...(icon && !icon.isEmpty() ? { icon } : {}) });
    return {
      onClick: (l) => void n.on('click', () => l()),
      // details.actionIndex: the positional index argument is deprecated (Electron 45).
      onAction: (l) => void n.on('action', (details) => l(details.actionIndex)),
      // details.reason exists on Windows only ('timedOut' = moved to the Action Center, not dismissed).
      onClose: (l) => void n.on('close', (details) => l((details as { reason?: CloseReason }).reason)),
      onFailed: (l) => void n.on('failed', (_event, error) => l(error)),
      show: () => n.show(),
      close: () => n.close(),
    };
  },
};

export function electronNotifier(opts: {
  logger: Logger;
  platform: NodeJS.Platform;
  allowLoopbackIcons: boolean;
}): NativeNotifier {
  const icons = new IconCache({
    fetch: (url, init) => net.fetch(url, init),
    allowLoopbackHttp: opts.allowLoopbackIcons,
  });
  const notifier = new NativeNotifier({
    native: electronNotifications,
    icons,
    logger: opts.logger,
    platform: opts.platform,
  });
  // Windows only: clicks in the Action Center, also for toasts whose object is gone (timed out, app restarted).
  // The toast's tag is our notification id (mapNotification sets `id`).
  if (opts.platform === 'win32') {
    Notification.handleActivation((details) =>
      notifier.activated({
        id: activationTag(details.arguments),
        type: details.type,
        ...(details.actionIndex !== undefined ? { actionIndex: details.actionIndex } : {}),
      }),
    );
  }
  return notifier;
}
