// The Chromium host of sites' own service workers (a WorkerHost, src/engine/ports.ts): it drives a Chromium over the
// DevTools protocol and is the one owner of the browser-level auto-attach.
//
// - Every new target waits for the debugger (`waitForDebuggerOnStart`). A service worker gets the host's binding
//   (`Runtime.addBinding`) and a breakpoint at its own script's first statement (`Debugger.setBreakpointByUrl`,
//   line 0, resolved by V8 to the first breakable statement) before it runs; at that pause the service-worker
//   script (src/worker/service-worker-script.ts) is evaluated and the worker resumed. The breakpoint stays set: it
//   pauses only the script's top level, which runs once per start, never a later evaluation.
// - The host detaches from a worker before it stops it, so every start is a new target that waits for the
//   debugger. A worker stopped while attached and started again keeps its target and session
//   (`Inspector.targetReloadedAfterCrash`) but does not wait, nor keep its breakpoints: its script ran before any
//   command sent on the reload was answered (seen in browsers started on an existing profile). Such a restart (a
//   crash) is stopped again, so that the next start is a held one.
// - One control page (about:blank) stays open: the `ServiceWorker` domain lives on page targets. It reports
//   registrations and versions, and starts and stops workers.
// - A worker attached to DevTools is never stopped by Chromium, so the idle stop and the deadline stop are here.
// - Calls from a worker come over the binding with the target as their only trusted fact: the origin is the worker
//   target's, never the message's. A call made while no event of ours runs (a timer, a `message` event) goes to
//   the engine's client for that worker (WorkerHost.serveOutsideEvents), which decides.

import { randomBytes } from 'node:crypto';
import type CDP from 'chrome-remote-interface';
import type {
  Clock,
  Logger,
  TimerHandle,
  WorkerClient,
  WorkerDispatch,
  WorkerHost,
  WorkerOutcome,
  WorkerRef,
} from '../engine/ports.ts';
import { OriginLanes, refusedDispatch } from '../engine/origin-lanes.ts';
import { silentLogger } from '../engine/log.ts';
import { launchChromium, type LaunchedBrowser, type LaunchOptions } from './launch.ts';
import { SITE_BRIDGE_GLOBAL, type SiteBridge } from '../shared/site-bridge.ts';
import {
  MAX_NOTIFICATIONS_PER_EVENT,
  scriptEvent,
  serveNotificationCall,
  servePushManagerCall,
  shortMessage,
  type CallingWorker,
  type EventNotifications,
} from '../engine/service-worker-wire.ts';

/** WorkerOutcome without `shown`: the host counts notifications itself, from the calls it served. */
type Result =
  { status: 'ok' } | { status: 'error'; code: 301 | 302 | 303; kind: string; message: string } | { status: 'timeout' };

/** How long `openPage` waits for the load event. */
const PAGE_LOAD_MS = 30_000;

export { MAX_NOTIFICATIONS_PER_EVENT };

export interface ChromiumWorkerHostOptions {
  /**
   * The bundled service-worker script (IIFE with globalName `PushAgentServiceWorker`): built by scripts/build.ts
   * into dist, by tests/support/chromium-host.ts in tests.
   */
  serviceWorkerScript: string;
  launch?: LaunchOptions;
  clock?: Clock;
  logger?: Logger;
  /** How long a worker may take to start and reach its first statement (default 10 s). */
  startTimeoutMs?: number;
  /**
   * The page script (src/page/push-api.ts bundled as an IIFE) and the engine side of its calls, per origin: every
   * page of the host's browser gets the script before its own, and its calls go to `sites(origin)`, the origin
   * being the calling frame's context, never the message's. Without them pages get nothing. `sites` also answers
   * the service-worker script's `registration.pushManager` (origin and registration from the worker's target);
   * without it that pushManager has no push service.
   */
  pageScript?: string;
  sites?: (origin: string) => SiteCalls | undefined;
}

/**
 * The page script's calls (src/shared/site-bridge.ts), as SiteService (src/engine/services/site-service.ts) answers
 * them.
 */
export type SiteCalls = Pick<
  SiteBridge,
  | 'permissionState'
  | 'subscribe'
  | 'getSubscription'
  | 'unsubscribe'
  | 'legacyRegister'
  | 'legacyUnregister'
  | 'legacyRegistrations'
>;
const SITE_METHODS = new Set([
  'permissionState',
  'subscribe',
  'getSubscription',
  'unsubscribe',
  'legacyRegister',
  'legacyUnregister',
  'legacyRegistrations',
]);

