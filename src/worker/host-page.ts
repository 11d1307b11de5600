// The worker host page, served at https://<origin>/__push-agent__/host.html (one hidden page per origin). It owns
// the origin's dedicated Web Worker (running scope.ts, then the origin's worker script) and talks to the engine
// only through `globalThis.pushAgentBridge` (src/shared/worker-bridge.ts).
//
// Events run one at a time. The page enforces each event's deadline: a worker that hangs, busy-loops or never
// settles is terminated (it runs on its own thread, so the page stays responsive) and the outcome is `timeout`;
// the next event starts a fresh worker. Everything the worker asks for is validated here again before it reaches
// the bridge; the worker's code is the site's, not ours.

import {
  MAX_NOTIFICATIONS_PER_EVENT,
  MAX_WORKER_SCRIPT_BYTES,
  WORKER_SCOPE_SCRIPT,
  type BridgeDispatch,
  type BridgeOutcome,
  type WorkerBridge,
} from '../shared/worker-bridge.ts';
import { describeError, isFromWorker, type EventResult, type FromWorker, type ToWorker, type WireEvent } from './protocol.ts';

const MAX_DEADLINE_MS = 5 * 60_000;
const INSTALLED_KEY = '__push-agent__:installed';

type LoadResult = { ok: true } | { ok: false; kind: 'script-fetch-failed' | 'script-error'; message: string };

interface RunningWorker {
  worker: Worker;
  port: MessagePort;
  scriptURL: string;
  loaded: Promise<LoadResult>;
  resolveLoaded: (r: LoadResult) => void;
  events: Map<number, (r: EventResult | null) => void>;
}

interface CurrentEvent {
  type: WireEvent['type'];
  /** Notifications asked for (and not refused) during this event; beyond the cap they are dropped. */
  reserved: number;
}

let running: RunningWorker | null = null;
let current: CurrentEvent | null = null;
let nextEventId = 1;
let queue: Promise<unknown> = Promise.resolve();

function installedScripts(): Set<string> {
  try {
    const raw = localStorage.getItem(INSTALLED_KEY);
    const list: unknown = raw ? JSON.parse(raw) : [];
    return new Set(Array.isArray(list) ? list.filter((s): s is string => typeof s === 'string') : []);
  } catch {
    return new Set();
  }
}

function markInstalled(scriptURL: string): void {
  try {
    // One script per origin in practice; keep only the current one.
    localStorage.setItem(INSTALLED_KEY, JSON.stringify([scriptURL]));
  } catch {
    // Without storage the worker is installed again on its next start; harmless.
  }
}

function terminate(r: RunningWorker | null = running): void {
  if (!r) return;
  if (running === r) running = null;
  r.worker.terminate();
  r.port.close();
  r.resolveLoaded({ ok: false, kind: 'script-error', message: 'worker terminated' });
  for (const settle of r.events.values()) settle(null);
  r.events.clear();
}

function send(r: RunningWorker, message: ToWorker, transfer: Transferable[] = []): void {
  r.port.postMessage(message, transfer);
}

function startWorker(scriptURL: string, scope: string): RunningWorker {
  const worker = new Worker(WORKER_SCOPE_SCRIPT, { name: 'push-agent-worker' });
  const channel = new MessageChannel();
  let resolveLoaded!: (r: LoadResult) => void;
  const loaded = new Promise<LoadResult>((resolve) => {
    resolveLoaded = resolve;
  });
  const r: RunningWorker = { worker, port: channel.port1, scriptURL, loaded, resolveLoaded, events: new Map() };
  channel.port1.onmessage = (ev) => {
    if (running !== r) return;
    const m: unknown = ev.data;
    if (isFromWorker(m)) onWorkerMessage(r, m);
  };
  // Uncaught errors outside any event (a timer callback throwing, say) are the site's business: they are not
  // an event's outcome. A worker that fails to start at all never sends `loaded`.
  worker.onerror = (ev) => {
    ev.preventDefault();
    if (running === r) r.resolveLoaded({ ok: false, kind: 'script-error', message: ev.message || 'worker failed to start' });
  };
  worker.postMessage({ t: 'init', scriptURL, scope } satisfies ToWorker, [channel.port2]);
  return r;
}

