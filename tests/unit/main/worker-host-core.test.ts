// The worker host's rules (src/main/worker-host-core.ts) with stand-in host windows and a manual clock: Electron's
// BrowserWindow cannot run here. The real host page behind these windows is tested in Chromium
// (tests/browser/preload-worker.test.ts, tests/browser/worker-runtime.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../../src/engine/log.ts';
import type { Clock, TimerHandle, WorkerClient, WorkerDispatch, WorkerOutcome } from '../../../src/engine/ports.ts';
import type { BridgeDispatch, BridgeOutcome } from '../../../src/shared/worker-bridge.ts';
import { WindowedWorkerHost, type HostBridge, type HostWindow, type HostWindowFactory } from '../../../src/main/worker-host-core.ts';

class ManualClock implements Clock {
  t = 0;
  timers = new Map<number, { at: number; fn: () => void }>();
  #next = 1;
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.#next++;
    this.timers.set(id, { at: this.t + ms, fn });
    return { id } as TimerHandle;
  }
  clearTimeout(h: TimerHandle): void {
    this.timers.delete((h as { id: number }).id);
  }
  async advance(ms: number): Promise<void> {
    this.t += ms;
    for (const [id, timer] of [...this.timers].sort((a, b) => a[1].at - b[1].at)) {
      if (timer.at <= this.t && this.timers.delete(id)) timer.fn();
    }
    await settle();
  }
}

const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

type Behaviour = (w: FakeWindow, id: number, request: BridgeDispatch) => void;

