// The headless agent's browser: one Chromium (src/chromium-host) on the agent's own profile, started when needed and
// stopped when not. It is the engine's WorkerHost (sites' service workers, headless, started on the first push
// and stopped once neither a worker nor a window has been needed for the keep-alive time) and it opens the windows
// of `push-agent site add` and clears a removed site's data from the profile.
//
// One site window at a time. A visible window while the browser runs headless: the browser is relaunched headed,
// on the same profile (the site's worker registers where `listen` runs it), for as long as the window is open; the
// next push after it closed starts the headless one again. A push in flight during the switch fails and is retried
// by the engine.
import type { PushEngine } from '../engine/engine.ts';
import {
  WORKER_HOST_UNAVAILABLE,
  type Logger,
  type Store,
  type WorkerClient,
  type WorkerDispatch,
  type WorkerHost,
  type WorkerOutcome,
  type WorkerRef,
} from '../engine/ports.ts';
import { SiteService, type PermissionPort } from '../engine/services/site-service.ts';
import { SitePermissions } from '../engine/site-permissions.ts';
import type { ChromiumWorkerHost } from '../chromium-host/chromium-worker-host.ts';
import { browserScripts } from './browser-scripts.ts';
import { findBrowser } from './browser-path.ts';
import { browserProfile } from './browser-profile.ts';

export interface AgentBrowserOptions {
  dataDir: string;
  /** `--browser <path>`; otherwise `$PUSH_AGENT_BROWSER`, then chromium / chromium-browser on the PATH. */
  browser: string | null;
  logger: Logger;
  /** Says where the profile went when it is not in the data dir (a snap's Chromium). */
  note?: (line: string) => void;
  /** The browser started after a push found none: the engine delivers what it kept (workerHostAvailable). */
  available?: () => void;
}

/** The browser cannot start or the page cannot load: `site add` exits 1 with the message. */
export class SiteWindowError extends Error {
  override name = 'SiteWindowError';
  readonly kind: 'browser-unavailable' | 'page-load-failed' | 'busy';
  constructor(kind: SiteWindowError['kind'], message: string) {
    super(message);
    this.kind = kind;
  }
}

export interface SiteWindowOptions {
  headless: boolean;
  /** Grant the notification permission to the origins this window asks from, without a prompt. */
  allowNotifications: boolean;
  /** The prompt for a site's request otherwise; without one the request is denied (and not remembered). */
  prompt: ((origin: string) => Promise<boolean>) | null;
  closeAfterMs: number | null;
}

interface OpenWindow {
  allow: boolean;
  prompt: ((origin: string) => Promise<boolean>) | null;
}

/** Margin after the keep-alive time before the browser with no running worker is stopped. */
const BROWSER_IDLE_MARGIN_MS = 1_000;
/** After a push found no usable browser: how often to look for one (a stat of the candidates), and the longest wait. */
const BROWSER_LOOK_FIRST_MS = 5_000;
const BROWSER_LOOK_MAX_MS = 5 * 60_000;

export class AgentBrowser implements WorkerHost {
  readonly #opts: AgentBrowserOptions;
  #engine: PushEngine | null = null;
  #permissions: SitePermissions | null = null;
  #host: { host: ChromiumWorkerHost; headed: boolean } | null = null;
  #starting: Promise<ChromiumWorkerHost> | null = null;
  #window: OpenWindow | null = null;
  #inFlight = 0;
  #idle: NodeJS.Timeout | null = null;
  #closed = false;
  readonly #sites = new Map<string, SiteService>();
  readonly #deleted = new Set<(scope: string) => void>();
  #noted = false;
  /** Set while pushes wait for a browser: the next look for one. */
  #look: { timer: NodeJS.Timeout | null; delayMs: number } | null = null;

  constructor(opts: AgentBrowserOptions) {
    this.#opts = opts;
  }

