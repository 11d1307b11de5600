// A stand-in for the `electron` module, for running the real main-process bundle (dist/main/main.cjs) on plain
// Node: the Electron binary cannot run here. It implements only what src/main calls, records what the app does
// (notifications, tray, windows) as `STUB {json}` lines on stdout, and takes commands as JSON lines on stdin
// (a settings-window IPC call, a request to the app's scheme, a power or second-instance event, quit). Everything
// behind it is the real app: engine, IPC hub, validators, SettingsService, adapters' logic.
// It behaves as Electron 45's documentation says, including where that is inconvenient for the app:
// - events exist only on their platforms (process.platform here): powerMonitor's on-ac/on-battery/unlock-screen
//   only on macOS and Windows, Notification's 'action' only there, close details.reason and
//   Notification.handleActivation only on Windows, shell.writeShortcutLink only on Windows;
// - safeStorage can be unavailable (PUSH_AGENT_STUB_KEYRING=unavailable: isAsyncEncryptionAvailable resolves
//   false and encrypt/decrypt reject), fail (=rejects), or be slow to answer (=slow: until a `keyring` command);
// - service workers (Electron 45 docs/api/service-workers.md, service-worker-main.md, and
//   lib/browser/api/service-worker-main.ts, shell/browser/api/electron_api_service_worker_{main,context}.cc of
//   v45.0.0-nightly.20260821): `startWorkerForScope` starts a stopped worker and rejects "Failed to start service
//   worker." for a scope without a registration; a worker with no task is stopped by "Chromium" after an idle
//   timeout (PUSH_AGENT_STUB_SW_IDLE_MS, Chromium's 30 s by default) and `running-status-changed` says so; each
//   start of a version is a new ServiceWorkerMain, the stopped one destroyed; `send` to a worker that is not running
//   drops the message (Electron's JS wrapper catches and logs: it does not throw to the caller); `startTask` on a
//   destroyed worker throws TypeError "ServiceWorkerMain is destroyed", and `end()` twice throws. The worker's
//   code is the real preload logic (src/preload/service-worker-bridge.ts) over a scripted main world (below):
//   `push` shows a notification titled by the push data, or never settles when the data is "hang";
//   `notificationclick` opens its notification's data URL 100 times.
// - the single-instance lock can be refused (PUSH_AGENT_STUB_LOCK=refused), as when another instance holds it.
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import readline from 'node:readline';
import { sitePartition } from '../../src/main/partition.ts';
import { connectServiceWorker } from '../../src/preload/service-worker-bridge.ts';

type Handler = (event: unknown, ...args: unknown[]) => unknown;
const out = (record: Record<string, unknown>) => process.stdout.write(`STUB ${JSON.stringify(record)}\n`);

class App extends EventEmitter {
  readonly paths = new Map<string, string>();
  isPackaged = false;
  #ready = Promise.resolve();
  setAppUserModelId(id: string) {
    out({ appUserModelId: id });
  }
  setPath(name: string, value: string) {
    this.paths.set(name, value);
  }
  getPath(name: string) {
    return this.paths.get(name) ?? `/tmp/electron-stub-${name}`;
  }
  getAppPath() {
    return process.env.PUSH_AGENT_STUB_APP_PATH ?? process.cwd();
  }
  getName() {
    return 'Push Agent';
  }
  getVersion() {
    return '0.0.0-stub';
  }
  requestSingleInstanceLock() {
    const granted = process.env.PUSH_AGENT_STUB_LOCK !== 'refused';
    out({ singleInstanceLock: granted });
    return granted;
  }
  whenReady() {
    return this.#ready;
  }
  quit() {
    const event = {
      defaultPrevented: false,
      preventDefault() {
        this.defaultPrevented = true;
      },
    };
    this.emit('before-quit', event);
    if (!event.defaultPrevented) this.exit(0);
  }
  exit(code: number) {
    out({ exit: code });
    process.exit(code);
  }
  relaunch() {
    out({ relaunch: true });
  }
  setLoginItemSettings(s: unknown) {
    out({ loginItem: s });
  }
  getLoginItemSettings() {
    return { openAtLogin: false, wasOpenedAtLogin: false };
  }
}
export const app = new App();