class FakeWindow implements HostWindow {
  readonly dispatched: BridgeDispatch[] = [];
  destroyed = false;
  readonly #listeners = new Set<(why: 'crashed' | 'destroyed') => void>();
  readonly origin: string;
  readonly bridge: HostBridge;
  behaviour: Behaviour;
  constructor(origin: string, bridge: HostBridge, behaviour: Behaviour) {
    this.origin = origin;
    this.bridge = bridge;
    this.behaviour = behaviour;
  }
  dispatch(id: number, request: BridgeDispatch): void {
    this.dispatched.push(request);
    this.behaviour(this, id, request);
  }
  onEnd(listener: (why: 'crashed' | 'destroyed') => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
  end(why: 'crashed' | 'destroyed'): void {
    for (const l of [...this.#listeners]) l(why);
  }
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.end('destroyed');
  }
}

class FakeWindows implements HostWindowFactory {
  readonly opened: FakeWindow[] = [];
  behaviour: Behaviour = (w, id) => w.bridge.outcome(id, { status: 'ok' });
  failLoad = false;
  async open(origin: string, bridge: HostBridge): Promise<HostWindow> {
    if (this.failLoad) throw new Error('the worker host page did not load: ERR_CONNECTION_REFUSED\nstack');
    const w = new FakeWindow(origin, bridge, (...a) => this.behaviour(...a));
    this.opened.push(w);
    return w;
  }
}

const client = (shown: string[] = []): WorkerClient => ({
  showNotification: async (title) => {
    if (title === 'bad') throw new TypeError('options refused');
    shown.push(title);
  },
  getNotifications: () => [],
  openWindow: async () => true,
  getSubscription: () => null,
});

const push = (origin = 'https://a.example', over: Partial<WorkerDispatch> = {}): WorkerDispatch => ({
  origin,
  scope: `${origin}/`,
  scriptURL: `${origin}/sw.js`,
  event: { type: 'push', data: new Uint8Array([104, 105]) },
  deadlineMs: 30_000,
  keepAliveMs: 30_000,
  ...over,
});

function setup() {
  const clock = new ManualClock();
  const windows = new FakeWindows();
  const host = new WindowedWorkerHost({ windows, clock, logger: silentLogger, watchdogGraceMs: 2_000, restart: { initialMs: 1_000, maxMs: 8_000 } });
  return { clock, windows, host };
}

test("a push runs in its origin's window, with its data as base64, and the notifications it shows are counted up to the cap", async () => {
  const { windows, host } = setup();
  const shown: string[] = [];
  windows.behaviour = (w, id) => {
    void (async () => {
      // A refused notification does not use up the cap; past the cap, calls resolve without showing.
      await assert.rejects(w.bridge.call({ method: 'showNotification', args: ['bad', {}] }), /options refused/);
      for (let i = 0; i < 10; i++) await w.bridge.call({ method: 'showNotification', args: [`n${i}`, {}] });
      w.bridge.outcome(id, { status: 'ok' });
    })();
  };
  const outcome = await host.dispatch(push(), client(shown));
  assert.deepEqual(outcome, { status: 'ok', shown: 8 });
  assert.equal(shown.length, 8);
  assert.equal(windows.opened.length, 1);
  assert.equal(windows.opened[0]!.origin, 'https://a.example');
  assert.deepEqual(windows.opened[0]!.dispatched[0]!.event, { type: 'push', data: 'aGk=' });
  await assert.rejects(windows.opened[0]!.bridge.call({ method: 'getSubscription', args: [] }), /No event is running/);
});

test('one origin runs one event at a time; another origin is never kept waiting by it', async () => {
  const { windows, host } = setup();
  const held: Array<() => void> = [];
  windows.behaviour = (w, id) => {
    if (w.origin === 'https://a.example') held.push(() => w.bridge.outcome(id, { status: 'ok' }));
    else w.bridge.outcome(id, { status: 'ok' });
  };
  const a1 = host.dispatch(push('https://a.example'), client());
  const a2 = host.dispatch(push('https://a.example'), client());
  assert.deepEqual(await host.dispatch(push('https://b.example'), client()), { status: 'ok', shown: 0 });
  await settle();
  assert.equal(held.length, 1, 'the second event of a.example waits for the first');
  held.shift()!();
  assert.equal((await a1).status, 'ok');
  await settle();
  assert.equal(held.length, 1);
  held.shift()!();
  assert.equal((await a2).status, 'ok');
  assert.equal(windows.opened.filter((w) => w.origin === 'https://a.example').length, 1, 'the window is reused');
});

test('a page that stops answering times out after the deadline and grace, and the next event gets a fresh window', async () => {
  const { clock, windows, host } = setup();
  windows.behaviour = () => {};
  const pending = host.dispatch(push('https://a.example', { deadlineMs: 10_000 }), client());
  await settle();
  await clock.advance(11_999);
  let done: WorkerOutcome | null = null;
  void pending.then((o) => (done = o));
  await settle();
  assert.equal(done, null);
  await clock.advance(1);
  assert.deepEqual(await pending, { status: 'timeout', shown: 0 });
  assert.equal(windows.opened[0]!.destroyed, true);
  windows.behaviour = (w, id) => w.bridge.outcome(id, { status: 'ok' });
  assert.equal((await host.dispatch(push(), client())).status, 'ok');
  assert.equal(windows.opened.length, 2);
});

test('a crashed renderer is 303 worker-crashed, and restarts wait for a doubling backoff that a clean event resets', async () => {
  const { clock, windows, host } = setup();
  windows.behaviour = (w) => w.end('crashed');
  assert.deepEqual(await host.dispatch(push(), client()), { status: 'error', code: 303, kind: 'worker-crashed', message: 'the worker host crashed', shown: 0 });
  const refused = await host.dispatch(push(), client());
  assert.equal(refused.status === 'error' && refused.kind, 'worker-crashed');
  assert.match((refused as { message: string }).message, /restarting after a crash/);
  assert.equal(windows.opened.length, 1, 'no restart inside the backoff');
  await clock.advance(1_000);
  assert.equal((await host.dispatch(push(), client())).status, 'error');
  assert.equal(windows.opened.length, 2);
  await clock.advance(1_999);
  assert.match((await host.dispatch(push(), client())  as { message?: string }).message ?? '', /restarting after a crash/);
  assert.equal(windows.opened.length, 2, 'the second delay is longer');
  await clock.advance(1);
  windows.behaviour = (w, id) => w.bridge.outcome(id, { status: 'ok' });
  assert.equal((await host.dispatch(push(), client())).status, 'ok');
  windows.behaviour = (w) => w.end('crashed');
  await host.dispatch(push(), client());
  await clock.advance(1_000);
  windows.behaviour = (w, id) => w.bridge.outcome(id, { status: 'ok' });
  assert.equal((await host.dispatch(push(), client())).status, 'ok', 'after a clean event the backoff starts again at its first step');
});

test('an idle window closes after keepAliveMs; an event before then keeps it', async () => {
  const { clock, windows, host } = setup();
  await host.dispatch(push('https://a.example', { keepAliveMs: 5_000 }), client());
  await clock.advance(4_000);
  await host.dispatch(push('https://a.example', { keepAliveMs: 5_000 }), client());
  await clock.advance(4_000);
  assert.equal(windows.opened[0]!.destroyed, false);
  assert.deepEqual(host.runningOrigins(), ['https://a.example']);
  await clock.advance(1_000);
  assert.equal(windows.opened[0]!.destroyed, true);
  assert.deepEqual(host.runningOrigins(), []);
});

test("a window that does not load is a 303 bridge-error with one line of reason; an old window's end never closes a new one", async () => {
  const { windows, host } = setup();
  windows.failLoad = true;
  assert.deepEqual(await host.dispatch(push(), client()), { status: 'error', code: 303, kind: 'bridge-error', message: 'the worker host page did not load: ERR_CONNECTION_REFUSED', shown: 0 });
  windows.failLoad = false;
  await host.dispatch(push(), client());
  const first = windows.opened[0]!;
  await host.stop('https://a.example');
  assert.equal(first.destroyed, true);
  await host.dispatch(push(), client());
  const second = windows.opened[1]!;
  first.end('crashed');
  first.end('destroyed');
  await settle();
  assert.equal(second.destroyed, false);
  assert.deepEqual(host.runningOrigins(), ['https://a.example']);
});

test('invalid origins are refused, and after close() nothing runs', async () => {
  const { windows, host } = setup();
  for (const origin of ['file:///etc', 'http://example.com', 'javascript:alert(1)']) {
    assert.equal(((await host.dispatch(push(origin), client())) as { kind?: string }).kind, 'bridge-error', origin);
  }
  await host.dispatch(push(), client());
  await host.close();
  assert.equal(windows.opened[0]!.destroyed, true);
  assert.equal(((await host.dispatch(push(), client())) as { kind?: string }).kind, 'worker-terminated');
  // A late or unknown outcome is ignored.
  const outcome: BridgeOutcome = { status: 'ok' };
  windows.opened[0]!.bridge.outcome(999, outcome);
});

test('a dispatch queued behind an event reuses the running worker even with a zero keep-alive: one wake-up', async () => {
  const { clock, windows, host } = setup();
  const first = host.dispatch(push('https://a.example', { keepAliveMs: 0 }), client());
  const second = host.dispatch(push('https://a.example', { keepAliveMs: 0 }), client());
  assert.equal((await first).status, 'ok');
  assert.equal((await second).status, 'ok');
  assert.equal(windows.opened.length, 1);
  assert.equal(windows.opened[0]!.dispatched.length, 2);
  await clock.advance(0);
  assert.equal(windows.opened[0]!.destroyed, true, 'and the last one closes it at once');
});
