// A stand-in for the `electron` module, for running the real main-process bundle (dist/main/main.cjs) on plain
// Node: the Electron binary cannot run here. It implements only what src/main calls, records what the app does
// (notifications, tray, windows) as `STUB {json}` lines on stdout, and takes commands as JSON lines on stdin
// (a settings-window IPC call, a request to the app's scheme, quit). Everything behind it is the real app:
// engine, IPC hub, validators, SettingsService, adapters' logic.
import { EventEmitter } from 'node:events';
import readline from 'node:readline';

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
    return true;
  }
  whenReady() {
    return this.#ready;
  }
  quit() {
    const event = { defaultPrevented: false, preventDefault() {
      this.defaultPrevented = true;
    } };
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

export const safeStorage = {
  isAsyncEncryptionAvailable: async () => true,
  getSelectedStorageBackend: () => 'basic_text',
  encryptStringAsync: async (s: string) => Buffer.from(`stub:${s}`),
  decryptStringAsync: async (b: Buffer) => ({ result: b.toString().slice(5), shouldReEncrypt: false }),
};

class PowerMonitor extends EventEmitter {
  isOnBatteryPower() {
    return false;
  }
}
export const powerMonitor = new PowerMonitor();

export class Notification extends EventEmitter {
  static isSupported() {
    return true;
  }
  readonly options: Record<string, unknown>;
  constructor(options: Record<string, unknown>) {
    super();
    this.options = options;
  }
  show() {
    out({ notification: { title: this.options.title, body: this.options.body, silent: this.options.silent, hasIcon: Boolean(this.options.icon) } });
  }
  close() {}
}

const image = { isEmpty: () => false, setTemplateImage() {} };
export const nativeImage = { createFromBuffer: () => image, createFromPath: () => image };
export const net = { fetch: (url: string, init?: RequestInit) => fetch(url, init) };
export const shell = { openExternal: async (url: string) => out({ openExternal: url }) };
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

export const session = {
  defaultSession: { setPermissionRequestHandler() {}, setPermissionCheckHandler() {} },
  fromPartition: (partition: string) => ({
    partition,
    protocol: { handle() {} },
    setPermissionRequestHandler() {},
    setPermissionCheckHandler() {},
    setDevicePermissionHandler() {},
    on() {},
    fetch: (r: Request) => fetch(r),
  }),
};

// ---- commands from the test ----
readline.createInterface({ input: process.stdin }).on('line', async (line) => {
  const cmd = JSON.parse(line) as { id: number; type: 'settings' | 'scheme' | 'quit'; method?: string; args?: unknown[]; url?: string; frameUrl?: string };
  try {
    if (cmd.type === 'settings') {
      const win = windows.find((w) => w.webContents.getURL().startsWith('push-agent://settings/'));
      if (!win) throw new Error('no settings window');
      const frame = cmd.frameUrl ? { processId: 1, routingId: 9999, url: cmd.frameUrl } : win.webContents.mainFrame;
      const result = await ipcMain.handlers.get('push-agent:settings:call')!({ sender: win.webContents, senderFrame: frame }, cmd.method, cmd.args);
      out({ id: cmd.id, result });
    } else if (cmd.type === 'scheme') {
      const response = await schemeHandlers.get('push-agent')!(new Request(cmd.url!));
      out({ id: cmd.id, result: { status: response.status, csp: response.headers.get('content-security-policy'), length: (await response.arrayBuffer()).byteLength } });
    } else {
      app.quit();
    }
  } catch (err) {
    out({ id: cmd.id, error: (err as Error).message });
  }
});

export default { app, ipcMain, protocol, safeStorage, powerMonitor, Notification, nativeImage, net, shell, Menu, dialog, Tray, BrowserWindow, session };