class IpcMainStub extends EventEmitter {
  readonly handlers = new Map<string, Handler>();
  handle(channel: string, fn: Handler) {
    this.handlers.set(channel, fn);
  }
  removeHandler(channel: string) {
    this.handlers.delete(channel);
  }
}
export const ipcMain = new IpcMainStub();

const schemeHandlers = new Map<string, (request: Request) => Promise<Response>>();
export const protocol = {
  registerSchemesAsPrivileged: (schemes: unknown) => out({ privilegedSchemes: schemes }),
  handle: (scheme: string, handler: (request: Request) => Promise<Response>) => schemeHandlers.set(scheme, handler),
};

const keyring = process.env.PUSH_AGENT_STUB_KEYRING ?? 'ok';
let keyringAnswered: () => void = () => {};
const keyringReady =
  keyring === 'slow' ? new Promise<void>((resolve) => (keyringAnswered = resolve)) : Promise.resolve();
const encryptionUnavailable = () =>
  new Error('Error while encrypting the text provided to safeStorage.encryptStringAsync. Encryption is not available.');
export const safeStorage = {
  isAsyncEncryptionAvailable: async () => {
    await keyringReady;
    if (keyring === 'rejects') throw new Error('The keyring did not answer');
    return keyring !== 'unavailable';
  },
  // Linux only, and about the synchronous API.
  ...(process.platform === 'linux' ? { getSelectedStorageBackend: () => 'basic_text' } : {}),
  encryptStringAsync: async (s: string) => {
    if (keyring === 'unavailable' || keyring === 'rejects') throw encryptionUnavailable();
    return Buffer.from(`stub:${s}`);
  },
  decryptStringAsync: async (b: Buffer) => {
    if (keyring === 'unavailable' || keyring === 'rejects') throw encryptionUnavailable();
    return { result: b.toString().slice(5), shouldReEncrypt: false };
  },
};

/** Which powerMonitor events each platform emits (Electron 45 docs/api/power-monitor.md). */
const POWER_EVENTS: Record<string, readonly NodeJS.Platform[]> = {
  suspend: ['darwin', 'win32', 'linux'],
  resume: ['darwin', 'win32', 'linux'],
  'on-ac': ['darwin', 'win32'],
  'on-battery': ['darwin', 'win32'],
  'lock-screen': ['darwin', 'win32'],
  'unlock-screen': ['darwin', 'win32'],
  shutdown: ['linux', 'darwin'],
};
class PowerMonitor extends EventEmitter {
  isOnBatteryPower() {
    return false;
  }
  /** The test asks for an event; only events this platform has are emitted. */
  platformEvent(name: string): boolean {
    if (!POWER_EVENTS[name]?.includes(process.platform)) return false;
    this.emit(name);
    return true;
  }
}
export const powerMonitor = new PowerMonitor();

export class Notification extends EventEmitter {
  static isSupported() {
    return true;
  }
  // Windows only (docs/api/notification.md); elsewhere the method does not exist.
  static handleActivation = process.platform === 'win32' ? (_callback: (details: unknown) => void) => {} : undefined;
  readonly options: Record<string, unknown>;
  constructor(options: Record<string, unknown>) {
    super();
    this.options = options;
  }
  show() {
    shownNotifications.push(this);
    out({
      notification: {
        title: this.options.title,
        body: this.options.body,
        silent: this.options.silent,
        hasIcon: Boolean(this.options.icon),
      },
    });
  }
  close() {
    // The app's own close() also emits 'close' (docs/api/notification.md), with no reason outside Windows.
    this.userEvent('close');
  }
  /** What the user does, with each event's documented arguments, only where the platform has the event. */
  userEvent(name: 'click' | 'close' | 'action', detail: { actionIndex?: number; reason?: string } = {}): boolean {
    const windows = process.platform === 'win32';
    const event = { preventDefault() {}, defaultPrevented: false };
    if (name === 'click') return (this.emit('click', event), true);
    if (name === 'close')
      return (this.emit('close', { ...event, ...(windows && detail.reason ? { reason: detail.reason } : {}) }), true);
    if (process.platform !== 'darwin' && !windows) return false;
    this.emit(
      'action',
      { ...event, actionIndex: detail.actionIndex ?? 0, ...(windows ? { selectionIndex: -1 } : {}) },
      detail.actionIndex ?? 0,
    );
    return true;
  }
}
const shownNotifications: Notification[] = [];

