// The WorkerHost port on Electron (design.md §2, §6): one hidden, sandboxed window per origin at
// https://<origin>/__push-agent__/host.html in the site's session, with the worker preload's bridge. It mirrors
// tests/support/playwright-worker-host.ts (its tested twin on Chromium): one event at a time per origin, origins
// independent, a watchdog past the page's own deadline, idle close after keepAliveMs, and a crashed renderer
// (`render-process-gone`) answered as 303 worker-crashed, with restarts spaced by a backoff.

import { BrowserWindow } from 'electron';
import type { Clock, Logger, TimerHandle, WorkerClient, WorkerDispatch, WorkerHost, WorkerOutcome } from '../engine/ports.ts';
import type { WorkerCall } from '../shared/ipc.ts';
import { IpcChannel } from '../shared/ipc.ts';
import { MAX_NOTIFICATIONS_PER_EVENT, WORKER_HOST_PAGE, type BridgeDispatch, type BridgeEvent, type BridgeOutcome } from '../shared/worker-bridge.ts';
import type { IpcHub } from './ipc-hub.ts';
import { RestartBackoff } from './restart-backoff.ts';
import type { SiteSessions } from './site-sessions.ts';
import { siteOrigin } from './url-policy.ts';

export interface ElectronWorkerHostOptions {
  hub: IpcHub;
  sessions: SiteSessions;
  /** Absolute path of dist/preload/worker.cjs. */
  preload: string;
  clock: Clock;
  logger: Logger;
  /** How long past an event's deadline to wait for the page before closing it (the page enforces the deadline). */
  watchdogGraceMs?: number;
}

interface OriginState {
  origin: string;
  window: Promise<BrowserWindow> | null;
  queue: Promise<unknown>;
  client: WorkerClient | null;
  event: { reserved: number; shown: number } | null;
  idle: TimerHandle | null;
  backoff: RestartBackoff;
  pending: Map<number, (outcome: BridgeOutcome) => void>;
}

function toBridgeEvent(event: WorkerDispatch['event']): BridgeEvent {
  if (event.type === 'push') {
    return { type: 'push', data: event.data ? Buffer.from(event.data).toString('base64') : null, ...(event.notification ? { notification: event.notification } : {}) };
  }
  return JSON.parse(JSON.stringify(event)) as BridgeEvent;
}

const plain = <T>(value: T): T => (value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T));

export class ElectronWorkerHost implements WorkerHost {
  readonly #opts: ElectronWorkerHostOptions;
  readonly #origins = new Map<string, OriginState>();
  #nextDispatchId = 1;
  #closed = false;

  constructor(opts: ElectronWorkerHostOptions) {
    this.#opts = opts;
  }