/**
 * Runs in every page before its scripts: the site bridge over the host's binding (captured and deleted first), then
 * the page script, which reads the bridge once; the bridge's global is deleted after it. Replies come back through a
 * non-enumerable function with a random name: a site that finds it can only answer its own calls.
 */
function pageBootstrap(binding: string, reply: string, pageScript: string, bridgeGlobal: string): string {
  return `(() => {
  const send = globalThis[${JSON.stringify(binding)}];
  delete globalThis[${JSON.stringify(binding)}];
  if (typeof send !== 'function') return;
  const pending = new Map();
  let next = 1;
  const call = (method, args) => new Promise((resolve) => {
    const id = next++;
    pending.set(id, resolve);
    send(JSON.stringify({ id, method, args }));
  });
  Object.defineProperty(globalThis, ${JSON.stringify(reply)}, { value: (id, value) => { const r = pending.get(id); pending.delete(id); if (r) r(value); } });
  const bridge = Object.freeze({
    permissionState: () => call('permissionState', []),
    subscribe: (request) => call('subscribe', [request]),
    getSubscription: (scope) => call('getSubscription', [scope]),
    unsubscribe: (scope, endpoint) => call('unsubscribe', [scope, endpoint]),
    legacyRegister: () => call('legacyRegister', []),
    legacyUnregister: (endpoint) => call('legacyUnregister', [endpoint]),
    legacyRegistrations: () => call('legacyRegistrations', []),
    onMessage: () => {},
  });
  Object.defineProperty(globalThis, ${JSON.stringify(bridgeGlobal)}, { value: bridge, configurable: true });
  try {
${pageScript}
  } finally {
    delete globalThis[${JSON.stringify(bridgeGlobal)}];
  }
})();`;
}

interface WorkerTarget {
  targetId: string;
  sessionId: string;
  scriptURL: string;
  origin: string;
  /** The agent object's id in the worker, once the service-worker script ran; reset on each restart. */
  agent: Promise<string>;
  settle: { resolve(id: string): void; reject(err: Error): void };
  injected: boolean;
  /** Events in flight in this run of the worker: told when it stops (a detached session never answers them). */
  gone: Set<() => void>;
  /** The first-statement breakpoint (set once per session; the agent keeps it across restarts). */
  breakpointId?: string;
}

interface Version {
  versionId: string;
  registrationId: string;
  scriptURL: string;
  runningStatus: string;
  status: string;
  targetId?: string;
}

interface OriginState {
  origin: string;
  client: WorkerClient | null;
  event: EventNotifications | null;
  idle: TimerHandle | null;
  running: Set<string>;
}

/** A page opened by the host (tests and `site add` drive sites through these). */
export interface HostPage {
  targetId: string;
  url(): Promise<string>;
  evaluate<T>(expression: string): Promise<T>;
  close(): Promise<void>;
  /**
   * Resolves when the page's target is gone: closed by the user, by `window.close()`, by close() or with the browser.
   */
  closed: Promise<void>;
  /** The main frame's URL at its last navigation (still known after the page closed). */
  lastUrl(): string;
}

const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

