// Windows shows toasts only for an app whose AppUserModelID belongs to a Start-menu shortcut. The installer
// (NSIS, from electron-builder's appId) makes one; a development run (`npm run dev` / `npm start`, electron.exe
// running our directory) has none, so the app makes one for itself: "Push Agent (development)", pointing at this
// Electron with this app directory, carrying APP_ID. Windows may need the app restarted once after it first
// appears; main logs that.
import path from 'node:path';
import type { ShortcutDetails } from 'electron';

export function devShortcut(opts: { appData: string; execPath: string; appPath: string; appId: string }): {
  file: string;
  details: ShortcutDetails;
} {
  return {
    file: path.win32.join(
      opts.appData,
      'Microsoft',
      'Windows',
      'Start Menu',
      'Programs',
      'Push Agent (development).lnk',
    ),
    details: {
      target: opts.execPath,
      args: `"${opts.appPath}"`,
      appUserModelId: opts.appId,
      description: 'Push Agent, run from a development checkout',
    },
  };
}
