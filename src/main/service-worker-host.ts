// The WorkerHost port (src/engine/ports.ts) over Electron's service-worker API, without importing Electron: main.ts
// passes the sessions' `serviceWorkers` (electron-service-workers.ts), tests pass the stand-in electron module's.
// Everything Electron cannot be asked to decide lives here and runs under Node in the tests.
//
// Electron 45 APIs relied on (docs/api/service-workers.md, service-worker-main.md, ipc-main-service-worker.md of
// v45.0.0-nightly.20260821, and lib/browser/api/service-worker-main.ts, shell/browser/api/
// electron_api_service_worker_main.cc of the same tag): `startWorkerForScope(scope)` starts a stopped worker and
// resolves with its ServiceWorkerMain (rejects "Failed to start service worker." without saying why);
// `ServiceWorkerMain.send` (a destroyed worker: Electron logs and drops the message); `startTask()` (throws once the
// version is destroyed; its task never times out) and `end()`; `ServiceWorkerMain.ipc.on`.
//
// What Electron has no API for, decided here (docs/architecture.md "The Electron host"):
// - a runaway worker at its deadline: the outcome is `timeout` at once and the task is ended, so nothing of ours
//   keeps the worker alive; Chromium's own idle timeout then stops it and terminates its thread by force. The
//   worker is not trusted again until it stopped: dispatches to that version are refused meanwhile.
// - `registration.pushManager`: answered by the origin's SiteService (`sites`) for `ServiceWorkerMain.scope`.
// - `registration.unregister()`: the service-worker preload wraps it and reports the scope on CHANNEL.call; at
//   start, `reconcile` starts the worker of each subscribed scope and reports scopes that cannot be started twice.

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
import { siteOrigin } from './url-policy.ts';
import { SW_CHANNEL } from '../shared/service-worker-channel.ts';
import {
  MAX_NOTIFICATIONS_PER_EVENT,
  scriptEvent,
  serveNotificationCall,
  servePushManagerCall,
  shortMessage,
  type EventNotifications,
} from '../engine/service-worker-wire.ts';
import type { PushBridge } from '../shared/push-manager.ts';

export { SW_CHANNEL };

export { MAX_NOTIFICATIONS_PER_EVENT };

/** What this host uses of Electron's ServiceWorkerMain. */
export interface ServiceWorkerHandle {
  readonly scope: string;
  readonly scriptURL: string;
  readonly versionId: number;
  isDestroyed(): boolean;
  send(channel: string, ...args: unknown[]): void;
  startTask(): { end(): void };
  readonly ipc: { on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown };
}

/** The origin's session's `serviceWorkers`. */
export interface ServiceWorkerStarter {
  startWorkerForScope(origin: string, scope: string): Promise<ServiceWorkerHandle>;
}

/** The largest call a worker may send (notification options and arguments as JSON; `data` stays in the worker). */
const MAX_CALL_JSON = 64 * 1024;

type Result =
  { status: 'ok' } | { status: 'error'; code: 301 | 302 | 303; kind: string; message: string } | { status: 'timeout' };

interface OriginState {
  origin: string;
  client: WorkerClient | null;
  event: (EventNotifications & { opened: boolean }) | null;
  /** The task keeping the last worker alive after its event (keepAliveMs), and its timer. */
  task: { end(): void } | null;
  idle: TimerHandle | null;
}

/** A worker's outcome, rebuilt from the fields the contract has: anything else from the site's side is dropped. */
function toResult(v: unknown): Result {
  const r = v as { status?: unknown; code?: unknown; kind?: unknown; message?: unknown } | null;
  if (r && typeof r === 'object' && r.status === 'ok') return { status: 'ok' };
  if (r && typeof r === 'object' && r.status === 'error' && (r.code === 301 || r.code === 302 || r.code === 303)) {
    return {
      status: 'error',
      code: r.code,
      kind: typeof r.kind === 'string' ? r.kind.slice(0, 64) : 'bridge-error',
      message: shortMessage(r.message),
    };
  }
  return { status: 'error', code: 303, kind: 'bridge-error', message: 'malformed outcome' };
}

