// What the Linux session bus says about the desktop, where Electron says nothing:
// - a tray host: Electron's Tray needs a StatusNotifierItem host (`org.kde.StatusNotifierWatcher` owned), or it
//   falls back silently to an XEmbed GtkStatusIcon that stock GNOME no longer shows. No host = no tray.
// - the key store: Electron 45's async safeStorage picks its key provider itself (the Secret portal, the Secret
//   Service, or a fixed fallback key) and does not report which; getSelectedStorageBackend() describes the old
//   synchronous API only. What can be known is whether a Secret Service (`org.freedesktop.secrets`) is running:
//   without one the async API can only be using its fallback key.
import type { DBusClient } from '../host/dbus-client.ts';

export async function linuxTrayHostPresent(bus: DBusClient | null): Promise<boolean> {
  // No bus, or no answer: nothing can host a tray icon that we could know of; show a window instead.
  return (await bus?.nameHasOwner('org.kde.StatusNotifierWatcher')) === true;
}

export interface KeyStorageView {
  backend: string;
  strong: boolean;
}

export async function linuxKeyStorage(bus: DBusClient | null): Promise<KeyStorageView> {
  const running = (await bus?.nameHasOwner('org.freedesktop.secrets')) === true;
  return running
    ? { backend: 'Secret Service is running (Electron does not report which key provider it chose)', strong: true }
    : { backend: "no Secret Service running: Electron's fixed fallback key", strong: false };
}
