// The Electron host's rules (src/main/service-worker-host.ts) on a manual clock. Electron cannot run here, so the
// worker is a stand-in of ServiceWorkerMain that behaves as Electron 45's source does (startTask throws
// "ServiceWorkerMain is destroyed" once destroyed; end() twice throws; send to a stopped worker is dropped) and
// answers through the real service-worker preload logic (src/preload/service-worker-bridge.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import {
  ServiceWorkerHost,
  MAX_NOTIFICATIONS_PER_EVENT,
  type ServiceWorkerHandle,
} from '../../../src/main/service-worker-host.ts';
import { connectServiceWorker } from '../../../src/preload/service-worker-bridge.ts';
import { silentLogger } from '../../../src/engine/log.ts';
import type { WorkerClient, WorkerDispatch, WorkerOutcome } from '../../../src/engine/ports.ts';
import { ManualClock } from '../../support/manual-clock.ts';
import type { PushBridge } from '../../../src/shared/push-manager.ts';
import type { SiteSubscription } from '../../../src/shared/site-bridge.ts';

type Behaviour = (
  e: { type: string; data?: string | null },
  call: (method: string, args: unknown[]) => Promise<{ ok: boolean; value: unknown }>,
  send: (json: string) => void,
) => Promise<unknown>;

class StandInWorker implements ServiceWorkerHandle {
  readonly ipc = new EventEmitter();
  readonly tasks = new Set<number>();
  readonly #toWorker = new EventEmitter();
  #nextTask = 1;
  destroyed = false;
  readonly scope: string;
  readonly scriptURL: string;
  readonly versionId: number;
  constructor(scope: string, scriptURL: string, versionId: number, behaviour: Behaviour) {
    this.scope = scope;
    this.scriptURL = scriptURL;
    this.versionId = versionId;
    connectServiceWorker(() => undefined, {
      runInMainWorld: ({ args }) => {
        const send = args[0] as (json: string) => void;
        const pending = new Map<number, (v: { ok: boolean; value: unknown }) => void>();
        let next = 1;
        const call = (method: string, a: unknown[]) =>
          new Promise<{ ok: boolean; value: unknown }>((resolve) => {
            const id = next++;
            pending.set(id, resolve);
            send(JSON.stringify({ id, method, args: a }));
          });
        return {
          dispatch: (e: { type: string; data?: string | null }) => behaviour(e, call, send),
          reply: (id: number, ok: boolean, value: unknown) => pending.get(id)?.({ ok, value }),
        };
      },
      send: (channel, ...args) => {
        if (!this.destroyed) queueMicrotask(() => this.ipc.emit(channel, {}, ...structuredClone(args)));
      },
      on: (channel, listener) => void this.#toWorker.on(channel, listener),
    });
  }
  isDestroyed() {
    return this.destroyed;
  }
  send(channel: string, ...args: unknown[]) {
    if (!this.destroyed) queueMicrotask(() => this.#toWorker.emit(channel, ...structuredClone(args)));
  }
  startTask() {
    if (this.destroyed) throw new TypeError('ServiceWorkerMain is destroyed');
    const id = this.#nextTask++;
    this.tasks.add(id);
    return {
      end: () => {
        if (!this.tasks.delete(id)) throw new TypeError('Unknown or already finished external request');
      },
    };
  }
}

function setup(behaviour: Behaviour, sites?: (origin: string) => PushBridge | undefined) {
  const clock = new ManualClock();
  const workers = new Map<string, StandInWorker>();
  const registered = new Set(['https://a.example/', 'https://b.example/']);
  let starts = 0;
  let versions = 1;
  const host = new ServiceWorkerHost({
    clock,
    logger: silentLogger,
    ...(sites ? { sites } : {}),
    workers: {
      async startWorkerForScope(_origin, scope) {
        if (!registered.has(scope)) throw new Error('Failed to start service worker.');
        let w = workers.get(scope);
        if (!w || w.destroyed) {
          starts++;
          w = new StandInWorker(scope, `${scope}sw.js`, versions++, behaviour);
          workers.set(scope, w);
        }
        return w;
      },
    },
  });
  const shown: string[] = [];
  const opened: string[] = [];
  const client: WorkerClient = {
    showNotification: async (title) => void shown.push(title),
    getNotifications: () => [],
    openWindow: async (url) => (opened.push(url), true),
    getSubscription: () => null,
  };
  const request = (origin: string, data: string, over: Partial<WorkerDispatch> = {}): WorkerDispatch => ({
    origin,
    scope: `${origin}/`,
    scriptURL: `${origin}/sw.js`,
    event: { type: 'push', data: new TextEncoder().encode(data) },
    deadlineMs: 1000,
    keepAliveMs: 5000,
    ...over,
  });
  return { clock, host, workers, registered, shown, opened, client, request, starts: () => starts };
}

const text = (e: { data?: string | null }) => (e.data ? Buffer.from(e.data, 'base64').toString() : '');

const flush = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

test('an event starts the worker, is settled by the worker, and a task keeps it alive for keepAliveMs only', async () => {
  const t = setup(async (e, call) => {
    await call('showNotification', [text(e), {}]);
    return { status: 'ok' };
  });
  assert.deepEqual(await t.host.dispatch(t.request('https://a.example', 'one'), t.client), { status: 'ok', shown: 1 });
  assert.deepEqual(t.shown, ['one']);
  const w = t.workers.get('https://a.example/')!;
  assert.equal(w.tasks.size, 1, 'held for the keep-alive');
  // A second event within the keep-alive reuses the worker: no new start; still one task.
  assert.deepEqual(await t.host.dispatch(t.request('https://a.example', 'two'), t.client), { status: 'ok', shown: 1 });
  assert.equal(t.starts(), 1);
  assert.equal(w.tasks.size, 1);
  t.clock.advance(4999);
  assert.equal(w.tasks.size, 1);
  t.clock.advance(1);
  assert.equal(w.tasks.size, 0, 'task ended after keepAliveMs: Chromium may now stop the worker');
});

test('a worker that never settles times out at the deadline, its task is ended, and it is not trusted until it stopped; other origins are served meanwhile', async () => {
  const t = setup(async (e, call) => {
    if (text(e) === 'hang') return new Promise(() => {});
    await call('showNotification', [text(e), {}]);
    return { status: 'ok' };
  });
  const hanging = t.host.dispatch(t.request('https://a.example', 'hang'), t.client);
  await flush();
  const other = await t.host.dispatch(t.request('https://b.example', 'b'), t.client);
  assert.deepEqual(other, { status: 'ok', shown: 1 });
  t.clock.advance(1000);
  assert.deepEqual(await hanging, { status: 'timeout', shown: 0 });
  const w = t.workers.get('https://a.example/')!;
  assert.equal(w.tasks.size, 0, 'nothing of ours keeps the runaway alive');
  const refused = await t.host.dispatch(t.request('https://a.example', 'again'), t.client);
  assert.equal(refused.status, 'error');
  assert.equal((refused as Extract<WorkerOutcome, { status: 'error' }>).code, 303);
  // Chromium stopped it (running-status-changed: stopped): the next event starts it again.
  w.destroyed = true;
  t.host.versionStopped(w.versionId);
  assert.deepEqual(await t.host.dispatch(t.request('https://a.example', 'after'), t.client), {
    status: 'ok',
    shown: 1,
  });
  assert.equal(t.starts(), 3);
});

test("at most 8 notifications and one window per event; the count is the host's, not the worker's", async () => {
  const t = setup(async (e, call) => {
    if (e.type === 'push') for (let i = 0; i < 20; i++) await call('showNotification', [`n${i}`, {}]);
    const opens = await Promise.all(Array.from({ length: 100 }, () => call('openWindow', ['https://a.example/x'])));
    return { status: 'ok', opened: opens.filter((o) => o.value === true).length };
  });
  const out = await t.host.dispatch(t.request('https://a.example', 'x'), t.client);
  assert.deepEqual(out, { status: 'ok', shown: MAX_NOTIFICATIONS_PER_EVENT });
  assert.equal(t.shown.length, MAX_NOTIFICATIONS_PER_EVENT);
  assert.deepEqual(t.opened, ['https://a.example/x']);
});

test("a call made after its event ended goes to the engine's client for that worker (Electron's scope and script); refused without one", async () => {
  let call: ((method: string, args: unknown[]) => Promise<{ ok: boolean; value: unknown }>) | null = null;
  const t = setup(async (_e, c) => {
    call = c;
    return { status: 'ok' };
  });
  await t.host.dispatch(t.request('https://a.example', 'x'), t.client);
  assert.deepEqual(await call!('showNotification', ['late', {}]), {
    ok: false,
    value: { name: 'AbortError', message: 'No event is running.' },
  });
  const asked: unknown[] = [];
  t.host.serveOutsideEvents((worker) => {
    asked.push(worker);
    return t.client;
  });
  assert.deepEqual(
    await call!('showNotification', ['late', { origin: 'https://b.example', scope: 'https://b.example/' }]),
    { ok: true, value: null },
  );
  assert.deepEqual(
    await call!('openWindow', ['https://a.example/x']),
    { ok: true, value: false },
    'no window outside a click',
  );
  assert.deepEqual(t.shown, ['late']);
  assert.deepEqual(t.opened, []);
  assert.deepEqual(asked[0], {
    origin: 'https://a.example',
    scope: 'https://a.example/',
    scriptURL: 'https://a.example/sw.js',
  });
});

test("unregister() in the worker reports Electron's scope for the worker, never a scope from the message", async () => {
  const t = setup(async (_e, _call, send) => {
    send(JSON.stringify({ id: 0, method: 'unregistered', args: ['https://b.example/'] }));
    return { status: 'ok' };
  });
  const deleted: string[] = [];
  t.host.onRegistrationDeleted((scope) => deleted.push(scope));
  await t.host.dispatch(t.request('https://a.example', 'x'), t.client);
  await flush();
  assert.deepEqual(deleted, ['https://a.example/']);
});

test("the worker's pushManager calls reach its origin's site service for Electron's scope and script of the worker, never the message's", async () => {
  // The site service is a recording stand-in here (the engine's SiteService has its own tests): what this host
  // decides is which origin and registration a call is for.
  const asked: unknown[][] = [];
  const sub: SiteSubscription = {
    endpoint: 'https://push.example/e1',
    expirationTime: null,
    keys: { p256dh: 'p', auth: 'a' },
    applicationServerKey: null,
    userVisibleOnly: true,
  };
  const sites = (origin: string): PushBridge => ({
    permissionState: async () => ({ ok: true, value: 'granted' }),
    subscribe: async (request) => (asked.push([origin, 'subscribe', request]), { ok: true, value: sub }),
    getSubscription: async (scope) => (asked.push([origin, 'getSubscription', scope]), { ok: true, value: sub }),
    unsubscribe: async (scope, endpoint) => (
      asked.push([origin, 'unsubscribe', scope, endpoint]),
      { ok: true, value: true }
    ),
  });
  const answers: unknown[] = [];
  const t = setup(async (_e, call) => {
    answers.push(
      await call('subscribe', [
        {
          scope: 'https://b.example/',
          workerScriptURL: 'https://b.example/evil.js',
          applicationServerKey: null,
          userVisibleOnly: true,
        },
      ]),
    );
    answers.push(await call('getSubscription', ['https://b.example/']));
    answers.push(await call('unsubscribe', [sub.endpoint, 'https://b.example/']));
    answers.push(await call('permissionState', []));
    return { status: 'ok' };
  }, sites);
  assert.deepEqual(await t.host.dispatch(t.request('https://a.example', 'x'), t.client), { status: 'ok', shown: 0 });
  assert.deepEqual(asked, [
    [
      'https://a.example',
      'subscribe',
      {
        scope: 'https://a.example/',
        workerScriptURL: 'https://a.example/sw.js',
        applicationServerKey: null,
        userVisibleOnly: true,
      },
    ],
    ['https://a.example', 'getSubscription', 'https://a.example/'],
    ['https://a.example', 'unsubscribe', 'https://a.example/', sub.endpoint],
  ]);
  assert.deepEqual(answers, [
    { ok: true, value: { ok: true, value: sub } },
    { ok: true, value: { ok: true, value: sub } },
    { ok: true, value: { ok: true, value: true } },
    { ok: true, value: { ok: true, value: 'granted' } },
  ]);
});

test("without site services a worker's pushManager gets AbortError results, never a crash", async () => {
  const answers: unknown[] = [];
  const t = setup(async (_e, call) => {
    answers.push(await call('getSubscription', []));
    return { status: 'ok' };
  });
  assert.deepEqual(await t.host.dispatch(t.request('https://a.example', 'x'), t.client), { status: 'ok', shown: 0 });
  assert.deepEqual(answers, [
    { ok: true, value: { ok: false, name: 'AbortError', message: 'Registration failed - push service not available' } },
  ]);
});

test('a malformed outcome or an oversized call is an error outcome, never a crash', async () => {
  const t = setup(async (_e, call) => {
    void call('showNotification', ['x'.repeat(70 * 1024), {}]);
    return { status: 'weird' };
  });
  const out = await t.host.dispatch(t.request('https://a.example', 'x'), t.client);
  assert.deepEqual(out, { status: 'error', code: 303, kind: 'bridge-error', message: 'malformed outcome', shown: 0 });
  await flush();
  assert.deepEqual(t.shown, []);
});

test('reconciliation at start reports a subscribed scope whose worker cannot be started twice, and nothing else', async () => {
  const t = setup(async () => ({ status: 'ok' }));
  const deleted: string[] = [];
  t.host.onRegistrationDeleted((scope) => deleted.push(scope));
  const gone = await t.host.reconcile([
    { origin: 'https://a.example', scope: 'https://a.example/' },
    { origin: 'https://c.example', scope: 'https://c.example/' },
  ]);
  assert.deepEqual(gone, ['https://c.example/']);
  assert.deepEqual(deleted, ['https://c.example/']);
});

test('close() ends every task and refuses later events', async () => {
  const t = setup(async () => ({ status: 'ok' }));
  await t.host.dispatch(t.request('https://a.example', 'x'), t.client);
  const w = t.workers.get('https://a.example/')!;
  assert.equal(w.tasks.size, 1);
  await t.host.close();
  assert.equal(w.tasks.size, 0);
  assert.equal((await t.host.dispatch(t.request('https://a.example', 'x'), t.client)).status, 'error');
});
