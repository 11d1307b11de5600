// The WorkerHost port (src/engine/ports.ts) over "host windows": everything about running origins' workers except
// how a window is made. Electron makes them with hidden BrowserWindows (electron-worker-host.ts); the unit tests
// with stand-ins driven by a manual clock. Mirrors tests/support/playwright-worker-host.ts: one event at a time
// per origin, origins independent, a watchdog past the page's own deadline, idle close after keepAliveMs, a dead
// renderer answered as 303 worker-crashed, and restarts after a crash spaced by a backoff.

import type { Clock, Logger, TimerHandle, WorkerClient, WorkerDispatch, WorkerHost, WorkerOutcome } from '../engine/ports.ts';
import type { WorkerCall } from '../shared/ipc.ts';
import { MAX_NOTIFICATIONS_PER_EVENT, type BridgeDispatch, type BridgeEvent, type BridgeOutcome } from '../shared/worker-bridge.ts';
import { RestartBackoff } from './restart-backoff.ts';
import { siteOrigin } from './url-policy.ts';
import { OriginLanes, refusedDispatch } from '../engine/origin-lanes.ts';

/** What the host page's bridge asks of main for one origin (already validated by the IPC hub). */
export interface HostBridge {
  call(call: WorkerCall): Promise<unknown>;
  outcome(dispatchId: number, outcome: BridgeOutcome): void;
}

/** One origin's loaded host page. */
export interface HostWindow {
  dispatch(dispatchId: number, request: BridgeDispatch): void;
  /** The renderer died ('crashed') or the window went away ('destroyed'). Returns the unsubscribe function. */
  onEnd(listener: (why: 'crashed' | 'destroyed') => void): () => void;
  destroy(): void;
}

export interface HostWindowFactory {
  /** Opens the origin's host page with its bridge wired to `bridge`; rejects when the page does not load. */
  open(origin: string, bridge: HostBridge): Promise<HostWindow>;
}

export interface WindowedWorkerHostOptions {
  windows: HostWindowFactory;
  clock: Clock;
  logger: Logger;
  /** How long past an event's deadline to wait for the page before closing it (the page enforces the deadline). */
  watchdogGraceMs?: number;
  restart?: { initialMs?: number; maxMs?: number };
}

interface OriginState {
  origin: string;
  window: Promise<HostWindow> | null;
  /** The loaded window, once open: events from an older, closed window are ignored. */
  current: HostWindow | null;
  client: WorkerClient | null;
  event: { reserved: number; shown: number } | null;
  idle: TimerHandle | null;
  backoff: RestartBackoff;
  pending: Map<number, (outcome: BridgeOutcome) => void>;
}

export function toBridgeEvent(event: WorkerDispatch['event']): BridgeEvent {
  if (event.type === 'push') {
    const data = event.data ? btoa(Array.from(event.data, (b) => String.fromCharCode(b)).join('')) : null;
    return { type: 'push', data, ...(event.notification ? { notification: event.notification } : {}) };
  }
  return JSON.parse(JSON.stringify(event)) as BridgeEvent;
}

const plain = <T>(value: T): T => (value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T));
const firstLine = (err: unknown) => String((err as Error)?.message ?? err).split('\n')[0]!.slice(0, 512);

export class WindowedWorkerHost implements WorkerHost {
  readonly #opts: WindowedWorkerHostOptions;
  readonly #origins: OriginLanes<OriginState>;
  #nextDispatchId = 1;
  #closed = false;

  constructor(opts: WindowedWorkerHostOptions) {
    this.#opts = opts;
    this.#origins = new OriginLanes((origin) => ({ origin, window: null, current: null, client: null, event: null, idle: null, backoff: new RestartBackoff(opts.restart), pending: new Map() }));
  }

  /** Origins whose host window is open or opening. */
  runningOrigins(): string[] {
    return this.#origins.states().filter((s) => s.window).map((s) => s.origin);
  }

