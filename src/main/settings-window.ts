// The settings window: served from the app's own `push-agent://settings/` scheme (never file://),
// strict CSP header, sandboxed, its preload exposing only `window.pushAgent`. Navigation and new windows are locked:
// http(s) links go to the default browser after validation, anything else nowhere.
import fs from 'node:fs/promises';
import { BrowserWindow, Menu, protocol, session, shell } from 'electron';
import { APP_SCHEME, SETTINGS_URL } from '../shared/ipc.ts';
import { settingsAsset } from './app-assets.ts';
import { externalUrl } from './url-policy.ts';

/** Must run before `app.ready`: makes our scheme standard (an origin, relative URLs) and secure. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: false, corsEnabled: false } },
  ]);
}

/** After `app.ready`: serves dist/renderer on the default session (the settings window's). */
export function serveSettingsScheme(rendererDir: string): void {
  // The settings window needs one permission, writing to the clipboard (its Copy buttons), and only from our own
  // scheme; everything else (camera, notifications, ...) is refused.
  const mayWrite = (permission: string, origin: string) =>
    permission === 'clipboard-sanitized-write' && origin.startsWith(`${APP_SCHEME}://`);
  session.defaultSession.setPermissionRequestHandler((contents, permission, callback) =>
    callback(mayWrite(permission, contents.getURL())),
  );
  session.defaultSession.setPermissionCheckHandler((_contents, permission, requestingOrigin) =>
    mayWrite(permission, requestingOrigin),
  );
  protocol.handle(APP_SCHEME, async (request) => {
    const asset = request.method === 'GET' ? settingsAsset(request.url, rendererDir) : null;
    if (!asset) return new Response('Not found', { status: 404, headers: { 'content-type': 'text/plain' } });
    try {
      return new Response(await fs.readFile(asset.file), { headers: asset.headers });
    } catch {
      return new Response('Not found', { status: 404, headers: { 'content-type': 'text/plain' } });
    }
  });
}

/** `quit`: give the window a menu with Quit, for desktops with no tray (whose menu is the only other way out). */
export function createSettingsWindow(opts: {
  preload: string;
  icon?: string;
  onClosed: () => void;
  quit?: () => void;
}): BrowserWindow {
  const win = new BrowserWindow({
    width: 960,
    height: 700,
    minWidth: 640,
    minHeight: 480,
    show: false,
    title: 'Push Agent',
    ...(opts.icon ? { icon: opts.icon } : {}),
    webPreferences: {
      preload: opts.preload,
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  if (opts.quit)
    win.setMenu(
      Menu.buildFromTemplate([
        { label: 'Push Agent', submenu: [{ label: 'Quit Push Agent', accelerator: 'CmdOrCtrl+Q', click: opts.quit }] },
      ]),
    );
  const contents = win.webContents;
  contents.on('will-navigate', (event, url) => {
    if (url === SETTINGS_URL) return;
    event.preventDefault();
    const external = externalUrl(url);
    if (external) void shell.openExternal(external);
  });
  contents.setWindowOpenHandler(({ url }) => {
    const external = externalUrl(url);
    if (external) void shell.openExternal(external);
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  win.once('ready-to-show', () => win.show());
  win.on('closed', opts.onClosed);
  void win.loadURL(SETTINGS_URL);
  return win;
}
