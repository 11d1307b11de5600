// A WorkerHost (src/engine/ports.ts) on real Chromium through playwright-core: the test-side twin of Electron's
// worker host. Each origin gets one page at https://<origin>/__push-agent__/host.html; `context.route` serves our
// bundled host page and worker bootstrap there and sends every other request of the origin to a local fixture
// server, so importScripts, fetch and IndexedDB behave as at the site's real origin. The bridge
// (src/shared/worker-bridge.ts) is one Playwright binding plus an init script.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page, type Route } from 'playwright-core';
import type { Clock, TimerHandle, WorkerClient, WorkerDispatch, WorkerHost, WorkerOutcome } from '../../src/engine/ports.ts';
import {
  MAX_NOTIFICATIONS_PER_EVENT,
  WORKER_HOST_PAGE,
  WORKER_HOST_PATH,
  WORKER_HOST_SCRIPT,
  WORKER_SCOPE_SCRIPT,
  type BridgeDispatch,
  type BridgeEvent,
  type BridgeOutcome,
} from '../../src/shared/worker-bridge.ts';
import { findBrowser } from '../../src/cli/browser-path.ts';
import { OriginLanes, refusedDispatch } from '../../src/engine/origin-lanes.ts';
import { bundlePageScript } from './bundle-page.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: findBrowser(), args: [...CHROMIUM_ARGS, ...extraArgs] });
}

export interface WorkerAssets {
  hostHtml: string;
  hostJs: string;
  scopeJs: string;
}

let assets: Promise<WorkerAssets> | null = null;

/** Bundles src/worker the way the production build does (one IIFE per entry). */
export function buildWorkerAssets(): Promise<WorkerAssets> {
  assets ??= (async () => {
    const bundle = (entry: string) => bundlePageScript(`src/worker/${entry}`);
    const [hostJs, scopeJs] = await Promise.all([bundle('host-page.ts'), bundle('scope.ts')]);
    return { hostHtml: fs.readFileSync(path.join(root, 'src/worker/host.html'), 'utf8'), hostJs, scopeJs };
  })();
  return assets;
}

export interface PlaywrightWorkerHostOptions {
  /** A browser to share (not closed by `close()`); otherwise one is launched and owned. */
  browser?: Browser;
  /** Extra Chromium flags when the host launches its own browser. */
  launchArgs?: string[];
  /** Base URL that an origin's requests are proxied to (the request's path and query are appended); undefined aborts them. */
  upstream: (origin: string) => string | undefined;
  /** Drives the idle stop; real timers by default. */
  clock?: Clock;
  /** How long past an event's deadline the host waits for the page before closing it (the page enforces the deadline). */
  watchdogGraceMs?: number;
  /**
   * Keep one blank page with the bridge bound, ready for the next origin to start (default true): a cold start then
   * skips creating the page (its renderer process), the larger part of its cost (bench/worker.bench.ts).
   */
  sparePage?: boolean;
}

/** A page with the bridge bound; `owner` is set when an origin takes it. */
interface BridgePage {
  page: Page;
  holder: { owner: OriginState | null };
}

interface OriginState {
  origin: string;
  page: Promise<Page> | null;
  client: WorkerClient | null;
  event: { reserved: number; shown: number } | null;
  idle: TimerHandle | null;
}

const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

// Runs in the host page before its scripts: the bridge, over the `__pushAgentCall` binding.
const BRIDGE_INIT_SCRIPT = `(() => {
  const call = (method, args) => globalThis.__pushAgentCall(method, args);
  let handler = null;
  const bridge = Object.freeze({
    showNotification: (title, options) => call('showNotification', [title, options]),
    getNotifications: (tag) => call('getNotifications', [tag]),
    openWindow: (url) => call('openWindow', [url]),
    getSubscription: () => call('getSubscription', []),
    onDispatch: (h) => { handler = h; },
  });
  Object.defineProperty(globalThis, 'pushAgentBridge', { value: bridge });
  Object.defineProperty(globalThis, '__pushAgentDispatch', {
    value: (request) => handler ? handler(request)
      : Promise.resolve({ status: 'error', code: 303, kind: 'bridge-error', message: 'host page not ready' }),
  });
})();`;

function toBridgeEvent(event: WorkerDispatch['event']): BridgeEvent {
  if (event.type === 'push') {
    return { type: 'push', data: event.data ? Buffer.from(event.data).toString('base64') : null, ...(event.notification ? { notification: event.notification } : {}) };
  }
  return JSON.parse(JSON.stringify(event)) as BridgeEvent;
}

function plain<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