export class ServiceWorkerHost implements WorkerHost {
  readonly #workers: ServiceWorkerStarter;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #origins = new OriginLanes<OriginState>((origin) => ({
    origin,
    client: null,
    event: null,
    task: null,
    idle: null,
  }));
  /** Workers whose ipc is wired, by version. */
  readonly #wired = new WeakSet<object>();
  readonly #pending = new Map<number, (r: Result) => void>();
  /** Versions that missed a deadline: not trusted until Chromium stopped them (`versionStopped`). */
  readonly #runaway = new Set<number>();
  readonly #deleted = new Set<(scope: string) => void>();
  #nextId = 1;
  #closed = false;

  readonly #sites: ((origin: string) => PushBridge | undefined) | undefined;

  /** `sites(origin)`: the origin's SiteService, which answers the worker's `registration.pushManager`. */
  constructor(opts: {
    workers: ServiceWorkerStarter;
    clock: Clock;
    logger: Logger;
    sites?: (origin: string) => PushBridge | undefined;
  }) {
    this.#workers = opts.workers;
    this.#sites = opts.sites;
    this.#clock = opts.clock;
    this.#logger = opts.logger;
  }

  dispatch(request: WorkerDispatch, client: WorkerClient): Promise<WorkerOutcome> {
    const origin = siteOrigin(request.origin);
    if (!origin) return Promise.resolve(refusedDispatch('invalid-origin'));
    if (this.#closed) return Promise.resolve(refusedDispatch('closed'));
    return this.#origins.run(origin, (state) => this.#run(state, request, client));
  }

  /** Ends what keeps the origin's worker alive; Chromium stops it when idle (Electron has no stop API). */
  async stop(origin: string): Promise<void> {
    const state = this.#origins.get(origin);
    if (state) this.#release(state);
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const s of this.#origins.states()) this.#release(s);
  }

  onRegistrationDeleted(listener: (scope: string) => void): void {
    this.#deleted.add(listener);
  }

  #outside: ((worker: WorkerRef) => WorkerClient) | null = null;

  /**
   * Calls made outside our events go to the engine's client. Only workers this host has wired are heard (started
   * for an event or at reconcile): see docs/architecture.md "The Electron host".
   */
  serveOutsideEvents(serve: (worker: WorkerRef) => WorkerClient): void {
    this.#outside = serve;
  }

  /** Chromium stopped this version (`running-status-changed` to `stopped`): a runaway one may run again. */
  versionStopped(versionId: number): void {
    this.#runaway.delete(versionId);
  }

  /**
   * At start: every subscribed scope's worker must still start. Electron rejects without saying why, so a scope is
   * reported deleted only when two attempts fail; anything else leaves the subscription as it is.
   */
  async reconcile(scopes: Array<{ origin: string; scope: string }>): Promise<string[]> {
    const gone: string[] = [];
    for (const { origin, scope } of scopes) {
      let started = false;
      for (let attempt = 0; attempt < 2 && !started; attempt++) {
        try {
          const w = await this.#workers.startWorkerForScope(origin, scope);
          this.#wire(origin, w);
          started = true;
        } catch {
          // Retried once: a start can fail for reasons other than a missing registration.
        }
      }
      if (!started) {
        gone.push(scope);
        this.#logger.info('a subscribed service worker registration is gone', { origin });
        for (const l of this.#deleted) l(scope);
      }
    }
    return gone;
  }

  async #run(state: OriginState, request: WorkerDispatch, client: WorkerClient): Promise<WorkerOutcome> {
    if (state.idle) this.#clock.clearTimeout(state.idle);
    state.idle = null;
    const counter = { reserved: 0, shown: 0, opened: false };
    let outcome: Result;
    let task: { end(): void } | null = null;
    try {
      const worker = await this.#workers.startWorkerForScope(state.origin, request.scope);
      if (this.#runaway.has(worker.versionId))
        throw Object.assign(new Error('the worker missed its last deadline and has not stopped yet'), {
          kind: 'worker-crashed',
        });
      this.#wire(state.origin, worker);
      // The new task first, then the previous keep-alive ends: the worker is never left without one in between.
      task = worker.startTask();
      this.#release(state);
      state.client = client;
      state.event = counter;
      outcome = await this.#dispatchTo(worker, request);
      if (outcome.status === 'timeout') {
        this.#runaway.add(worker.versionId);
        task.end();
        task = null;
      }
    } catch (err) {
      outcome = {
        status: 'error',
        code: 303,
        kind: (err as { kind?: string }).kind ?? 'worker-crashed',
        message: shortMessage(err),
      };
      if (task) endQuietly(task);
      task = null;
    } finally {
      state.client = null;
      state.event = null;
    }
    if (task && !this.#closed) {
      state.task = task;
      const idle = this.#clock.setTimeout(
        () => {
          if (state.idle === idle) this.#release(state);
        },
        Math.max(0, request.keepAliveMs),
      );
      idle.unref?.();
      state.idle = idle;
    } else if (task) endQuietly(task);
    return { ...outcome, shown: counter.shown };
  }

  #dispatchTo(worker: ServiceWorkerHandle, request: WorkerDispatch): Promise<Result> {
    const id = this.#nextId++;
    return new Promise<Result>((resolve) => {
      const finish = (r: Result) => {
        if (!this.#pending.delete(id)) return;
        this.#clock.clearTimeout(deadline);
        resolve(r);
      };
      const deadline = this.#clock.setTimeout(() => finish({ status: 'timeout' }), request.deadlineMs);
      this.#pending.set(id, finish);
      if (worker.isDestroyed())
        return finish({ status: 'error', code: 303, kind: 'worker-terminated', message: 'the worker stopped' });
      worker.send(SW_CHANNEL.event, id, scriptEvent(request.event));
    });
  }

  #release(state: OriginState): void {
    if (state.idle) this.#clock.clearTimeout(state.idle);
    state.idle = null;
    const task = state.task;
    state.task = null;
    if (task) endQuietly(task);
  }

  /** Listens to a worker's calls once per ServiceWorkerMain; the origin is the one its session belongs to. */
  #wire(origin: string, worker: ServiceWorkerHandle): void {
    if (this.#wired.has(worker)) return;
    this.#wired.add(worker);
    worker.ipc.on(SW_CHANNEL.outcome, (_e, id, result) => {
      if (typeof id !== 'number') return;
      this.#pending.get(id)?.(toResult(result));
    });
    worker.ipc.on(SW_CHANNEL.call, (_e, raw) => void this.#serve(origin, worker, raw));
  }

  async #serve(origin: string, worker: ServiceWorkerHandle, raw: unknown): Promise<void> {
    let id = 0;
    let ok = true;
    let value: unknown = null;
    try {
      // A worker's call is the site's code talking: bounded before it is parsed.
      if (typeof raw !== 'string' || raw.length > MAX_CALL_JSON) return;
      const msg = JSON.parse(raw) as { id?: unknown; method?: unknown; args?: unknown };
      if (typeof msg.id !== 'number' || typeof msg.method !== 'string' || !Array.isArray(msg.args)) return;
      id = msg.id;
      if (msg.method === 'unregistered') {
        // Only the worker's own registration: the scope is Electron's, never the message's.
        for (const l of this.#deleted) l(worker.scope);
        return;
      }
      // The worker's pushManager: for the registration Electron says the worker has, never one from the message.
      const pushed = await servePushManagerCall(
        this.#sites?.(origin),
        { scope: worker.scope, scriptURL: worker.scriptURL },
        msg.method,
        msg.args as unknown[],
      );
      value = pushed ? pushed.value : await this.#call(origin, worker, msg.method, msg.args as unknown[]);
    } catch (err) {
      ok = false;
      value = { name: (err as Error).name === 'TypeError' ? 'TypeError' : 'AbortError', message: shortMessage(err) };
    }
    if (id && !worker.isDestroyed()) worker.send(SW_CHANNEL.reply, id, ok, value ?? null);
  }

  async #call(origin: string, worker: ServiceWorkerHandle, method: string, args: unknown[]): Promise<unknown> {
    const state = this.#origins.get(origin);
    if (!state?.client || !state.event) {
      // No event of ours runs: the engine's client for this worker decides (Electron's scope and script, never the
      // message's); no per-event cap or window there.
      if (!this.#outside) throw new Error('No event is running.');
      const served = await serveNotificationCall(
        this.#outside({ origin, scope: worker.scope, scriptURL: worker.scriptURL }),
        { reserved: 0, shown: 0 },
        method,
        args,
      );
      if (served) return served.value;
      if (method === 'openWindow' || method === 'focus') return false;
      throw new Error('unknown method');
    }
    const client = state.client;
    const event = state.event;
    const served = await serveNotificationCall(client, event, method, args);
    if (served) return served.value;
    switch (method) {
      case 'openWindow':
        // One window per event (per click), counted here in main where the URL is opened.
        if (event.opened || typeof args[0] !== 'string') return false;
        event.opened = true;
        return (await client.openWindow(args[0])) === true;
      case 'focus':
        // Site windows are the app's; the worker's page clients are not focused from here.
        return false;
      default:
        throw new Error('unknown method');
    }
  }
}

function endQuietly(task: { end(): void }): void {
  try {
    task.end();
  } catch {
    // The worker was destroyed meanwhile: its task went with it.
  }
}
