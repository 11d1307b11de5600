// The Electron main process: the composition root. It builds the engine with the Electron adapters
// for its ports, the IPC hub, the tray and the windows, and owns the app's lifecycle: one instance (a second launch
// shows the settings window), tray-resident (closing windows does not quit), start at login hidden, and quitting
// flushes all state (engine.stop()) before the process exits.

import fs from 'node:fs';
import path from 'node:path';
import { app, dialog, ipcMain, session, shell, type BrowserWindow } from 'electron';
import { systemClock } from '../engine/clock.ts';
import { PushEngine } from '../engine/engine.ts';
import { streamLogger } from '../engine/log.ts';
import type { Logger } from '../engine/ports.ts';
import { SettingsService } from '../engine/services/settings-service.ts';
import type { Preferences, SettingsEvent } from '../shared/settings-api.ts';
import type { ConnectionState } from '../engine/push-connection.ts';
import { APP_ID } from './app-id.ts';
import { electronNotifier } from './electron-notifier.ts';
import { openElectronStore } from './electron-store.ts';
import { electronServiceWorkers } from './electron-service-workers.ts';
import { IpcHub } from './ipc-hub.ts';
import { chooseServiceUrl, parseLaunch } from './launch-config.ts';
import { applyStartAtLogin, launchedHidden } from './login-item.ts';
import { dialogPermissionPrompt } from './permission-prompt.ts';
import { electronPowerSource } from './power-source.ts';
import { linuxPowerSource } from '../host/linux-power.ts';
import { openSessionBus, openSystemBus } from '../host/dbus-client.ts';
import { parsePacAnswer, ResolvingProxyAgent } from '../host/proxy.ts';
import { openAppLog } from './app-log.ts';
import { linuxKeyStorage, linuxTrayHostPresent } from './desktop-bus-probes.ts';
import { devShortcut } from './windows-shortcut.ts';
import { openSafeStorageSecretBox } from './safe-storage-secret-box.ts';
import { createSettingsWindow, registerAppScheme, serveSettingsScheme } from './settings-window.ts';
import { SitePermissions } from '../engine/site-permissions.ts';
import { SiteService } from '../engine/services/site-service.ts';
import { SiteSessions } from './site-sessions.ts';
import { SiteWindows } from './site-window.ts';
import { createTray, type AppTray } from './tray.ts';
import { electronUrlOpener } from './url-opener.ts';
import type { NativeNotifier } from './native-notifier.ts';
import { ServiceWorkerHost } from './service-worker-host.ts';
import { startEmbeddedService } from '../push-service/embedded.ts';
import { EMBEDDED_SERVICE } from '../shared/service-choice.ts';

const launch = parseLaunch(process.argv, process.env);
registerAppScheme();
app.setAppUserModelId(APP_ID);
if (launch.dataDir) app.setPath('userData', path.resolve(launch.dataDir));

// A second launch can arrive while start() still awaits (the keyring can take seconds): listen from the first
// moment, and show settings once start() can.
let showSettingsWhenReady: (() => void) | null = null;
let secondInstanceEarly = false;
const onSecondInstance = () => {
  if (showSettingsWhenReady) showSettingsWhenReady();
  else secondInstanceEarly = true;
};

function openLogger(dir: string): Logger {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = openAppLog(dir);
  const toStderr = !app.isPackaged;
  return streamLogger(
    (line) => {
      file.write(line);
      if (toStderr) process.stderr.write(line);
    },
    launch.dev ? 'debug' : 'info',
  );
}