function onWorkerMessage(r: RunningWorker, m: FromWorker): void {
  switch (m.t) {
    case 'loaded':
      r.resolveLoaded({ ok: true });
      return;
    case 'load-failed':
      r.resolveLoaded({ ok: false, kind: m.kind, message: m.message });
      return;
    case 'done': {
      const settle = r.events.get(m.id);
      r.events.delete(m.id);
      settle?.(m.result);
      return;
    }
    case 'call':
      void serveCall(r, m);
      return;
  }
}

function reply(r: RunningWorker, id: number, result: { ok: true; value: unknown } | { ok: false; name: string; message: string }): void {
  if (running !== r) return;
  send(r, { t: 'reply', id, ...result } as ToWorker);
}

function isHttpURL(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}

async function serveCall(r: RunningWorker, m: Extract<FromWorker, { t: 'call' }>): Promise<void> {
  const bridge = getBridge();
  const event = current;
  if (!bridge || !event) {
    reply(r, m.id, { ok: false, name: 'InvalidStateError', message: 'No event is running.' });
    return;
  }
  try {
    switch (m.method) {
      case 'showNotification': {
        if (event.reserved >= MAX_NOTIFICATIONS_PER_EVENT) {
          reply(r, m.id, { ok: true, value: undefined });
          return;
        }
        event.reserved++;
        try {
          await bridge.showNotification(m.title, m.options);
        } catch (err) {
          event.reserved--;
          reply(r, m.id, { ok: false, name: 'TypeError', message: bridgeMessage(err) });
          return;
        }
        reply(r, m.id, { ok: true, value: undefined });
        return;
      }
      case 'getNotifications':
        reply(r, m.id, { ok: true, value: await bridge.getNotifications(m.tag) });
        return;
      case 'openWindow': {
        const allowed = event.type === 'notificationclick' && isHttpURL(m.url);
        reply(r, m.id, { ok: true, value: allowed ? (await bridge.openWindow(m.url)) === true : false });
        return;
      }
      case 'getSubscription':
        reply(r, m.id, { ok: true, value: await bridge.getSubscription() });
        return;
    }
  } catch (err) {
    reply(r, m.id, { ok: false, name: 'InvalidStateError', message: bridgeMessage(err) });
  }
}

/** The message of an error that crossed the bridge, without the transport's wrapping. */
function bridgeMessage(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0]!.replace(/^(Error|TypeError): /, '').slice(0, 512);
}

function runWireEvent(r: RunningWorker, event: WireEvent): Promise<EventResult | null> {
  const id = nextEventId++;
  return new Promise((resolve) => {
    r.events.set(id, resolve);
    send(r, { t: 'event', id, event });
  });
}

const TERMINATED: BridgeOutcome = { status: 'error', code: 303, kind: 'worker-terminated', message: 'worker terminated' };

/**
 * The script size cap (docs/architecture.md "Sites' own service workers"), checked before a worker starts: the page fetches the script itself, reading at
 * most the cap, and the worker's importScripts fetches it again (usually from the HTTP cache). A server that answers
 * the two fetches differently gets past the check; the worker's deadline and crash isolation still hold then.
 */
async function checkScript(scriptURL: string): Promise<LoadResult | { ok: false; kind: 'script-too-large'; message: string }> {
  const tooLarge = { ok: false as const, kind: 'script-too-large' as const, message: `the worker script is larger than ${MAX_WORKER_SCRIPT_BYTES} bytes` };
  let response: Response;
  try {
    response = await fetch(scriptURL, { credentials: 'same-origin' });
  } catch {
    return { ok: false, kind: 'script-fetch-failed', message: 'the worker script could not be fetched' };
  }
  if (!response.ok) {
    void response.body?.cancel().catch(() => undefined);
    return { ok: false, kind: 'script-fetch-failed', message: `the worker script could not be fetched (HTTP ${response.status})` };
  }
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > MAX_WORKER_SCRIPT_BYTES) {
    void response.body?.cancel().catch(() => undefined);
    return tooLarge;
  }
  const reader = response.body?.getReader();
  if (!reader) return { ok: true };
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { ok: true };
      total += value.byteLength;
      if (total > MAX_WORKER_SCRIPT_BYTES) {
        void reader.cancel().catch(() => undefined);
        return tooLarge;
      }
    }
  } catch {
    return { ok: false, kind: 'script-fetch-failed', message: 'the worker script could not be read' };
  }
}

