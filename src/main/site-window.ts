// A site window (README.md-2): the site's own page in its origin's session, sandboxed, with the site preload's
// in-page Push API bound to this origin by main (engine SiteService). Navigation stays within the origin; links
// elsewhere and window.open go to the default browser after validation.
import { BrowserWindow, shell } from 'electron';
import type { PushEngine } from '../engine/engine.ts';
import type { Logger } from '../engine/ports.ts';
import { SiteService } from '../engine/services/site-service.ts';
import type { IpcHub, SiteFrameHandlers } from './ipc-hub.ts';
import type { SitePermissions } from '../engine/site-permissions.ts';
import type { SiteSessions } from './site-sessions.ts';
import { decideNavigation, isSameOrigin, siteOrigin } from './url-policy.ts';
import { ClickGate } from './click-gate.ts';

export class InvalidSiteError extends Error {
  readonly kind = 'invalid-site';
}

export interface SiteWindowDeps {
  engine: PushEngine;
  hub: IpcHub;
  sessions: SiteSessions;
  permissions: SitePermissions;
  /** Absolute path of dist/preload/site.cjs. */
  preload: string;
  logger: Logger;
}

export class SiteWindows {
  readonly #deps: SiteWindowDeps;
  readonly #open = new Map<string, BrowserWindow>();

  constructor(deps: SiteWindowDeps) {
    this.#deps = deps;
  }

  /** Opens (or focuses) the window of the site at `url`: its origin, its page. */
  async open(url: string): Promise<void> {
    const origin = siteOrigin(url);
    if (!origin) throw new InvalidSiteError('Sites must be https (http only on this computer).');
    const existing = this.#open.get(origin);
    if (existing && !existing.isDestroyed()) {
      existing.show();
      existing.focus();
      return;
    }
    const { engine, hub, sessions, permissions, preload, logger } = this.#deps;
    const win = new BrowserWindow({
      width: 1100,
      height: 800,
      title: new URL(origin).host,
      webPreferences: {
        session: sessions.get(origin),
        preload,
        sandbox: true,
        contextIsolation: true,
        nodeIntegration: false,
        webviewTag: false,
        navigateOnDragDrop: false,
      },
    });
    this.#open.set(origin, win);
    const contents = win.webContents;
    const service = new SiteService(engine, origin, permissions, logger);
    const handlers: SiteFrameHandlers = {
      permissionState: () => service.permissionState(),
      subscribe: (request) => service.subscribe(request),
      getSubscription: (scope) => service.getSubscription(scope),
      unsubscribe: (scope, endpoint) => service.unsubscribe(scope, endpoint),
      legacyRegister: () => service.legacyRegister(),
      legacyUnregister: (endpoint) => service.legacyUnregister(endpoint),
      legacyRegistrations: () => service.legacyRegistrations(),
    };
    hub.registerSite(contents, origin, handlers);
    const stopListening = service.listen((message) => hub.sendSiteMessage(contents, message));
    // One browser window per click: a page's 100 window.open calls in one handler open one.
    const gate = new ClickGate();
    contents.on('input-event', (_event, input) => gate.input(input.type));
    const refused = () => logger.info('a site window asked to open a window without a click: refused', { origin });
    const navigate = (event: { preventDefault(): void }, target: string) => {
      const decision = decideNavigation(target, origin, 'navigate');
      if (decision.action === 'allow') return;
      event.preventDefault();
      if (decision.action === 'external') {
        if (gate.take()) void shell.openExternal(decision.url);
        else refused();
      }
    };
    contents.on('will-navigate', (event, target) => navigate(event, target));
    contents.on('will-redirect', (event, target) => navigate(event, target));
    contents.setWindowOpenHandler(({ url: target }) => {
      const decision = decideNavigation(target, origin, 'window-open');
      if (decision.action === 'external') {
        if (gate.take()) void shell.openExternal(decision.url);
        else refused();
      }
      return { action: 'deny' };
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    win.on('closed', () => {
      stopListening();
      service.close();
      if (this.#open.get(origin) === win) this.#open.delete(origin);
    });
    // Opening the site refills its budget (docs/policies.md).
    engine.siteOpened(origin);
    await win.loadURL(isSameOrigin(url, origin) ? url : `${origin}/`);
  }

  closeAll(): void {
    for (const win of this.#open.values()) if (!win.isDestroyed()) win.destroy();
    this.#open.clear();
  }
}