  dispatch(request: WorkerDispatch, client: WorkerClient): Promise<WorkerOutcome> {
    const origin = siteOrigin(request.origin);
    if (!origin) return Promise.resolve({ status: 'error', code: 303, kind: 'bridge-error', message: 'invalid origin', shown: 0 });
    if (this.#closed) return Promise.resolve({ status: 'error', code: 303, kind: 'worker-terminated', message: 'host closed', shown: 0 });
    let state = this.#origins.get(origin);
    if (!state) {
      state = { origin, window: null, queue: Promise.resolve(), client: null, event: null, idle: null, backoff: new RestartBackoff(), pending: new Map() };
      this.#origins.set(origin, state);
    }
    const s = state;
    const result = s.queue.then(() => this.#run(s, request, client));
    s.queue = result.catch(() => undefined);
    return result;
  }

  async stop(origin: string): Promise<void> {
    const state = this.#origins.get(origin);
    if (state) await this.#closeWindow(state);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#origins.values()].map((s) => this.#closeWindow(s)));
  }

  async #run(state: OriginState, request: WorkerDispatch, client: WorkerClient): Promise<WorkerOutcome> {
    if (state.idle) this.#opts.clock.clearTimeout(state.idle);
    state.idle = null;
    const counter = { reserved: 0, shown: 0 };
    let outcome: BridgeOutcome;
    const wait = state.window ? 0 : state.backoff.waitMs(this.#opts.clock.now());
    if (wait > 0) {
      // Not restarted yet: a page that crashes on load must not spin. The engine's policy decides about retries.
      return { status: 'error', code: 303, kind: 'worker-crashed', message: `restarting after a crash in ${Math.ceil(wait / 1000)} s`, shown: 0 };
    }
    try {
      const win = await this.#window(state);
      state.client = client;
      state.event = counter;
      outcome = await this.#dispatchToWindow(state, win, request);
    } catch (err) {
      outcome = { status: 'error', code: 303, kind: 'bridge-error', message: String((err as Error)?.message ?? err).split('\n')[0]!.slice(0, 512) };
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

  #dispatchToWindow(state: OriginState, win: BrowserWindow, request: WorkerDispatch): Promise<BridgeOutcome> {
    const id = this.#nextDispatchId++;
    const bridgeRequest: BridgeDispatch = { scriptURL: request.scriptURL, scope: request.scope, event: toBridgeEvent(request.event), deadlineMs: request.deadlineMs };
    const contents = win.webContents;
    return new Promise<BridgeOutcome>((resolve) => {
      let done = false;
      const finish = (outcome: BridgeOutcome, closeWindow: boolean) => {
        if (done) return;
        done = true;
        this.#opts.clock.clearTimeout(watchdog);
        state.pending.delete(id);
        contents.off('render-process-gone', onGone);
        contents.off('destroyed', onDestroyed);
        if (closeWindow) void this.#closeWindow(state);
        resolve(outcome);
      };
      const onGone = () => {
        state.backoff.crashed(this.#opts.clock.now());
        finish({ status: 'error', code: 303, kind: 'worker-crashed', message: 'the worker host crashed' }, true);
      };
      const onDestroyed = () => finish({ status: 'error', code: 303, kind: 'worker-terminated', message: 'the worker was stopped' }, true);
      // The page enforces the deadline itself; this only catches a page that stopped answering.
      const watchdog = this.#opts.clock.setTimeout(() => finish({ status: 'timeout' }, true), request.deadlineMs + (this.#opts.watchdogGraceMs ?? 2_000));
      watchdog.unref?.();
      contents.on('render-process-gone', onGone);
      contents.on('destroyed', onDestroyed);
      state.pending.set(id, (outcome) => finish(outcome, false));
      contents.send(IpcChannel.workerDispatch, id, bridgeRequest);
    });
  }

  async #closeWindow(state: OriginState): Promise<void> {
    if (state.idle) this.#opts.clock.clearTimeout(state.idle);
    state.idle = null;
    const win = state.window;
    state.window = null;
    const w = win && (await win.catch(() => null));
    if (w && !w.isDestroyed()) w.destroy();
  }

  #window(state: OriginState): Promise<BrowserWindow> {
    if (!state.window) {
      const opening = this.#openWindow(state);
      state.window = opening;
      opening.catch(() => {
        if (state.window === opening) state.window = null;
      });
    }
    return state.window;
  }

  async #openWindow(state: OriginState): Promise<BrowserWindow> {
    const win = new BrowserWindow({
      show: false,
      webPreferences: {
        session: this.#opts.sessions.get(state.origin),
        preload: this.#opts.preload,
        sandbox: true,
        contextIsolation: true,
        nodeIntegration: false,
        webviewTag: false,
        spellcheck: false,
        // Timers in a hidden window must run at full speed or deadlines mean nothing.
        backgroundThrottling: false,
      },
    });
    const contents = win.webContents;
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    contents.on('will-navigate', (event) => event.preventDefault());
    contents.on('render-process-gone', (_event, details) => {
      this.#opts.logger.warn('worker host renderer gone', { reason: details.reason });
      if (!state.pending.size) state.backoff.crashed(this.#opts.clock.now());
      void this.#closeWindow(state);
    });
    this.#opts.hub.registerWorker(contents, state.origin, {
      call: (c) => this.#serve(state, c),
      outcome: (dispatchId, outcome) => state.pending.get(dispatchId)?.(outcome),
    });
    try {
      await win.loadURL(`${state.origin}${WORKER_HOST_PAGE}`);
    } catch (err) {
      if (!win.isDestroyed()) win.destroy();
      throw new Error(`the worker host page did not load: ${(err as Error).message.split('\n')[0]}`);
    }
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