async function run(request: BridgeDispatch, deadline: { passed: boolean }): Promise<BridgeOutcome> {
  if (running && running.scriptURL !== request.scriptURL) terminate();
  if (!running) {
    const checked = await checkScript(request.scriptURL);
    if (!checked.ok) return { status: 'error', code: 303, kind: checked.kind, message: checked.message };
    // A run whose deadline passed during the check must not start a worker the next event would share.
    if (deadline.passed) return TERMINATED;
  }
  const r = running ?? (running = startWorker(request.scriptURL, request.scope));
  const load = await r.loaded;
  // After a timeout the worker is gone and a later event may own `running`: a stale run stops here.
  if (running !== r) return TERMINATED;
  if (!load.ok) {
    terminate(r);
    return { status: 'error', code: 303, kind: load.kind, message: load.message };
  }
  if (!installedScripts().has(request.scriptURL)) {
    for (const type of ['install', 'activate'] as const) {
      current = { type, reserved: 0 };
      const result = await runWireEvent(r, { type });
      if (!result || running !== r) return TERMINATED;
      if (result.status === 'error') {
        terminate(r);
        return { status: 'error', code: 303, kind: 'install-failed', message: `${type}: ${result.message}` };
      }
    }
    markInstalled(request.scriptURL);
  }
  current = { type: request.event.type, reserved: 0 };
  const result = await runWireEvent(r, request.event);
  if (!result) return TERMINATED;
  return result.status === 'ok' ? { status: 'ok' } : { status: 'error', code: result.code, kind: result.kind, message: result.message };
}

function isDispatch(v: unknown): v is BridgeDispatch {
  if (typeof v !== 'object' || v === null) return false;
  const d = v as Record<string, unknown>;
  const e = d.event as Record<string, unknown> | null;
  return (
    typeof d.scriptURL === 'string' &&
    typeof d.scope === 'string' &&
    typeof d.deadlineMs === 'number' &&
    typeof e === 'object' &&
    e !== null &&
    ['push', 'pushsubscriptionchange', 'notificationclick', 'notificationclose'].includes(e.type as string) &&
    (e.type !== 'push' || e.data === null || typeof e.data === 'string')
  );
}

function runWithDeadline(request: BridgeDispatch): Promise<BridgeOutcome> {
  const deadline = Math.min(Math.max(Number.isFinite(request.deadlineMs) ? request.deadlineMs : 0, 1), MAX_DEADLINE_MS);
  return new Promise<BridgeOutcome>((resolve) => {
    let finished = false;
    const finish = (outcome: BridgeOutcome) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      current = null;
      resolve(outcome);
    };
    const passed = { passed: false };
    const timer = setTimeout(() => {
      // The worker runs on its own thread: terminate() stops even a busy loop.
      passed.passed = true;
      terminate();
      finish({ status: 'timeout' });
    }, deadline);
    run(request, passed).then(finish, (err: unknown) => finish({ status: 'error', code: 303, kind: 'bridge-error', message: describeError(err) }));
  });
}

function dispatch(request: BridgeDispatch): Promise<BridgeOutcome> {
  if (!isDispatch(request)) return Promise.resolve({ status: 'error', code: 303, kind: 'bridge-error', message: 'invalid dispatch request' });
  const result = queue.then(() => runWithDeadline(request));
  queue = result.catch(() => undefined);
  return result;
}

function getBridge(): WorkerBridge | undefined {
  return (globalThis as { pushAgentBridge?: WorkerBridge }).pushAgentBridge;
}

const bridge = getBridge();
if (bridge) bridge.onDispatch(dispatch);
else document.title = 'Push Agent worker host: no bridge';