  /** The engine whose sites this browser serves (created with this browser as its WorkerHost), and its store. */
  attach(engine: PushEngine, store: Store): void {
    this.#engine = engine;
    this.#permissions = new SitePermissions(store, (origin) => {
      const prompt = this.#window?.prompt;
      return prompt ? prompt(origin) : Promise.reject(new Error('no prompt'));
    });
  }

  /** The engine's notification permission (the one authority), as this browser's windows see it. */
  get permissions(): SitePermissions {
    if (!this.#permissions) throw new Error('AgentBrowser used before attach()');
    return this.#permissions;
  }

  // ---- WorkerHost ----

  async dispatch(request: WorkerDispatch, client: WorkerClient): Promise<WorkerOutcome> {
    this.#inFlight++;
    this.#cancelIdle();
    try {
      let host: ChromiumWorkerHost;
      try {
        host = await this.#ensure(null);
      } catch (err) {
        // The engine keeps the message and says what is missing; we look for a browser until one starts.
        this.#lookForBrowser();
        return {
          status: 'error',
          code: 303,
          kind: WORKER_HOST_UNAVAILABLE,
          message: `no browser to run the site's service worker: ${(err as Error).message}`,
          shown: 0,
        };
      }
      return await host.dispatch(request, client);
    } finally {
      this.#inFlight--;
      this.#scheduleIdle(request.keepAliveMs);
    }
  }

  async stop(origin: string): Promise<void> {
    await this.#host?.host.stop(origin);
  }

  onRegistrationDeleted(listener: (scope: string) => void): void {
    this.#deleted.add(listener);
  }

  #outside: ((worker: WorkerRef) => WorkerClient) | null = null;

  /** Relayed to the browser's host once it starts (the engine decides: src/engine/origin-notifications.ts). */
  serveOutsideEvents(serve: (worker: WorkerRef) => WorkerClient): void {
    this.#outside = serve;
    this.#host?.host.serveOutsideEvents(serve);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#cancelIdle();
    if (this.#look?.timer) clearTimeout(this.#look.timer);
    this.#look = null;
    for (const s of this.#sites.values()) s.close();
    this.#sites.clear();
    await this.#closeHost();
  }

  // ---- site windows ----

  /**
   * Opens `url` in the agent's profile and resolves with the origin the window ended on (after redirects) once the
   * window is closed (by the user, the page's `window.close()`) or `closeAfterMs` passed.
   */
  async openSite(url: string, o: SiteWindowOptions): Promise<{ origin: string }> {
    if (this.#window) throw new SiteWindowError('busy', 'another site window is open; close it first');
    const window: OpenWindow = { allow: o.allowNotifications, prompt: o.prompt };
    this.#window = window;
    this.#cancelIdle();
    try {
      let host: ChromiumWorkerHost;
      try {
        host = await this.#ensure(!o.headless);
      } catch (err) {
        throw new SiteWindowError('browser-unavailable', (err as Error).message);
      }
      if (o.allowNotifications) this.#grant(new URL(url).origin);
      let page;
      try {
        page = await host.openPage(url);
      } catch (err) {
        throw new SiteWindowError(
          'page-load-failed',
          `cannot load ${url}: ${(err as Error).message.replace(/^the page could not load: /, '')}`,
        );
      }
      const timer = o.closeAfterMs !== null ? setTimeout(() => void page.close(), o.closeAfterMs) : null;
      await page.closed;
      if (timer) clearTimeout(timer);
      return { origin: new URL(page.lastUrl()).origin };
    } finally {
      this.#window = null;
      // A headed browser lasts as long as its window: the next push starts the headless one.
      if (this.#host?.headed) await this.#closeHost();
      else this.#scheduleIdle(0);
    }
  }

  /** Clears `origin`'s service workers and storage from the profile (starting the browser headless if needed). */
  async clearSite(origin: string): Promise<void> {
    this.#inFlight++;
    try {
      const host = await this.#ensure(null);
      await host.clearOrigin(origin);
    } finally {
      this.#inFlight--;
      this.#scheduleIdle(0);
    }
  }

  // ---- internals ----

  /**
   * Looks for a usable browser, backing off: the lookup is a few stat calls; a launch is tried only once one is
   * found, so a browser that is there but cannot start is tried at most every 5 min.
   */
  #lookForBrowser(): void {
    if (this.#look || this.#closed) return;
    const look = { timer: null as NodeJS.Timeout | null, delayMs: BROWSER_LOOK_FIRST_MS };
    this.#look = look;
    const tick = async () => {
      look.timer = null;
      if (this.#look !== look) return;
      try {
        findBrowser(this.#env());
        await this.#ensure(null);
      } catch {
        look.delayMs = Math.min(look.delayMs * 2, BROWSER_LOOK_MAX_MS);
        if (this.#look === look) look.timer = setTimeout(() => void tick(), look.delayMs).unref();
        return;
      }
      this.#look = null;
      this.#opts.logger.info('a browser is available: delivering the messages kept for it');
      this.#opts.available?.();
      this.#scheduleIdle(0);
    };
    look.timer = setTimeout(() => void tick(), look.delayMs).unref();
  }

  #env(): NodeJS.ProcessEnv {
    return this.#opts.browser ? { ...process.env, PUSH_AGENT_BROWSER: this.#opts.browser } : process.env;
  }

  #grant(origin: string): void {
    this.permissions.set(origin, 'granted');
    void this.#host?.host.followPermission(origin, 'granted').catch(() => undefined);
  }

  #permissionPort(): PermissionPort {
    return {
      state: (origin) => {
        const s = this.permissions.state(origin);
        // --allow-notifications overrides an earlier "deny" for the origins this window asks from.
        return s === 'denied' && this.#window?.allow ? 'prompt' : s;
      },
      ask: async (origin) => {
        if (this.#window?.allow) {
          this.#grant(origin);
          return 'granted';
        }
        const answer = await this.permissions.ask(origin);
        if (answer === 'granted') this.#grant(origin);
        return answer;
      },
    };
  }

  #site(origin: string): SiteService | undefined {
    const engine = this.#engine;
    if (!engine) return undefined;
    let s = this.#sites.get(origin);
    if (!s) this.#sites.set(origin, (s = new SiteService(engine, origin, this.#permissionPort(), this.#opts.logger)));
    return s;
  }

  /** The running host; `headed` true/false relaunches it in that mode when it runs in the other one. */
  async #ensure(headed: boolean | null): Promise<ChromiumWorkerHost> {
    if (this.#closed) throw new Error('the agent is stopping');
    if (this.#starting) await this.#starting.catch(() => undefined);
    if (this.#host && headed !== null && this.#host.headed !== headed) await this.#closeHost();
    if (this.#host) return this.#host.host;
    this.#starting ??= this.#launch(headed === true).finally(() => (this.#starting = null));
    return this.#starting;
  }

  async #launch(headed: boolean): Promise<ChromiumWorkerHost> {
    const executablePath = findBrowser(this.#env());
    const profile = browserProfile(this.#opts.dataDir, executablePath);
    if (profile.note && !this.#noted) {
      this.#noted = true;
      this.#opts.note?.(profile.note);
    }
    const scripts = await browserScripts();
    // Loaded with the first browser: an agent with endpoints only never pays for the DevTools-protocol client.
    const { ChromiumWorkerHost } = await import('../chromium-host/chromium-worker-host.ts');
    const host = new ChromiumWorkerHost({
      serviceWorkerScript: scripts.serviceWorkerScript,
      pageScript: scripts.pageScript,
      sites: (origin) => this.#site(origin),
      launch: { executablePath, userDataDir: profile.dir, headless: !headed },
      logger: this.#opts.logger,
    });
    host.onRegistrationDeleted((scope) => {
      for (const l of this.#deleted) l(scope);
    });
    if (this.#outside) host.serveOutsideEvents(this.#outside);
    try {
      await host.start();
    } catch (err) {
      await host.close();
      throw err;
    }
    this.#host = { host, headed };
    this.#opts.logger.info('browser started', { headed });
    return host;
  }

  async #closeHost(): Promise<void> {
    const current = this.#host;
    this.#host = null;
    if (!current) return;
    await current.host.close();
    this.#opts.logger.info('browser stopped');
  }

  #cancelIdle(): void {
    if (this.#idle) clearTimeout(this.#idle);
    this.#idle = null;
  }

  /** Stops the browser once no worker runs, no window is open and nothing was dispatched for `keepAliveMs`. */
  #scheduleIdle(keepAliveMs: number): void {
    this.#cancelIdle();
    if (this.#closed || !this.#host || this.#inFlight > 0 || this.#window) return;
    this.#idle = setTimeout(() => {
      this.#idle = null;
      if (this.#inFlight > 0 || this.#window || !this.#host) return;
      if (this.#host.host.runningOrigins().length > 0) return this.#scheduleIdle(keepAliveMs);
      void this.#closeHost();
    }, keepAliveMs + BROWSER_IDLE_MARGIN_MS);
    this.#idle.unref();
  }
}