const image = { isEmpty: () => false, setTemplateImage() {} };
export const nativeImage = { createFromBuffer: () => image, createFromPath: () => image };
export const net = { fetch: (url: string, init?: RequestInit) => fetch(url, init) };
export const shell = {
  openExternal: async (url: string) => out({ openExternal: url }),
  ...(process.platform === 'win32' ? { writeShortcutLink: (file: string) => (out({ shortcut: file }), true) } : {}),
};
export const Menu = { buildFromTemplate: (t: unknown) => t };
export const dialog = {
  showErrorBox: (title: string, message: string) => out({ errorBox: `${title}: ${message}` }),
  showMessageBox: async () => ({ response: 1 }),
};

export class Tray extends EventEmitter {
  setImage() {}
  setToolTip(tooltip: string) {
    out({ tray: tooltip });
  }
  setTitle() {}
  setContextMenu(menu: Array<{ label?: string }>) {
    out({ trayMenu: menu.map((m) => m.label).filter(Boolean) });
  }
  destroy() {
    out({ trayDestroyed: true });
  }
}

let nextContentsId = 1;
class WebContents extends EventEmitter {
  readonly id = nextContentsId++;
  readonly mainFrame = { processId: 1, routingId: this.id, url: '' };
  readonly sent: unknown[] = [];
  setWindowOpenHandler() {}
  isDestroyed() {
    return false;
  }
  getURL() {
    return this.mainFrame.url;
  }
  send(channel: string, ...args: unknown[]) {
    out({ sent: channel, args });
  }
}

const windows: BrowserWindow[] = [];
export class BrowserWindow extends EventEmitter {
  static getFocusedWindow() {
    return null;
  }
  readonly webContents = new WebContents();
  #destroyed = false;
  constructor(_options: unknown) {
    super();
    windows.push(this);
  }
  async loadURL(url: string) {
    this.webContents.mainFrame.url = url;
    out({ window: url });
    setImmediate(() => this.emit('ready-to-show'));
  }
  setMenu(menu: Array<{ label?: string; submenu?: Array<{ label?: string }> }> | null) {
    out({
      windowMenu: (menu ?? []).flatMap((m) => [m.label, ...(m.submenu ?? []).map((i) => i.label)]).filter(Boolean),
    });
  }
  show() {}
  focus() {}
  restore() {}
  isMinimized() {
    return false;
  }
  isDestroyed() {
    return this.#destroyed;
  }
  destroy() {
    this.#destroyed = true;
    this.emit('closed');
  }
}

// ---- stand-in service workers ----
const SW_IDLE_MS = Number(process.env.PUSH_AGENT_STUB_SW_IDLE_MS ?? 30_000);
let nextVersionId = 1;
interface StandInRegistration {
  scope: string;
  scriptURL: string;
  versionId: number;
  preloads: string[];
  running: ServiceWorkerMain | null;
}

class IpcMainServiceWorker extends EventEmitter {}

