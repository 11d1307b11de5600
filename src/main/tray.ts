// The tray: connection state (connected / reconnecting / offline) and the unread count (tray-state.ts decides the
// words), a menu to open settings or quit.
import path from 'node:path';
import { Menu, nativeImage, Tray } from 'electron';
import type { ConnectionStateView } from '../shared/settings-api.ts';
import { trayView, type TrayConnection } from './tray-state.ts';

export interface AppTray {
  update(state: ConnectionStateView | 'waiting', unread: number): void;
  destroy(): void;
  /** For the Electron smoke tests. */
  readonly tooltip: string;
}

export function createTray(opts: {
  iconDir: string;
  openSettings: () => void;
  quit: () => void;
  warning?: string | null;
}): AppTray {
  // Never a template image on macOS: a template is drawn in one colour, and the coloured dot is the state.
  const icon = (c: TrayConnection) => nativeImage.createFromPath(path.join(opts.iconDir, `tray-${c}.png`));
  const tray = new Tray(icon('offline'));
  let last = '';
  let tooltip = '';
  const update: AppTray['update'] = (state, unread) => {
    const view = trayView(state, unread);
    const key = `${view.connection}|${view.unread}`;
    if (key === last) return;
    last = key;
    tooltip = view.tooltip;
    tray.setImage(icon(view.connection));
    tray.setToolTip(view.tooltip);
    if (process.platform === 'darwin') tray.setTitle(view.title);
    tray.setContextMenu(
      Menu.buildFromTemplate([
        { label: view.statusLine, enabled: false },
        ...(opts.warning ? [{ label: `⚠ ${opts.warning}`, click: opts.openSettings }] : []),
        { type: 'separator' },
        { label: 'Open Settings…', click: opts.openSettings },
        { type: 'separator' },
        { label: 'Quit Push Agent', click: opts.quit },
      ]),
    );
  };
  tray.on('click', opts.openSettings);
  update('stopped', 0);
  return {
    update,
    destroy: () => tray.destroy(),
    get tooltip() {
      return tooltip;
    },
  };
}