async function start(): Promise<void> {
  await app.whenReady();
  const dist = path.join(app.getAppPath(), 'dist');
  const dataDir = app.getPath('userData');
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const logger = openLogger(path.join(dataDir, 'logs'));
  for (const w of launch.warnings) logger.warn(w);

  if (process.platform === 'win32' && !app.isPackaged) ensureDevShortcut(logger);

  const store = openElectronStore(dataDir);
  // Linux only: what the desktop offers that Electron does not report (a tray host, a Secret Service).
  const sessionBus = process.platform === 'linux' ? openSessionBus() : null;
  const [keyStorage, trayShown] =
    process.platform === 'linux'
      ? await Promise.all([linuxKeyStorage(sessionBus), linuxTrayHostPresent(sessionBus)])
      : [undefined, true];
  sessionBus?.close();
  const secrets = await openSafeStorageSecretBox(process.platform, keyStorage);
  if (!secrets.strong)
    logger.warn('secrets may be only obfuscated: no OS keyring could be confirmed', { backend: secrets.backend });
  if (!trayShown)
    logger.warn('no tray host on this desktop (no StatusNotifierWatcher): the settings window stays the way in');
  const serviceChoice = chooseServiceUrl(launch.serviceUrl, store.get('preferences'));
  // 'local': the push service runs in this process, its port and state kept in userData (endpoints embed the port).
  const embedded = serviceChoice === EMBEDDED_SERVICE ? await startEmbeddedService(dataDir) : null;
  if (embedded) logger.info('embedded push service started', { port: embedded.port });
  const serviceUrl = embedded?.wsUrl ?? serviceChoice;

  const hub = new IpcHub(ipcMain, logger);
  const permissions = new SitePermissions(openElectronStore(dataDir, 'permissions'), dialogPermissionPrompt);
  const sessions = new SiteSessions({
    serviceWorkerPreload: path.join(dist, 'preload/service-worker.cjs'),
    permissions,
  });
  const power = electronPowerSource({
    platform: process.platform,
    ...(process.platform === 'linux' ? { linux: linuxPowerSource({ bus: openSystemBus() }) } : {}),
  });
  const notifier = electronNotifier({ logger, platform: process.platform, allowLoopbackIcons: launch.dev });
  // Sites' own service workers, run by Electron's Chromium in each site's session (docs/architecture.md "The Electron
  // host").
  // A worker's registration.pushManager is answered by its origin's SiteService (made once the engine exists).
  const workerSites = new Map<string, SiteService>();
  const workerSite = (origin: string) => {
    let s = workerSites.get(origin);
    if (!s) workerSites.set(origin, (s = new SiteService(engine, origin, permissions, logger)));
    return s;
  };
  const workerHost: ServiceWorkerHost = new ServiceWorkerHost({
    workers: electronServiceWorkers(sessions, (versionId) => workerHost.versionStopped(versionId)),
    clock: systemClock,
    logger,
    sites: workerSite,
  });
  // The push service through the system's proxy settings (PAC included), asked at each connection attempt.
  const agent = new ResolvingProxyAgent(async (target) => {
    const answer = parsePacAnswer(await session.defaultSession.resolveProxy(target));
    if (answer.kind === 'unsupported')
      logger.warn('the system proxy for the push service is not an HTTP proxy: connecting directly', {
        scheme: answer.scheme,
      });
    return answer.kind === 'proxy' ? answer.url : null;
  });
  const engine = new PushEngine({
    serviceUrl,
    serviceChoice,
    dataDir,
    store,
    secrets,
    notifier,
    opener: electronUrlOpener,
    workerHost,
    permissions,
    power,
    logger,
    connection: { agent },
  });
  const reportFailure = (what: string) => (err: unknown) =>
    logger.error(what, { error: (err as Error)?.name ?? 'unknown' });
  notifier.events = {
    activated: (id, action) =>
      void engine.notificationActivated(id, action).catch(reportFailure('notification activation failed')),
    closed: (id) => void engine.notificationClosed(id).catch(reportFailure('notification close failed')),
    unread: () => {},
  };
  power.onWake(() => {
    engine.wake();
    // An unlocked screen often means an unlocked keyring: try locked subscription keys now, not at the next backoff.
    if (engine.secretsLocked) void engine.retrySecrets();
  });

  const siteWindows = new SiteWindows({
    engine,
    hub,
    sessions,
    permissions,
    preload: path.join(dist, 'preload/site.cjs'),
    logger,
  });
  const settings = new SettingsService(engine, { addSite: (url) => siteWindows.open(url) });
  hub.setSettingsApi(settings);
  serveSettingsScheme(path.join(dist, 'renderer'));

  let settingsWindow: BrowserWindow | null = null;
  const showSettings = () => {
    if (settingsWindow && !settingsWindow.isDestroyed()) {
      if (settingsWindow.isMinimized()) settingsWindow.restore();
      settingsWindow.show();
      settingsWindow.focus();
      return;
    }
    settingsWindow = createSettingsWindow({
      preload: path.join(dist, 'preload/settings.cjs'),
      icon: path.join(app.getAppPath(), 'build/icons/512x512.png'),
      // Without a tray the window's menu is the way to quit.
      ...(trayShown ? {} : { quit: () => void quit() }),
      onClosed: () => {
        settingsWindow = null;
        hub.setSettingsContents(null);
      },
    });
    hub.setSettingsContents(settingsWindow.webContents);
  };

  let stopping: Promise<void> | null = null;
  const quit = () => {
    stopping ??= (async () => {
      logger.info('quitting: flushing state');
      try {
        await engine.stop();
      } catch (err) {
        logger.error('engine did not stop cleanly', { error: (err as Error).message });
      }
      // After the engine: its last acks and unregisters go to this service.
      await embedded
        ?.close()
        .catch((err: unknown) =>
          logger.error('embedded push service did not stop cleanly', { error: (err as Error).message }),
        );
      settings.dispose();
      notifier.closeAll();
      siteWindows.closeAll();
      power.dispose();
      hub.dispose();
      tray.destroy();
    })().finally(() => app.exit(0));
    return stopping;
  };

  const tray: AppTray = createTray({
    iconDir: path.join(app.getAppPath(), 'build/icons'),
    openSettings: showSettings,
    quit: () => void quit(),
    // No key store confirmed (Linux without a Secret Service): say so where the user always sees it; settings explains
    // it too.
    warning: secrets.strong ? null : 'Keys are stored without an OS keyring',
  });
  // The tray reads the engine's own events, not the settings window's.
  let connection: ConnectionState = 'stopped';
  let unread = engine.history.unread;
  const refreshTray = () => tray.update(connection, unread);

  let appliedLoginItem: boolean | null = null;
  let startupServiceUrl: string | null = null;
  const applyPreferences = (p: Preferences) => {
    if (p.startAtLogin !== appliedLoginItem) {
      appliedLoginItem = p.startAtLogin;
      try {
        applyStartAtLogin(APP_ID, p.startAtLogin);
      } catch (err) {
        logger.warn('could not change start at login', { error: (err as Error).message });
      }
    }
    // A new push service applies to a new engine: restart once state is flushed (unless this launch pinned one).
    // Compared with the preference as it was at startup, never with a normalized URL, so it cannot loop.
    startupServiceUrl ??= p.serviceUrl;
    if (!launch.serviceUrl && p.serviceUrl !== startupServiceUrl) {
      logger.info('push service changed: restarting');
      app.relaunch();
      void quit();
    }
  };

  settings.on('event', (event: SettingsEvent) => hub.sendSettingsEvent(event));
  engine.on('state', (state) => {
    connection = state;
    refreshTray();
  });
  engine.on('unread', (n) => {
    unread = n;
    refreshTray();
  });
  engine.on('preferences', applyPreferences);

  showSettingsWhenReady = showSettings;
  app.on('activate', showSettings);
  // Tray-resident: closing the last window does not quit.
  app.on('window-all-closed', () => {});
  app.on('before-quit', (event) => {
    if (stopping) return;
    event.preventDefault();
    void quit();
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void quit());

  if (launch.dev || process.env.PUSH_AGENT_TEST === '1') exposeTestHooks(tray, notifier, engine, quit);

  await engine.start();
  // Electron reports no deleted registrations: a registration unregistered while the app was not running ends its
  // subscription now.
  void workerHost.reconcile(siteScopes(engine)).catch(reportFailure('service worker reconciliation failed'));
  applyPreferences(engine.preferences.current);
  // Hidden start is for the tray; with no tray to come back from, the window is the app.
  if (secondInstanceEarly || !trayShown || (!launch.hidden && !launchedHidden(process.argv))) showSettings();
  if (launch.openSite)
    await siteWindows
      .open(launch.openSite)
      .catch((err: Error) => logger.warn('could not open the site', { error: err.message }));
}

/** The scopes of the sites' subscriptions, with their origins. */
function siteScopes(engine: PushEngine): Array<{ origin: string; scope: string }> {
  const scopes: Array<{ origin: string; scope: string }> = [];
  for (const info of engine.list()) {
    const record = engine.subscription(info.id);
    if (record?.kind === 'site' && record.workerScriptURL) scopes.push({ origin: record.origin, scope: record.scope });
  }
  return scopes;
}

/** What tests/electron reads through Playwright's `electronApp.evaluate` (only with PUSH_AGENT_TEST=1 or in dev). */
function exposeTestHooks(tray: AppTray, notifier: NativeNotifier, engine: PushEngine, quit: () => Promise<void>): void {
  const shown: Array<{ title: string; body: string }> = [];
  engine.on('notification', (n) => shown.push({ title: n.title, body: n.body ?? '' }));
  Object.defineProperty(globalThis, '__pushAgentTest', {
    value: Object.freeze({
      trayTooltip: () => tray.tooltip,
      notifications: () => [...shown],
      unread: () => notifier.unread,
      status: () => engine.status(),
      subscribe: async (label: string) => {
        const info = await engine.subscribe({ kind: 'endpoint', label });
        return engine.subscriptionJSON(info.id);
      },
      // What a site page's pushManager.subscribe() ends in (SiteService), without a page: there is none here.
      subscribeSite: async (origin: string, scope: string, workerScriptURL: string) => {
        const info = await engine.subscribe({
          kind: 'site',
          origin,
          scope,
          workerScriptURL,
          applicationServerKey: null,
          userVisibleOnly: true,
        });
        return engine.subscriptionJSON(info.id);
      },
      quit,
    }),
  });
}

/** Windows shows no toasts for a development run without a Start-menu shortcut carrying the AppUserModelID. */
function ensureDevShortcut(logger: Logger): void {
  const { file, details } = devShortcut({
    appData: app.getPath('appData'),
    execPath: process.execPath,
    appPath: app.getAppPath(),
    appId: APP_ID,
  });
  const existed = fs.existsSync(file);
  if (shell.writeShortcutLink(file, existed ? 'replace' : 'create', details)) {
    if (!existed)
      logger.warn(
        'created a Start-menu shortcut for this development run: if notifications do not appear, restart the app once',
      );
  } else {
    logger.warn(
      'could not create the Start-menu shortcut: Windows shows no notifications for this development run without it',
    );
  }
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', onSecondInstance);
  start().catch((err: Error) => {
    dialog.showErrorBox('Push Agent could not start', err.message);
    app.exit(1);
  });
}