/** A stand-in of Electron's ServiceWorkerMain: one per start of a version (see the header). */
class ServiceWorkerMain {
  readonly ipc = new IpcMainServiceWorker();
  readonly #reg: StandInRegistration;
  readonly #owner: ServiceWorkers;
  readonly #tasks = new Set<string>();
  readonly #toWorker = new EventEmitter();
  #destroyed = false;
  #idle: ReturnType<typeof setTimeout> | null = null;
  constructor(reg: StandInRegistration, owner: ServiceWorkers) {
    this.#reg = reg;
    this.#owner = owner;
    this.#boot();
    this.#armIdle();
  }
  get scope() {
    return this.#reg.scope;
  }
  get scriptURL() {
    return this.#reg.scriptURL;
  }
  get versionId() {
    return this.#reg.versionId;
  }
  isDestroyed() {
    return this.#destroyed;
  }
  send(channel: string, ...args: unknown[]) {
    if (typeof channel !== 'string') throw new TypeError('Missing required channel argument');
    // A worker that is not running anymore gets nothing (Electron: no renderer API, the message is dropped).
    if (this.#destroyed) return;
    const copy = structuredClone(args);
    setImmediate(() => this.#toWorker.emit(channel, ...copy));
  }
  startTask() {
    if (this.#destroyed) throw new TypeError('ServiceWorkerMain is destroyed');
    const id = randomUUID();
    this.#tasks.add(id);
    this.#armIdle();
    return {
      end: () => {
        if (!this.#tasks.delete(id)) throw new TypeError('Unknown or already finished external request');
        this.#armIdle();
      },
    };
  }
  /** "Chromium" stops the worker (idle timeout, or its registration deleted). */
  stop() {
    if (this.#destroyed) return;
    this.#destroyed = true;
    if (this.#idle) clearTimeout(this.#idle);
    this.#reg.running = null;
    out({ serviceWorker: 'stopped', scope: this.scope });
    this.#owner.emit('running-status-changed', { versionId: this.versionId, runningStatus: 'stopped' });
  }
  #armIdle() {
    if (this.#idle) clearTimeout(this.#idle);
    this.#idle = null;
    if (this.#tasks.size === 0 && !this.#destroyed) this.#idle = setTimeout(() => this.stop(), SW_IDLE_MS);
  }
  /** The service-worker preload registered for the session runs first, as Electron runs it. */
  #boot() {
    if (!this.#reg.preloads.length) return;
    const fromWorker = (channel: string, ...args: unknown[]) => {
      if (this.#destroyed) return;
      const copy = structuredClone(args);
      setImmediate(() => this.ipc.emit(channel, { type: 'service-worker' }, ...copy));
    };
    const reg = this.#reg;
    connectServiceWorker(() => undefined, {
      // The scripted main world: what a site's worker with the service-worker script in it does.
      runInMainWorld: ({ args }) => standInWorld(args[0] as (json: string) => void, reg),
      send: fromWorker,
      on: (channel, listener) => void this.#toWorker.on(channel, (...args: unknown[]) => listener(...args)),
    });
  }
}

/** The main world of a stand-in worker: the agent the service-worker script returns, and its calls as JSON. */
function standInWorld(send: (json: string) => void, reg: StandInRegistration) {
  const pending = new Map<number, (v: { ok: boolean; value: unknown }) => void>();
  let next = 1;
  const call = (method: string, args: unknown[]) =>
    new Promise<{ ok: boolean; value: unknown }>((resolve) => {
      const id = next++;
      pending.set(id, resolve);
      send(JSON.stringify({ id, method, args }));
    });
  const agent = {
    async dispatch(e: { type: string; data?: string | null; notification?: { data?: { url?: string } } }) {
      if (e.type === 'push') {
        const text = e.data ? Buffer.from(e.data, 'base64').toString() : '';
        if (text === 'hang') return new Promise(() => {});
        const r = await call('showNotification', [text, { body: `from ${reg.scope}` }]);
        return r.ok
          ? { status: 'ok' }
          : {
              status: 'error',
              code: 302,
              kind: 'waituntil-rejected',
              message: String((r.value as { message?: string })?.message),
            };
      }
      if (e.type === 'notificationclick') {
        const opened = await Promise.all(
          Array.from({ length: 100 }, () => call('openWindow', [`${reg.scope}clicked`])),
        );
        out({ serviceWorker: 'openWindow', opened: opened.filter((o) => o.value === true).length });
      }
      return { status: 'ok' };
    },
    reply(id: number, ok: boolean, value: unknown) {
      pending.get(id)?.({ ok, value });
      pending.delete(id);
    },
  };
  // What the build's wrapper of registration.unregister() sends once Chromium deleted the registration.
  (reg as { unregister?: () => void }).unregister = () =>
    send(JSON.stringify({ id: 0, method: 'unregistered', args: [] }));
  return agent;
}

/** A stand-in of a session's `serviceWorkers` (ServiceWorkers, docs/api/service-workers.md). */
class ServiceWorkers extends EventEmitter {
  readonly registrations = new Map<string, StandInRegistration>();
  readonly preloads: string[] = [];
  async startWorkerForScope(scope: string) {
    const reg = this.registrations.get(scope);
    // Electron rejects with this one message, whatever the cause.
    if (!reg) throw new Error('Failed to start service worker.');
    if (!reg.running) {
      reg.running = new ServiceWorkerMain(reg, this);
      out({ serviceWorker: 'started', scope });
    }
    return reg.running;
  }
  getAllRunning() {
    return Object.fromEntries(
      [...this.registrations.values()]
        .filter((r) => r.running)
        .map((r) => [r.versionId, { scope: r.scope, scriptUrl: r.scriptURL }]),
    );
  }
  getWorkerFromVersionID(versionId: number) {
    return [...this.registrations.values()].find((r) => r.versionId === versionId)?.running ?? undefined;
  }
  /** What a site page's `navigator.serviceWorker.register()` leads to. */
  register(scope: string, scriptURL: string) {
    this.registrations.set(scope, {
      scope,
      scriptURL,
      versionId: nextVersionId++,
      preloads: this.preloads,
      running: null,
    });
    this.emit('registration-completed', { preventDefault() {} }, { scope });
  }
  /** The site's worker calls `registration.unregister()` (`running`: from inside the running worker). */
  unregister(scope: string) {
    const reg = this.registrations.get(scope);
    if (!reg) return false;
    this.registrations.delete(scope);
    (reg as { unregister?: () => void }).unregister?.();
    setTimeout(() => reg.running?.stop(), 50);
    return true;
  }
}

export const session = {
  defaultSession: {
    setPermissionRequestHandler() {},
    setPermissionCheckHandler() {},
    // A PAC answer, as Chromium gives it; PUSH_AGENT_STUB_PROXY stands for the system's proxy settings.
    resolveProxy: async (_url: string) =>
      process.env.PUSH_AGENT_STUB_PROXY ? `PROXY ${process.env.PUSH_AGENT_STUB_PROXY}; DIRECT` : 'DIRECT',
  },
  // One session per partition, as Electron returns the same Session for the same name; its protocol handlers are
  // kept (and answer `partition` commands' requests), not dropped.
  fromPartition: (partition: string) => {
    let s = partitions.get(partition);
    if (!s) {
      const handlers = new Map<string, (request: Request) => Promise<Response>>();
      s = {
        partition,
        handlers,
        protocol: {
          handle: (scheme: string, handler: (request: Request) => Promise<Response>) =>
            void handlers.set(scheme, handler),
          unhandle: (scheme: string) => void handlers.delete(scheme),
          isProtocolHandled: (scheme: string) => handlers.has(scheme),
        },
        setPermissionRequestHandler() {},
        setPermissionCheckHandler() {},
        setDevicePermissionHandler() {},
        on() {},
        serviceWorkers: new ServiceWorkers(),
        registerPreloadScript(script: { type: string; filePath: string; id?: string }) {
          if (script.type !== 'frame' && script.type !== 'service-worker')
            throw new Error(`Invalid type: ${script.type}`);
          if (!script.filePath.startsWith('/')) throw new Error('Preload script must have absolute path');
          if (script.type === 'service-worker') (this.serviceWorkers as ServiceWorkers).preloads.push(script.filePath);
          out({ preloadScript: script.type });
          return script.id ?? randomUUID();
        },
        fetch: (r: Request) => fetch(r),
      };
      partitions.set(partition, s);
    }
    return s;
  },
};
const partitions = new Map<
  string,
  { partition: string; handlers: Map<string, (request: Request) => Promise<Response>>; [k: string]: unknown }
>();

// ---- commands from the test ----
readline.createInterface({ input: process.stdin }).on('line', async (line) => {
  const cmd = JSON.parse(line) as {
    id: number;
    type:
      | 'settings'
      | 'scheme'
      | 'power'
      | 'notification'
      | 'second-instance'
      | 'keyring'
      | 'sw-register'
      | 'sw-unregister'
      | 'site-subscribe'
      | 'quit';
    method?: string;
    args?: unknown[];
    url?: string;
    frameUrl?: string;
    event?: string;
    title?: string;
    actionIndex?: number;
    reason?: string;
    origin?: string;
    scope?: string;
    scriptURL?: string;
  };
  try {
    const workersOf = (origin: string) => session.fromPartition(sitePartition(origin)).serviceWorkers as ServiceWorkers;
    if (cmd.type === 'sw-register') {
      workersOf(cmd.origin!).register(cmd.scope!, cmd.scriptURL!);
      out({ id: cmd.id, result: true });
    } else if (cmd.type === 'sw-unregister') {
      out({ id: cmd.id, result: workersOf(cmd.origin!).unregister(cmd.scope!) });
    } else if (cmd.type === 'site-subscribe') {
      // A page's pushManager.subscribe() through the app's test hook (main.ts exposeTestHooks).
      const hooks = (
        globalThis as unknown as {
          __pushAgentTest: { subscribeSite(o: string, s: string, u: string): Promise<unknown> };
        }
      ).__pushAgentTest;
      out({ id: cmd.id, result: await hooks.subscribeSite(cmd.origin!, cmd.scope!, cmd.scriptURL!) });
    } else if (cmd.type === 'notification') {
      const n = shownNotifications.findLast((x) => x.options.title === cmd.title);
      if (!n) throw new Error('no such notification');
      out({
        id: cmd.id,
        result: {
          emitted: n.userEvent(cmd.event as 'click' | 'close' | 'action', {
            ...(cmd.actionIndex !== undefined ? { actionIndex: cmd.actionIndex } : {}),
            ...(cmd.reason ? { reason: cmd.reason } : {}),
          }),
        },
      });
    } else if (cmd.type === 'power') {
      out({ id: cmd.id, result: { emitted: powerMonitor.platformEvent(cmd.event!) } });
    } else if (cmd.type === 'second-instance') {
      // What Electron emits in the instance holding the lock when another launch asks for it.
      app.emit('second-instance', { preventDefault() {} }, [process.execPath, '.'], process.cwd(), null);
      out({ id: cmd.id, result: true });
    } else if (cmd.type === 'keyring') {
      keyringAnswered();
      out({ id: cmd.id, result: true });
    } else if (cmd.type === 'settings') {
      const win = windows.find((w) => w.webContents.getURL().startsWith('push-agent://settings/'));
      if (!win) throw new Error('no settings window');
      const frame = cmd.frameUrl ? { processId: 1, routingId: 9999, url: cmd.frameUrl } : win.webContents.mainFrame;
      const result = await ipcMain.handlers.get('push-agent:settings:call')!(
        { sender: win.webContents, senderFrame: frame },
        cmd.method,
        cmd.args,
      );
      out({ id: cmd.id, result });
    } else if (cmd.type === 'scheme') {
      const response = await schemeHandlers.get('push-agent')!(new Request(cmd.url!));
      out({
        id: cmd.id,
        result: {
          status: response.status,
          csp: response.headers.get('content-security-policy'),
          length: (await response.arrayBuffer()).byteLength,
        },
      });
    } else {
      app.quit();
    }
  } catch (err) {
    out({ id: cmd.id, error: (err as Error).message });
  }
});

export default {
  app,
  ipcMain,
  protocol,
  safeStorage,
  powerMonitor,
  Notification,
  nativeImage,
  net,
  shell,
  Menu,
  dialog,
  Tray,
  BrowserWindow,
  session,
};