export class PlaywrightWorkerHost implements WorkerHost {
  readonly #opts: PlaywrightWorkerHostOptions;
  readonly #clock: Clock;
  #browser: Promise<Browser> | null = null;
  #context: Promise<BrowserContext> | null = null;
  // One event at a time per origin; origins never wait for each other.
  readonly #origins = new OriginLanes<OriginState>((origin) => ({ origin, page: null, client: null, event: null, idle: null }));
  #spare: Promise<BridgePage> | null = null;
  #closed = false;

  constructor(opts: PlaywrightWorkerHostOptions) {
    this.#opts = opts;
    this.#clock = opts.clock ?? realClock;
  }

  /** Origins whose host page is open (their worker may be running). */
  runningOrigins(): string[] {
    return this.#origins.states().filter((s) => s.page).map((s) => s.origin);
  }

  dispatch(request: WorkerDispatch, client: WorkerClient): Promise<WorkerOutcome> {
    let origin: string;
    try {
      origin = new URL(request.origin).origin;
      if (!origin.startsWith('https://') && !origin.startsWith('http://')) throw new Error('not http(s)');
    } catch {
      return Promise.resolve(refusedDispatch('invalid-origin'));
    }
    if (this.#closed) return Promise.resolve(refusedDispatch('closed'));
    return this.#origins.run(origin, (state) => this.#run(state, request, client));
  }

  async stop(origin: string): Promise<void> {
    const state = this.#origins.get(origin);
    if (state) await this.#closePage(state);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#origins.states().map((s) => this.#closePage(s)));
    const spare = this.#spare;
    this.#spare = null;
    if (spare) await (await spare.catch(() => null))?.page.close().catch(() => undefined);
    const context = this.#context;
    this.#context = null;
    if (context) await (await context).close().catch(() => undefined);
    const browser = this.#browser;
    this.#browser = null;
    if (browser && !this.#opts.browser) await (await browser).close().catch(() => undefined);
  }

  async #run(state: OriginState, request: WorkerDispatch, client: WorkerClient): Promise<WorkerOutcome> {
    if (state.idle) this.#clock.clearTimeout(state.idle);
    state.idle = null;
    const counter = { reserved: 0, shown: 0 };
    let outcome: BridgeOutcome;
    try {
      const page = await this.#page(state);
      state.client = client;
      state.event = counter;
      outcome = await this.#dispatchToPage(state, page, request);
    } catch (err) {
      outcome = { status: 'error', code: 303, kind: 'bridge-error', message: (err as Error).message.split('\n')[0]!.slice(0, 512) };
      await this.#closePage(state);
    } finally {
      state.event = null;
      state.client = null;
    }
    if (state.page && !this.#closed) {
      const keepAlive = Math.max(0, request.keepAliveMs);
      const idle = this.#clock.setTimeout(() => {
        if (state.idle === idle) void this.#closePage(state);
      }, keepAlive);
      idle.unref?.();
      state.idle = idle;
    }
    return { ...outcome, shown: counter.shown };
  }

  #dispatchToPage(state: OriginState, page: Page, request: WorkerDispatch): Promise<BridgeOutcome> {
    const bridgeRequest: BridgeDispatch = {
      scriptURL: request.scriptURL,
      scope: request.scope,
      event: toBridgeEvent(request.event),
      deadlineMs: request.deadlineMs,
    };
    return new Promise<BridgeOutcome>((resolve) => {
      let done = false;
      const finish = (outcome: BridgeOutcome, closePage: boolean) => {
        if (done) return;
        done = true;
        clearTimeout(watchdog);
        page.off('crash', onCrash);
        page.off('close', onClose);
        if (closePage) void this.#closePage(state);
        resolve(outcome);
      };
      const onCrash = () => finish({ status: 'error', code: 303, kind: 'worker-crashed', message: 'the worker host crashed' }, true);
      const onClose = () => finish({ status: 'error', code: 303, kind: 'worker-terminated', message: 'the worker was stopped' }, true);
      // The page enforces the deadline itself; this only catches a page that stopped answering.
      const watchdog = setTimeout(() => finish({ status: 'timeout' }, true), request.deadlineMs + (this.#opts.watchdogGraceMs ?? 2_000));
      page.on('crash', onCrash);
      page.on('close', onClose);
      page
        .evaluate((r) => (globalThis as unknown as { __pushAgentDispatch(r: unknown): Promise<BridgeOutcome> }).__pushAgentDispatch(r), bridgeRequest)
        .then(
          (outcome) => finish(outcome, false),
          (err: Error) => finish({ status: 'error', code: 303, kind: page.isClosed() ? 'worker-terminated' : 'worker-crashed', message: err.message.split('\n')[0]!.slice(0, 512) }, true),
        );
    });
  }

  async #closePage(state: OriginState): Promise<void> {
    if (state.idle) this.#clock.clearTimeout(state.idle);
    state.idle = null;
    const page = state.page;
    state.page = null;
    if (page) await (await page.catch(() => null))?.close().catch(() => undefined);
  }

  #page(state: OriginState): Promise<Page> {
    if (!state.page) {
      const opening = this.#openPage(state);
      state.page = opening;
      opening.catch(() => {
        if (state.page === opening) state.page = null;
      });
    }
    return state.page;
  }

  /** A new blank page whose bridge serves whichever origin takes it. */
  async #bridgePage(): Promise<BridgePage> {
    const context = await this.#getContext();
    const page = await context.newPage();
    const holder: BridgePage['holder'] = { owner: null };
    try {
      await page.exposeBinding('__pushAgentCall', (_source, method: string, args: unknown[]) => {
        if (!holder.owner) throw new Error('No event is running.');
        return this.#serve(holder.owner, method, args);
      });
      await page.addInitScript(BRIDGE_INIT_SCRIPT);
    } catch (err) {
      await page.close().catch(() => undefined);
      throw err;
    }
    return { page, holder };
  }

  async #takePage(): Promise<BridgePage> {
    const spare = this.#spare;
    this.#spare = null;
    const taken = spare ? await spare.catch(() => null) : null;
    return taken && !taken.page.isClosed() ? taken : this.#bridgePage();
  }

  /** Prepared after a page has loaded, so that it never competes with a cold start for the CPU. */
  #refillSpare(): void {
    if (this.#opts.sparePage === false || this.#closed || this.#spare) return;
    const next = this.#bridgePage();
    next.catch(() => {
      if (this.#spare === next) this.#spare = null;
    });
    this.#spare = next;
  }

  async #openPage(state: OriginState): Promise<Page> {
    const { page, holder } = await this.#takePage();
    holder.owner = state;
    page.on('crash', () => {
      void this.#closePage(state);
    });
    try {
      const response = await page.goto(`${state.origin}${WORKER_HOST_PAGE}`, { waitUntil: 'load' });
      if (!response?.ok()) throw new Error(`the worker host page did not load (${response?.status() ?? 'no response'})`);
      this.#refillSpare();
    } catch (err) {
      await page.close().catch(() => undefined);
      throw err;
    }
    return page;
  }

  async #serve(state: OriginState, method: string, args: unknown[]): Promise<unknown> {
    const client = state.client;
    const event = state.event;
    if (!client || !event) throw new Error('No event is running.');
    switch (method) {
      case 'showNotification': {
        if (event.reserved >= MAX_NOTIFICATIONS_PER_EVENT) return undefined;
        event.reserved++;
        try {
          await client.showNotification(String(args[0]), args[1]);
        } catch (err) {
          event.reserved--;
          throw new Error((err as Error).message);
        }
        event.shown++;
        return undefined;
      }
      case 'getNotifications':
        return plain(client.getNotifications(typeof args[0] === 'string' ? args[0] : undefined));
      case 'openWindow':
        return typeof args[0] === 'string' ? (await client.openWindow(args[0])) === true : false;
      case 'getSubscription':
        return plain(client.getSubscription());
      default:
        throw new Error('unknown bridge method');
    }
  }

  #getContext(): Promise<BrowserContext> {
    this.#context ??= (async () => {
      this.#browser ??= this.#opts.browser ? Promise.resolve(this.#opts.browser) : launchChromium(this.#opts.launchArgs);
      const browser = await this.#browser;
      const context = await browser.newContext();
      await context.route('**/*', (route) => this.#route(route));
      return context;
    })();
    return this.#context;
  }

  async #route(route: Route): Promise<void> {
    try {
      const url = new URL(route.request().url());
      if (url.pathname.startsWith(WORKER_HOST_PATH)) {
        const a = await buildWorkerAssets();
        const files: Record<string, [string, string]> = {
          [WORKER_HOST_PAGE]: ['text/html; charset=utf-8', a.hostHtml],
          [WORKER_HOST_SCRIPT]: ['text/javascript; charset=utf-8', a.hostJs],
          [WORKER_SCOPE_SCRIPT]: ['text/javascript; charset=utf-8', a.scopeJs],
        };
        const file = files[url.pathname];
        await route.fulfill(file ? { status: 200, contentType: file[0], body: file[1], headers: { 'cache-control': 'no-store' } } : { status: 404, body: '' });
        return;
      }
      const upstream = this.#opts.upstream(url.origin);
      if (!upstream) {
        await route.abort('internetdisconnected');
        return;
      }
      const response = await route.fetch({ url: `${upstream.replace(/\/$/, '')}${url.pathname}${url.search}`, maxRedirects: 0 });
      await route.fulfill({ response });
    } catch {
      await route.abort('failed').catch(() => undefined);
    }
  }
}
