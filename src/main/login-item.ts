// Start at login, hidden (docs/architecture.md "Processes"): login items on macOS and Windows, an XDG autostart entry
// on Linux
// (autostart.ts). Applied whenever the `startAtLogin` preference changes.
import os from 'node:os';
import { app } from 'electron';
import { autostartDir, isAutostartEnabled, setAutostart } from './autostart.ts';

export const HIDDEN_ARG = '--hidden';

export function applyStartAtLogin(appId: string, enabled: boolean): void {
  if (process.platform === 'linux') {
    // In an AppImage, process.execPath is inside a temporary mount: start the AppImage itself.
    const exec = process.env.APPIMAGE ?? process.execPath;
    const args = app.isPackaged ? [HIDDEN_ARG] : [app.getAppPath(), HIDDEN_ARG];
    setAutostart(
      autostartDir(process.env, os.homedir()),
      { appId, name: app.getName(), exec, args, comment: 'Web Push notifications' },
      enabled,
    );
    return;
  }
  app.setLoginItemSettings({ openAtLogin: enabled, args: [HIDDEN_ARG] });
}

export function startAtLoginEnabled(appId: string): boolean {
  if (process.platform === 'linux') return isAutostartEnabled(autostartDir(process.env, os.homedir()), appId);
  return app.getLoginItemSettings({ args: [HIDDEN_ARG] }).openAtLogin;
}

/** True when this launch came from the login item / autostart entry (or was asked to start hidden). */
export function launchedHidden(argv: readonly string[]): boolean {
  return (
    argv.includes(HIDDEN_ARG) || (process.platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin === true)
  );
}