  dispatch(request: WorkerDispatch, client: WorkerClient): Promise<WorkerOutcome> {
    const origin = siteOrigin(request.origin);
    if (!origin) return Promise.resolve(refusedDispatch('invalid-origin'));
    if (this.#closed) return Promise.resolve(refusedDispatch('closed'));
    return this.#origins.run(origin, (state) => this.#run(state, request, client));
  }

  async stop(origin: string): Promise<void> {
    const state = this.#origins.get(origin);
    if (state) await this.#closeWindow(state);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#origins.states().map((s) => this.#closeWindow(s)));
  }

  async #run(state: OriginState, request: WorkerDispatch, client: WorkerClient): Promise<WorkerOutcome> {
    if (state.idle) this.#opts.clock.clearTimeout(state.idle);
    state.idle = null;
    const wait = state.window ? 0 : state.backoff.waitMs(this.#opts.clock.now());
    if (wait > 0) {
      // Not restarted yet: a page that crashes on load must not spin. The engine's policy decides about retries.
      return { status: 'error', code: 303, kind: 'worker-crashed', message: `restarting after a crash in ${Math.ceil(wait / 1000)} s`, shown: 0 };
    }
    const counter = { reserved: 0, shown: 0 };
    let outcome: BridgeOutcome;
    try {
      const win = await this.#window(state);
      state.client = client;
      state.event = counter;
      outcome = await this.#dispatchTo(state, win, request);
    } catch (err) {
      outcome = { status: 'error', code: 303, kind: 'bridge-error', message: firstLine(err) };
      await this.#closeWindow(state);
    } finally {
      state.event = null;
      state.client = null;
    }
    if (outcome.status === 'ok') state.backoff.succeeded();
    if (state.window && !this.#closed) {
      const idle = this.#opts.clock.setTimeout(() => {
        if (state.idle === idle) void this.#closeWindow(state);
      }, Math.max(0, request.keepAliveMs));
      idle.unref?.();
      state.idle = idle;
    }
    return { ...outcome, shown: counter.shown };
  }

  #dispatchTo(state: OriginState, win: HostWindow, request: WorkerDispatch): Promise<BridgeOutcome> {
    const id = this.#nextDispatchId++;
    const bridgeRequest: BridgeDispatch = { scriptURL: request.scriptURL, scope: request.scope, event: toBridgeEvent(request.event), deadlineMs: request.deadlineMs };
    return new Promise<BridgeOutcome>((resolve) => {
      let done = false;
      const finish = (outcome: BridgeOutcome, closeWindow: boolean) => {
        if (done) return;
        done = true;
        this.#opts.clock.clearTimeout(watchdog);
        state.pending.delete(id);
        stopWatching();
        if (closeWindow) void this.#closeWindow(state);
        resolve(outcome);
      };
      const stopWatching = win.onEnd((why) =>
        finish(
          why === 'crashed'
            ? { status: 'error', code: 303, kind: 'worker-crashed', message: 'the worker host crashed' }
            : { status: 'error', code: 303, kind: 'worker-terminated', message: 'the worker was stopped' },
          true,
        ),
      );
      // The page enforces the deadline itself; this only catches a page that stopped answering.
      const watchdog = this.#opts.clock.setTimeout(() => finish({ status: 'timeout' }, true), request.deadlineMs + (this.#opts.watchdogGraceMs ?? 2_000));
      watchdog.unref?.();
      state.pending.set(id, (outcome) => finish(outcome, false));
      win.dispatch(id, bridgeRequest);
    });
  }

  async #closeWindow(state: OriginState): Promise<void> {
    if (state.idle) this.#opts.clock.clearTimeout(state.idle);
    state.idle = null;
    const opening = state.window;
    state.window = null;
    state.current = null;
    const win = opening && (await opening.catch(() => null));
    win?.destroy();
  }

  #window(state: OriginState): Promise<HostWindow> {
    if (!state.window) {
      const opening: Promise<HostWindow> = this.#open(state).then((win) => {
        // Closed while it was opening: #closeWindow destroys it; it never becomes current.
        if (state.window === opening) state.current = win;
        return win;
      });
      state.window = opening;
      opening.catch(() => {
        if (state.window === opening) state.window = null;
      });
    }
    return state.window;
  }

  async #open(state: OriginState): Promise<HostWindow> {
    const win = await this.#opts.windows.open(state.origin, {
      call: (c) => this.#serve(state, c),
      outcome: (dispatchId, outcome) => state.pending.get(dispatchId)?.(outcome),
    });
    win.onEnd((why) => {
      if (state.current !== win) return;
      // Every crash counts towards the backoff, during an event or while idle.
      if (why === 'crashed') {
        state.backoff.crashed(this.#opts.clock.now());
        this.#opts.logger.warn('worker host renderer gone', { origin: state.origin });
      }
      void this.#closeWindow(state);
    });
    return win;
  }

  async #serve(state: OriginState, call: WorkerCall): Promise<unknown> {
    const client = state.client;
    const event = state.event;
    if (!client || !event) throw new Error('No event is running.');
    switch (call.method) {
      case 'showNotification': {
        if (event.reserved >= MAX_NOTIFICATIONS_PER_EVENT) return undefined;
        event.reserved++;
        try {
          await client.showNotification(call.args[0], call.args[1]);
        } catch (err) {
          event.reserved--;
          throw new Error((err as Error).message);
        }
        event.shown++;
        return undefined;
      }
      case 'getNotifications':
        return plain(client.getNotifications(call.args[0]));
      case 'openWindow':
        return (await client.openWindow(call.args[0])) === true;
      case 'getSubscription':
        return plain(client.getSubscription());
    }
  }
}