function deferred<T>(): { promise: Promise<T>; resolve(v: T): void; reject(e: Error): void } {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

export class ChromiumWorkerHost implements WorkerHost {
  readonly #opts: ChromiumWorkerHostOptions;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #binding = `__pushAgent_${randomBytes(6).toString('hex')}`;
  readonly #pageBinding = `__pushAgentPage_${randomBytes(6).toString('hex')}`;
  readonly #pageReply = `__pushAgentReply_${randomBytes(6).toString('hex')}`;
  /** Origins of the pages' execution contexts, by session and context id: where a page call comes from. */
  readonly #contexts = new Map<string, string>();
  #browser: Promise<LaunchedBrowser> | null = null;
  #control: Promise<string> | null = null;
  readonly #workers = new Map<string, WorkerTarget>();
  readonly #bySession = new Map<string, WorkerTarget>();
  readonly #registrations = new Map<string, { scopeURL: string; isDeleted: boolean }>();
  readonly #versions = new Map<string, Version>();
  /** Stops in flight, by version id (#stopVersion). */
  readonly #stopping = new Map<string, Promise<void>>();
  readonly #waiters = new Set<() => void>();
  readonly #pageLoads = new Map<string, (err?: Error) => void>();
  readonly #origins = new OriginLanes<OriginState>((origin) => ({
    origin,
    client: null,
    event: null,
    idle: null,
    running: new Set(),
  }));
  #closed = false;

  constructor(opts: ChromiumWorkerHostOptions) {
    this.#opts = opts;
    this.#clock = opts.clock ?? realClock;
    this.#logger = opts.logger ?? silentLogger;
  }

  /** Starts the browser now (otherwise the first dispatch or page does). */
  async start(): Promise<void> {
    await this.#controlSession();
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
    if (!state) return;
    if (state.idle) this.#clock.clearTimeout(state.idle);
    state.idle = null;
    await Promise.all([...state.running].map((v) => this.#stopVersion(v)));
    state.running.clear();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const s of this.#origins.states()) if (s.idle) this.#clock.clearTimeout(s.idle);
    const browser = this.#browser;
    this.#browser = null;
    if (browser) await (await browser.catch(() => null))?.close();
    for (const closed of this.#pageClosed.values()) closed();
    this.#pageClosed.clear();
  }

  readonly #deletedListeners = new Set<(scope: string) => void>();
  #outside: ((worker: WorkerRef) => WorkerClient) | null = null;

  serveOutsideEvents(serve: (worker: WorkerRef) => WorkerClient): void {
    this.#outside = serve;
  }

  onRegistrationDeleted(listener: (scope: string) => void): void {
    this.#deletedListeners.add(listener);
  }

  /** Origins with a worker the host started and has not stopped. */
  runningOrigins(): string[] {
    return this.#origins
      .states()
      .filter((s) => s.running.size > 0)
      .map((s) => s.origin);
  }

  /** Opens `url` in a new page of the host's browser and waits for its load event. */
  async openPage(url: string): Promise<HostPage> {
    const client = await this.#client();
    await this.#controlSession();
    const { targetId } = await client.send('Target.createTarget', { url: 'about:blank' });
    const sessionId = await this.#waitFor(
      `the page target ${targetId}`,
      () => this.#pageSessions.get(targetId),
      10_000,
    );
    await client.send('Page.enable', undefined, sessionId);
    const loaded = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the page did not load within ${PAGE_LOAD_MS} ms`)),
        PAGE_LOAD_MS,
      );
      this.#pageLoads.set(sessionId, (err) => {
        clearTimeout(timer);
        this.#pageLoads.delete(sessionId);
        if (err) reject(err);
        else resolve();
      });
    });
    let lastUrl = url;
    this.#pageUrls.set(sessionId, (u) => (lastUrl = u));
    const closed = new Promise<void>((resolve) => this.#pageClosed.set(targetId, resolve));
    const nav = await client.send('Page.navigate', { url }, sessionId);
    if (nav.errorText) {
      this.#pageLoads.get(sessionId)?.(new Error(`the page could not load: ${nav.errorText}`));
    }
    await loaded;
    // The about:blank the target was created on stays in its history; a window the user opened on `url` holds only
    // `url`. Without this, Chromium refuses the site's own `window.close()` (a page with more than one history
    // entry that no script opened).
    await client.send('Page.resetNavigationHistory', undefined, sessionId).catch(() => undefined);
    const evaluate = async <T>(expression: string): Promise<T> => {
      const r = await client.send(
        'Runtime.evaluate',
        { expression, awaitPromise: true, returnByValue: true },
        sessionId,
      );
      if (r.exceptionDetails) throw new Error(r.exceptionDetails.exception?.description ?? r.exceptionDetails.text);
      return r.result.value as T;
    };
    return {
      targetId,
      url: () => evaluate<string>('location.href'),
      evaluate,
      close: async () => {
        await client.send('Target.closeTarget', { targetId }).catch(() => undefined);
      },
      closed,
      lastUrl: () => lastUrl,
    };
  }

  // ---- dispatch ----

  async #run(state: OriginState, request: WorkerDispatch, client: WorkerClient): Promise<WorkerOutcome> {
    if (state.idle) this.#clock.clearTimeout(state.idle);
    state.idle = null;
    const counter = { reserved: 0, shown: 0 };
    let outcome: Result;
    let version: Version | null = null;
    try {
      version = await this.#readyVersion(request.scope);
      state.running.add(version.versionId);
      const worker = this.#workers.get(version.targetId!)!;
      state.client = client;
      state.event = counter;
      outcome = await this.#dispatchTo(worker, version, request);
    } catch (err) {
      outcome = {
        status: 'error',
        code: 303,
        kind: (err as { kind?: string }).kind ?? 'worker-crashed',
        message: shortMessage(err),
      };
    } finally {
      state.client = null;
      state.event = null;
    }
    if (version && outcome.status === 'timeout') state.running.delete(version.versionId);
    if (version && state.running.has(version.versionId) && !this.#closed) {
      const versionId = version.versionId;
      const idle = this.#clock.setTimeout(
        () => {
          if (state.idle !== idle) return;
          state.idle = null;
          state.running.delete(versionId);
          void this.#stopVersion(versionId);
        },
        Math.max(0, request.keepAliveMs),
      );
      idle.unref?.();
      state.idle = idle;
    }
    return { ...outcome, shown: counter.shown };
  }

  async #dispatchTo(worker: WorkerTarget, version: Version, request: WorkerDispatch): Promise<Result> {
    const client = await this.#client();
    const objectId = await worker.agent;
    return new Promise((resolve) => {
      let done = false;
      const finish = (o: Result) => {
        if (done) return;
        done = true;
        this.#clock.clearTimeout(deadline);
        worker.gone.delete(stopped);
        resolve(o);
      };
      // Stopped meanwhile (by stop(), the idle stop, the browser's end): the call will never be answered.
      const stopped = () =>
        finish({
          status: 'error',
          code: 303,
          kind: 'worker-terminated',
          message: 'the worker stopped during the event',
        });
      worker.gone.add(stopped);
      // The deadline is the host's: a worker attached to DevTools is never stopped by Chromium.
      const deadline = this.#clock.setTimeout(() => {
        finish({ status: 'timeout' });
        void this.#stopVersion(version.versionId);
      }, request.deadlineMs);
      client
        .send(
          'Runtime.callFunctionOn',
          {
            objectId,
            functionDeclaration: 'function (e) { return this.dispatch(e); }',
            arguments: [{ value: scriptEvent(request.event) }],
            awaitPromise: true,
            returnByValue: true,
          },
          worker.sessionId,
        )
        .then(
          (r) => {
            if (r.exceptionDetails)
              finish({
                status: 'error',
                code: 303,
                kind: 'worker-crashed',
                message: shortMessage(r.exceptionDetails.exception?.description ?? r.exceptionDetails.text),
              });
            else finish(r.result.value as Result);
          },
          (err: unknown) =>
            finish({ status: 'error', code: 303, kind: 'worker-terminated', message: shortMessage(err) }),
        );
    });
  }

  /** The registration's active version for `scope`, running, with the service-worker script injected. */
  async #readyVersion(scope: string): Promise<Version> {
    const client = await this.#client();
    const control = await this.#controlSession();
    const active = () => {
      const reg = [...this.#registrations].find(([, r]) => r.scopeURL === scope && !r.isDeleted);
      if (!reg) return undefined;
      return [...this.#versions.values()].find(
        (v) => v.registrationId === reg[0] && (v.status === 'activated' || v.status === 'activating'),
      );
    };
    // Registrations are reported right after ServiceWorker.enable; give that a moment before calling it missing.
    const found = active() ?? (await this.#waitFor('the registration', active, 1_000).catch(() => undefined));
    if (!found)
      throw Object.assign(new Error('the site has no service worker registered for this scope'), {
        kind: 'no-registration',
      });
    const ready = () => {
      const v = this.#versions.get(found.versionId);
      const w = v?.runningStatus === 'running' && v.targetId ? this.#workers.get(v.targetId) : undefined;
      return w?.injected ? v : undefined;
    };
    // A stop still on its way (the deadline's, the idle one): a start sent before its stopWorker would find the
    // worker running and do nothing, and the stop would then leave it stopped with nobody starting it.
    await this.#stopping.get(found.versionId);
    if (!ready()) {
      const v = this.#versions.get(found.versionId)!;
      // A version still reported running whose target we left is one we are stopping (stopWorker answers before
      // the version is reported stopped); a stopping one is started again by Chromium once stopped, if asked to.
      const leaving = v.runningStatus === 'running' && !(v.targetId && this.#workers.has(v.targetId));
      if (v.runningStatus === 'stopped' || v.runningStatus === 'stopping' || leaving)
        await client.send('ServiceWorker.startWorker', { scopeURL: scope }, control);
    }
    return this.#waitFor('the worker to start', ready, this.#opts.startTimeoutMs ?? 10_000);
  }

  /**
   * Stops a version; one stop per version at a time. The worker is forgotten at once (its events end, a start asked
   * for meanwhile waits for this stop: see #readyVersion), then detached, then stopped.
   */
  #stopVersion(versionId: string): Promise<void> {
    const inFlight = this.#stopping.get(versionId);
    if (inFlight) return inFlight;
    const v = this.#versions.get(versionId);
    const worker = v?.targetId ? this.#workers.get(v.targetId) : undefined;
    if (worker) {
      this.#resetWorker(worker);
      this.#workers.delete(worker.targetId);
      this.#bySession.delete(worker.sessionId);
    }
    const stop = (async () => {
      try {
        const client = await this.#client();
        // Detached first: the next start is then a new target held by the auto-attach (see the header).
        if (worker)
          await client.send('Target.detachFromTarget', { sessionId: worker.sessionId }).catch(() => undefined);
        await client.send('ServiceWorker.stopWorker', { versionId }, await this.#controlSession());
      } catch (err) {
        this.#logger.debug('stopWorker failed', { error: shortMessage(err) });
      } finally {
        this.#stopping.delete(versionId);
      }
    })();
    this.#stopping.set(versionId, stop);
    return stop;
  }

  // ---- calls from workers ----

  async #serve(worker: WorkerTarget, raw: string): Promise<void> {
    let id = 0;
    let ok = true;
    let value: unknown = null;
    try {
      const msg = JSON.parse(raw) as { id?: unknown; method?: unknown; args?: unknown };
      if (typeof msg.id !== 'number' || typeof msg.method !== 'string' || !Array.isArray(msg.args)) return;
      id = msg.id;
      value = await this.#call(worker, msg.method, msg.args);
    } catch (err) {
      ok = false;
      value = { name: (err as Error).name === 'TypeError' ? 'TypeError' : 'AbortError', message: shortMessage(err) };
    }
    if (!id) return;
    try {
      const client = await this.#client();
      await client.send(
        'Runtime.callFunctionOn',
        {
          objectId: await worker.agent,
          functionDeclaration: 'function (id, ok, v) { this.reply(id, ok, v); }',
          arguments: [{ value: id }, { value: ok }, { value: value ?? null }],
        },
        worker.sessionId,
      );
    } catch {
      // The worker stopped meanwhile: nobody waits for the answer.
    }
  }

  async #call(worker: WorkerTarget, method: string, args: unknown[]): Promise<unknown> {
    const origin = worker.origin;
    const pushed = await servePushManagerCall(this.#opts.sites?.(origin), this.#callingWorker(worker), method, args);
    if (pushed) return pushed.value;
    const state = this.#origins.get(origin);
    if (!state?.client || !state.event) return this.#callOutsideEvent(worker, method, args);
    const client = state.client;
    const served = await serveNotificationCall(client, state.event, method, args);
    if (served) return served.value;
    switch (method) {
      case 'openWindow':
        return typeof args[0] === 'string' ? (await client.openWindow(args[0])) === true : false;
      case 'focus':
        return typeof args[0] === 'string' ? this.#focus(origin, args[0]) : false;
      default:
        throw new Error('unknown method');
    }
  }

  /** The registration of the worker behind `worker`'s target, as Chromium reported it. */
  #callingWorker(worker: WorkerTarget): CallingWorker | undefined {
    const version = [...this.#versions.values()].find((v) => v.targetId === worker.targetId);
    const registration = version && this.#registrations.get(version.registrationId);
    if (!version || !registration || registration.isDeleted) return undefined;
    return { scope: registration.scopeURL, scriptURL: version.scriptURL };
  }

  /**
   * A call made while no event of ours runs at the origin: relayed to the engine's client for this worker (its
   * registration's scope, found from the target), which decides; no per-event cap applies there. Without the
   * engine's side, or for a worker whose registration is not known, refused as before.
   */
  async #callOutsideEvent(worker: WorkerTarget, method: string, args: unknown[]): Promise<unknown> {
    const calling = this.#callingWorker(worker);
    if (!this.#outside || !calling) throw new Error('No event is running.');
    const client = this.#outside({ origin: worker.origin, scope: calling.scope, scriptURL: worker.scriptURL });
    const served = await serveNotificationCall(client, { reserved: 0, shown: 0 }, method, args);
    if (served) return served.value;
    switch (method) {
      case 'openWindow':
        // The engine refuses a window outside a click; asked all the same, so that it stays the one to decide.
        return typeof args[0] === 'string' ? (await client.openWindow(args[0])) === true : false;
      case 'focus':
        // Focus needs a click (the spec's user activation): never outside an event.
        return false;
      default:
        throw new Error('unknown method');
    }
  }

  /** A page script's call: answered by the SiteService of the calling context's origin. */
  async #servePage(client: CDP.Client, sessionId: string, contextId: number, raw: string): Promise<void> {
    let id: number;
    let value: unknown;
    try {
      const msg = JSON.parse(raw) as { id?: unknown; method?: unknown; args?: unknown };
      if (typeof msg.id !== 'number') return;
      id = msg.id;
      const origin = this.#contexts.get(`${sessionId}/${contextId}`);
      const site = origin && origin !== 'null' ? this.#opts.sites?.(origin) : undefined;
      if (!site) value = { ok: false, name: 'SecurityError', message: 'Push is not available to this page.' };
      else if (typeof msg.method !== 'string' || !SITE_METHODS.has(msg.method) || !Array.isArray(msg.args))
        value = { ok: false, name: 'InvalidAccessError', message: 'unknown bridge call' };
      else
        value = await (site as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[msg.method]!(
          ...(msg.args as unknown[]),
        );
    } catch (err) {
      this.#logger.warn('page call failed', { error: shortMessage(err) });
      return;
    }
    await client
      .send(
        'Runtime.evaluate',
        { expression: `globalThis[${JSON.stringify(this.#pageReply)}](${id}, ${JSON.stringify(value)})`, contextId },
        sessionId,
      )
      .catch(() => undefined);
  }

  /** Sets the browser profile's notification permission for `origin` to the engine's (the engine is the authority). */
  async followPermission(origin: string, state: 'granted' | 'denied' | 'prompt'): Promise<void> {
    const client = await this.#client();
    await client.send('Browser.setPermission', { permission: { name: 'notifications' }, setting: state, origin });
  }

  /** Brings the host's page showing `url` (at the worker's origin) to the front. */
  async #focus(origin: string, url: string): Promise<boolean> {
    const client = await this.#client();
    const { targetInfos } = await client.send('Target.getTargets');
    const page = targetInfos.find((t) => t.type === 'page' && t.url === url && new URL(t.url).origin === origin);
    if (!page) return false;
    await client.send('Target.activateTarget', { targetId: page.targetId });
    return true;
  }

  // ---- the browser and its targets ----

  readonly #pageSessions = new Map<string, string>();
  /** openPage's pages: the main frame's navigations (by session) and their close (by target). */
  readonly #pageUrls = new Map<string, (url: string) => void>();
  readonly #pageClosed = new Map<string, () => void>();

  /** Clears `origin`'s storage in the browser profile: service-worker registrations, caches, IndexedDB, cookies. */
  async clearOrigin(origin: string): Promise<void> {
    const client = await this.#client();
    const control = await this.#controlSession();
    // Registrations first (their workers stop, the engine hears of each deletion), then everything else stored.
    const scopes = [...this.#registrations.values()]
      .filter((r) => !r.isDeleted && new URL(r.scopeURL).origin === origin)
      .map((r) => r.scopeURL);
    for (const scopeURL of scopes) await client.send('ServiceWorker.unregister', { scopeURL }, control);
    await client.send('Storage.clearDataForOrigin', { origin, storageTypes: 'all' }, control);
  }

  #client(): Promise<CDP.Client> {
    if (this.#closed) return Promise.reject(Object.assign(new Error('host closed'), { kind: 'worker-terminated' }));
    this.#browser ??= launchChromium(this.#opts.launch).then(async (b) => {
      this.#wire(b.client);
      b.client.on('disconnect', () => this.#lost(b));
      await b.client.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: true, flatten: true });
      return b;
    });
    return this.#browser.then((b) => b.client);
  }

  /** The browser went away (crashed, killed): forget its targets; the next call starts a new one. */
  #lost(b: LaunchedBrowser): void {
    if (this.#closed) return;
    this.#logger.warn('the browser of the worker host went away');
    const current = this.#browser;
    void current?.then((c) => {
      if (c !== b || this.#browser !== current) return;
      this.#browser = null;
      this.#control = null;
      for (const w of this.#workers.values()) this.#resetWorker(w);
      this.#workers.clear();
      this.#bySession.clear();
      this.#pageSessions.clear();
      this.#registrations.clear();
      this.#versions.clear();
      this.#contexts.clear();
      for (const done of [...this.#pageLoads.values()]) done(new Error('the browser went away'));
      for (const closed of this.#pageClosed.values()) closed();
      this.#pageClosed.clear();
      for (const s of this.#origins.states()) s.running.clear();
      void b.close();
    });
  }

  #controlSession(): Promise<string> {
    this.#control ??= (async () => {
      const client = await this.#client();
      const { targetId } = await client.send('Target.createTarget', { url: 'about:blank' });
      const sessionId = await this.#waitFor('the control page', () => this.#pageSessions.get(targetId), 10_000);
      await client.send('ServiceWorker.enable', undefined, sessionId);
      return sessionId;
    })();
    return this.#control;
  }

  #wire(client: CDP.Client): void {
    client.on(
      'Target.attachedToTarget',
      (p: {
        sessionId: string;
        targetInfo: { targetId: string; type: string; url: string };
        waitingForDebugger: boolean;
      }) => {
        void this.#attached(client, p).catch((err: unknown) =>
          this.#logger.warn('could not prepare a target', { type: p.targetInfo.type, error: shortMessage(err) }),
        );
      },
    );
    client.on('Target.detachedFromTarget', (p: { sessionId: string }) => {
      const w = this.#bySession.get(p.sessionId);
      if (w) {
        this.#resetWorker(w);
        this.#bySession.delete(p.sessionId);
        this.#workers.delete(w.targetId);
      }
      for (const [t, s] of this.#pageSessions) {
        if (s !== p.sessionId) continue;
        this.#pageSessions.delete(t);
        this.#pageClosed.get(t)?.();
        this.#pageClosed.delete(t);
      }
      this.#pageUrls.delete(p.sessionId);
      this.#notify();
    });
    client.on('Debugger.paused', (p: { reason: string; hitBreakpoints?: string[] }, sessionId?: string) => {
      const w = sessionId ? this.#bySession.get(sessionId) : undefined;
      if (w) void this.#paused(client, w, p.hitBreakpoints ?? []);
    });
    client.on('Inspector.targetCrashed', (_p: unknown, sessionId?: string) => {
      // The worker stopped (by us or by Chromium): its agent object is gone with it.
      const w = sessionId ? this.#bySession.get(sessionId) : undefined;
      if (w?.injected) this.#resetWorker(w);
    });
    client.on('Inspector.targetReloadedAfterCrash', (_p: unknown, sessionId?: string) => {
      const w = sessionId ? this.#bySession.get(sessionId) : undefined;
      this.#logger.debug('worker restarted while attached', { known: Boolean(w) });
      // It did not wait for the debugger and runs without our script: stop it; the next start is held (header).
      const v = w && [...this.#versions.values()].find((x) => x.targetId === w.targetId);
      if (v) void this.#stopVersion(v.versionId);
    });
    client.on(
      'Runtime.bindingCalled',
      (p: { name: string; payload: string; executionContextId: number }, sessionId?: string) => {
        const w = sessionId ? this.#bySession.get(sessionId) : undefined;
        if (w && p.name === this.#binding) void this.#serve(w, p.payload);
        if (!w && sessionId && p.name === this.#pageBinding)
          void this.#servePage(client, sessionId, p.executionContextId, p.payload);
      },
    );
    client.on(
      'Runtime.executionContextCreated',
      (p: { context: { id: number; origin: string } }, sessionId?: string) => {
        if (sessionId && !this.#bySession.has(sessionId))
          this.#contexts.set(`${sessionId}/${p.context.id}`, p.context.origin);
      },
    );
    client.on('Runtime.executionContextDestroyed', (p: { executionContextId: number }, sessionId?: string) => {
      this.#contexts.delete(`${sessionId}/${p.executionContextId}`);
    });
    client.on('Page.frameNavigated', (p: { frame: { url: string; parentId?: string } }, sessionId?: string) => {
      if (sessionId && !p.frame.parentId) this.#pageUrls.get(sessionId)?.(p.frame.url);
    });
    client.on('Page.loadEventFired', (_p: unknown, sessionId?: string) => {
      if (sessionId) this.#pageLoads.get(sessionId)?.();
    });
    client.on(
      'ServiceWorker.workerRegistrationUpdated',
      (p: { registrations: Array<{ registrationId: string; scopeURL: string; isDeleted: boolean }> }) => {
        for (const r of p.registrations) {
          const before = this.#registrations.get(r.registrationId);
          this.#registrations.set(r.registrationId, { scopeURL: r.scopeURL, isDeleted: r.isDeleted });
          if (r.isDeleted && before && !before.isDeleted) for (const l of this.#deletedListeners) l(r.scopeURL);
        }
        this.#notify();
      },
    );
    client.on('ServiceWorker.workerVersionUpdated', (p: { versions: Version[] }) => {
      for (const v of p.versions) {
        this.#versions.set(v.versionId, { ...v });
        this.#logger.debug('worker version', {
          versionId: v.versionId,
          runningStatus: v.runningStatus,
          status: v.status,
          target: Boolean(v.targetId),
        });
      }
      this.#notify();
    });
  }

  async #attached(
    client: CDP.Client,
    p: { sessionId: string; targetInfo: { targetId: string; type: string; url: string }; waitingForDebugger: boolean },
  ): Promise<void> {
    const { sessionId, targetInfo } = p;
    this.#logger.debug('target attached', { type: targetInfo.type, waiting: p.waitingForDebugger });
    if (targetInfo.type === 'service_worker') {
      const worker: WorkerTarget = {
        targetId: targetInfo.targetId,
        sessionId,
        scriptURL: targetInfo.url,
        origin: new URL(targetInfo.url).origin,
        ...this.#freshAgent(),
        injected: false,
        gone: new Set(),
      };
      this.#workers.set(worker.targetId, worker);
      this.#bySession.set(sessionId, worker);
      await this.#prepareWorker(client, worker);
      return;
    }
    if (targetInfo.type === 'page') {
      if (this.#opts.pageScript && this.#opts.sites) {
        await client.send('Runtime.addBinding', { name: this.#pageBinding }, sessionId);
        await client.send('Runtime.enable', undefined, sessionId);
        await client.send('Page.enable', undefined, sessionId);
        await client.send(
          'Page.addScriptToEvaluateOnNewDocument',
          { source: pageBootstrap(this.#pageBinding, this.#pageReply, this.#opts.pageScript, SITE_BRIDGE_GLOBAL) },
          sessionId,
        );
      }
      this.#pageSessions.set(targetInfo.targetId, sessionId);
      this.#notify();
    }
    if (p.waitingForDebugger) await client.send('Runtime.runIfWaitingForDebugger', undefined, sessionId);
  }

  #freshAgent(): Pick<WorkerTarget, 'agent' | 'settle'> {
    const d = deferred<string>();
    return { agent: d.promise, settle: { resolve: d.resolve, reject: d.reject } };
  }

  #resetWorker(w: WorkerTarget): void {
    if (!w.injected) w.settle.reject(new Error('the worker stopped before it was ready'));
    for (const fn of [...w.gone]) fn();
    w.gone.clear();
    w.injected = false;
    Object.assign(w, this.#freshAgent());
  }

  /** Holds the waiting worker at its own script's first statement (see the header). */
  async #prepareWorker(client: CDP.Client, w: WorkerTarget): Promise<void> {
    const s = w.sessionId;
    await client.send('Runtime.addBinding', { name: this.#binding }, s);
    await client.send('Runtime.enable', undefined, s);
    await client.send('Debugger.enable', undefined, s);
    if (!w.breakpointId) {
      // The worker's script URL is exact (a registration's script never changes URL); V8 moves line 0 to the first
      // breakable statement.
      w.breakpointId = (
        await client.send('Debugger.setBreakpointByUrl', { url: w.scriptURL, lineNumber: 0 }, s)
      ).breakpointId;
    }
    await client.send('Runtime.runIfWaitingForDebugger', undefined, s);
  }

  async #paused(client: CDP.Client, w: WorkerTarget, hit: string[]): Promise<void> {
    const s = w.sessionId;
    const atScript = Boolean(w.breakpointId && hit.includes(w.breakpointId));
    this.#logger.debug('worker paused', { atScript, injected: w.injected });
    try {
      if (atScript) {
        // The top level runs once per start: a pause here is always a new start, even if no crash event told us.
        if (w.injected) this.#resetWorker(w);
        const expression = `(() => { ${this.#opts.serviceWorkerScript}\n; return PushAgentServiceWorker.install(${JSON.stringify(this.#binding)}); })()`;
        const r = await client.send('Runtime.evaluate', { expression, returnByValue: false }, s);
        if (r.exceptionDetails || !r.result.objectId) {
          w.settle.reject(
            new Error(
              `the service-worker script failed: ${shortMessage(r.exceptionDetails?.exception?.description ?? 'no object')}`,
            ),
          );
        } else {
          w.injected = true;
          w.settle.resolve(r.result.objectId);
          this.#notify();
        }
      }
    } catch (err) {
      w.settle.reject(new Error(shortMessage(err)));
    } finally {
      await client.send('Debugger.resume', undefined, s).catch(() => undefined);
    }
  }

  #notify(): void {
    for (const w of [...this.#waiters]) w();
  }

  /** Resolves with `probe()`'s first defined value, re-probing on every target or service-worker change. */
  #waitFor<T>(what: string, probe: () => T | undefined, timeoutMs: number): Promise<T> {
    const now = probe();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise<T>((resolve, reject) => {
      const check = () => {
        const v = probe();
        if (v === undefined) return;
        this.#waiters.delete(check);
        clearTimeout(timer);
        resolve(v);
      };
      // Real time on purpose: this bounds how long Chromium may take, not a rule of the engine.
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(Object.assign(new Error(`timed out waiting for ${what}`), { kind: 'worker-crashed' }));
      }, timeoutMs);
      this.#waiters.add(check);
    });
  }
}
