// The service-worker script: run by a worker host in the main world of a site's own service worker, before the
// first statement of the site's script. It routes what Chromium would send to Google or show itself to the engine
// (`registration.pushManager`, `showNotification`, `getNotifications`, `Notification.close()`,
// `clients.openWindow`, `WindowClient.focus`), and
// gives the host a dispatcher that fires `push`, `pushsubscriptionchange`, `notificationclick` and
// `notificationclose` as native event objects.
//
// The channel is one host binding (a function taking a string): captured and deleted from the global here, before
// site code runs. Site code could still have called it first only if it ran first, which it does not; the engine
// treats every call as written by the site anyway (the host takes the origin from the target, never a message).
//
// Chromium refuses `waitUntil` on script-constructed events, so `ExtendableEvent.prototype.waitUntil` is wrapped:
// native for events Chromium dispatched, tracked here for ours.
//
// Bundled as an IIFE with globalName `PushAgentServiceWorker`; the host evaluates
// `PushAgentServiceWorker.install(bindingName)` and keeps the returned object (never a global) to call `dispatch`
// and `reply` on it.

import { installPushManager } from '../shared/push-manager.ts';
import type { SitePermissionState, SiteResult, SiteSubscription } from '../shared/site-bridge.ts';

/** What the host sends to dispatch; push data is base64 (standard alphabet). */
export type HostEvent =
  | { type: 'push'; data: string | null; notification?: Omit<HostNotification, 'id'> }
  | { type: 'pushsubscriptionchange'; oldSubscription: unknown; newSubscription: unknown }
  | { type: 'notificationclick'; notification: HostNotification; action: string }
  | { type: 'notificationclose'; notification: HostNotification };

export interface HostNotification {
  id: string;
  title: string;
  body?: string;
  tag?: string;
  icon?: string;
  badge?: string;
  image?: string;
  lang?: string;
  dir?: string;
  requireInteraction?: boolean;
  silent?: boolean;
  renotify?: boolean;
  timestamp?: number;
  actions?: Array<{ action: string; title: string; icon?: string }>;
  data?: unknown;
}

export type WorkerResult = { status: 'ok' } | { status: 'error'; code: 301 | 302 | 303; kind: string; message: string };

export interface ServiceWorkerAgent {
  dispatch(event: HostEvent): Promise<WorkerResult>;
  reply(id: number, ok: boolean, value: unknown): void;
}

/** Key of the notification `data` the engine stores: the real data is a structured clone kept at the origin. */
const DATA_KEY = '__pushAgentData';
const DB_NAME = '__push-agent__';
/** A clone younger than this is never pruned (see prune). */
const PRUNE_GRACE_MS = 5_000;
const MAX_TITLE = 1024;

type Fn = (...args: unknown[]) => unknown;
interface Sw {
  [k: string]: unknown;
  registration: ServiceWorkerRegistration;
  addEventListener: typeof addEventListener;
  removeEventListener: typeof removeEventListener;
  dispatchEvent(e: Event): boolean;
}

export function install(bindingName: string): ServiceWorkerAgent {
  const self = globalThis as unknown as Sw;
  const send = self[bindingName] as ((message: string) => void) | undefined;
  delete self[bindingName];
  if (typeof send !== 'function') throw new Error('push agent: the host binding is missing');
  const post = send.bind(null);

  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  let nextId = 1;
  const call = (method: string, args: unknown[]): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      post(JSON.stringify({ id, method, args }));
    });

  // ---- registration.pushManager: the page script's PushManager, answered by the engine for this worker's own
  // registration (the host knows which it is: no scope is sent) ----
  installPushManager({
    permissionState: () => call('permissionState', []) as Promise<SiteResult<SitePermissionState>>,
    subscribe: (request) =>
      call('subscribe', [
        { applicationServerKey: request.applicationServerKey, userVisibleOnly: request.userVisibleOnly },
      ]) as Promise<SiteResult<SiteSubscription>>,
    getSubscription: () => call('getSubscription', []) as Promise<SiteResult<SiteSubscription | null>>,
    unsubscribe: (_scope, endpoint) => call('unsubscribe', [endpoint]) as Promise<SiteResult<boolean>>,
  });

  // As WebIDL defines operations: writable, enumerable, configurable.
  const define = (target: object, name: string, value: unknown) =>
    Object.defineProperty(target, name, { value, configurable: true, writable: true, enumerable: true });
  const g = self as unknown as Record<
    string,
    { prototype: Record<string, unknown> } & (new (...a: unknown[]) => Event)
  >;

  // ---- structured-clone notification data, kept in the origin's IndexedDB ----
  let db: Promise<IDBDatabase> | null = null;
  const openDb = () =>
    (db ??= new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = () => req.result.createObjectStore('data');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    }));
  const idb = async <T>(mode: IDBTransactionMode, op: (s: IDBObjectStore) => IDBRequest): Promise<T> => {
    const store = (await openDb()).transaction('data', mode).objectStore('data');
    return new Promise<T>((resolve, reject) => {
      const req = op(store);
      req.onsuccess = () => resolve(req.result as T);
      req.onerror = () => reject(req.error);
    });
  };
  const restoreData = async (data: unknown): Promise<unknown> => {
    const key = data && typeof data === 'object' ? (data as Record<string, unknown>)[DATA_KEY] : undefined;
    if (typeof key !== 'string') return data ?? null;
    try {
      return (await idb<unknown>('readonly', (s) => s.get(key))) ?? null;
    } catch {
      return null;
    }
  };

  // Clones the engine no longer lists (clicked, closed, replaced, forgotten) are deleted, once per worker start, after
  // the first notification it shows. Kept: keys the engine lists, keys this worker stored and has not yet handed to
  // the engine, and any key younger than PRUNE_GRACE_MS (a call of another worker of the origin may be on its way).
  const inFlight = new Set<string>();
  let pruned = false;
  const prune = async () => {
    const cutoff = Date.now() - PRUNE_GRACE_MS;
    const old = (await idb<IDBValidKey[]>('readonly', (s) => s.getAllKeys())).filter(
      (key): key is string =>
        typeof key === 'string' && !inFlight.has(key) && parseInt(key.split('-')[0]!, 36) < cutoff,
    );
    // Nothing stored long enough to be stale: no need to ask the engine.
    if (!old.length) return;
    const live = new Set<string>();
    for (const n of (await call('getNotifications', [undefined])) as HostNotification[]) {
      const k = n.data && typeof n.data === 'object' ? (n.data as Record<string, unknown>)[DATA_KEY] : undefined;
      if (typeof k === 'string') live.add(k);
    }
    for (const key of old) if (!live.has(key)) await idb('readwrite', (s) => s.delete(key));
  };

  // ---- Notification objects handed to site code ----
  const NotificationCtor = self.Notification as unknown as { prototype: object } | undefined;
  const makeNotification = async (n: HostNotification): Promise<Notification> => {
    const obj = Object.create(NotificationCtor?.prototype ?? Object.prototype) as Record<string, unknown>;
    const fields: Record<string, unknown> = {
      title: n.title,
      body: n.body ?? '',
      tag: n.tag ?? '',
      icon: n.icon ?? '',
      badge: n.badge ?? '',
      image: n.image ?? '',
      lang: n.lang ?? '',
      dir: n.dir ?? 'auto',
      requireInteraction: n.requireInteraction === true,
      silent: n.silent ?? null,
      renotify: n.renotify === true,
      timestamp: n.timestamp ?? Date.now(),
      actions: Object.freeze((n.actions ?? []).map((a) => Object.freeze({ ...a }))),
      data: await restoreData(n.data),
      vibrate: Object.freeze([]),
    };
    for (const [k, v] of Object.entries(fields)) Object.defineProperty(obj, k, { value: v, enumerable: true });
    define(obj, 'close', () => void call('closeNotification', [n.id]).catch(() => undefined));
    return obj as unknown as Notification;
  };

  // ---- ServiceWorkerRegistration: notifications and push ----
  const regProto = g.ServiceWorkerRegistration!.prototype;
  define(
    regProto,
    'showNotification',
    async function showNotification(title: unknown, options: unknown = {}): Promise<void> {
      if (arguments.length === 0)
        throw new TypeError(
          "Failed to execute 'showNotification' on 'ServiceWorkerRegistration': 1 argument required, but only 0 present.",
        );
      const o = (options && typeof options === 'object' ? options : {}) as Record<string, unknown>;
      const plain: Record<string, unknown> = {};
      for (const k of [
        'body',
        'tag',
        'icon',
        'badge',
        'image',
        'lang',
        'dir',
        'requireInteraction',
        'silent',
        'renotify',
        'timestamp',
        'actions',
        'vibrate',
      ]) {
        if (o[k] !== undefined) plain[k] = o[k];
      }
      // WebIDL converts `dir` to the NotificationDirection enum before the algorithm runs: anything else is a
      // TypeError.
      if (o.dir !== undefined && !['auto', 'ltr', 'rtl'].includes(String(o.dir))) {
        throw new TypeError(
          `Failed to execute 'showNotification' on 'ServiceWorkerRegistration': The provided value '${String(o.dir)}' is not a valid enum value of type NotificationDirection.`,
        );
      }
      if (o.data !== undefined && o.data !== null) {
        // structuredClone throws DataCloneError for what cannot be cloned, as showNotification must.
        const clone = structuredClone(o.data);
        const key = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
        inFlight.add(key);
        await idb('readwrite', (s) => s.put(clone, key));
        plain.data = { [DATA_KEY]: key };
      }
      const key = (plain.data as Record<string, string> | undefined)?.[DATA_KEY];
      try {
        await call('showNotification', [
          String(title).slice(0, MAX_TITLE),
          JSON.parse(JSON.stringify(plain)) as unknown,
        ]);
      } finally {
        if (key) inFlight.delete(key);
      }
      if (!pruned) {
        pruned = true;
        void prune().catch(() => undefined);
      }
    },
  );
  define(regProto, 'getNotifications', async function getNotifications(filter: unknown = {}): Promise<Notification[]> {
    const tag = filter && typeof filter === 'object' ? (filter as { tag?: unknown }).tag : undefined;
    const list = (await call('getNotifications', [
      typeof tag === 'string' && tag ? tag : undefined,
    ])) as HostNotification[];
    return Promise.all(list.map(makeNotification));
  });

  // ---- clients ----
  const clientsProto = g.Clients?.prototype;
  if (clientsProto) {
    define(clientsProto, 'openWindow', async function openWindow(url: unknown): Promise<null> {
      const href = new URL(String(url), self.registration.scope).href;
      const opened = await call('openWindow', [href]);
      if (opened !== true)
        throw new TypeError("Failed to execute 'openWindow' on 'Clients': the window was not opened.");
      // The window opens in the user's browser: not a client of this worker.
      return null;
    });
  }
  const windowClientProto = g.WindowClient?.prototype;
  if (windowClientProto) {
    define(windowClientProto, 'focus', async function focus(this: { url: string }): Promise<unknown> {
      const ok = await call('focus', [this.url]);
      if (ok !== true) throw new DOMException('The window could not be focused.', 'InvalidAccessError');
      return this;
    });
  }

  // ---- waitUntil for events dispatched here ----
  const ours = new WeakMap<Event, { promises: Promise<unknown>[]; dispatching: boolean }>();
  const extProto = g.ExtendableEvent!.prototype;
  const nativeWaitUntil = extProto.waitUntil as Fn;
  define(extProto, 'waitUntil', function waitUntil(this: Event, promise: unknown): void {
    const state = ours.get(this);
    if (!state) return nativeWaitUntil.call(this, promise) as void;
    if (!state.dispatching && state.promises.length === 0)
      throw new DOMException('The event handler is already finished.', 'InvalidStateError');
    state.promises.push(Promise.resolve(promise));
  });

  // Declarative Web Push: `PushEvent.notification`, the notification a declarative message proposes (null if none).
  const declared = new WeakMap<Event, Notification>();
  const pushProto = g.PushEvent?.prototype;
  const dataGetter = pushProto ? Object.getOwnPropertyDescriptor(pushProto, 'data')?.get : undefined;
  if (pushProto && dataGetter && !('notification' in pushProto)) {
    const get = Object.getOwnPropertyDescriptor(
      {
        get notification() {
          dataGetter.call(this); // the brand check: a TypeError on anything but a PushEvent, as WebIDL requires
          return declared.get(this as unknown as Event) ?? null;
        },
      },
      'notification',
    )!.get;
    Object.defineProperty(pushProto, 'notification', { get, enumerable: true, configurable: true });
  }

  const fromBase64 = (b64: string): Uint8Array => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));

  /**
   * A native event object of `proto`'s class carrying `fields` (for classes whose init dictionary needs objects we
   * cannot make).
   */
  const eventAs = (type: string, protoOf: string, fields: Record<string, unknown>): Event => {
    const event = new g.ExtendableEvent!(type);
    const proto = g[protoOf]?.prototype;
    if (proto) Object.setPrototypeOf(event, proto);
    for (const [k, v] of Object.entries(fields)) Object.defineProperty(event, k, { value: v, enumerable: true });
    return event;
  };

  const build = async (e: HostEvent): Promise<Event> => {
    switch (e.type) {
      case 'push': {
        const event = new g.PushEvent!('push', e.data === null ? {} : { data: fromBase64(e.data) });
        if (e.notification) declared.set(event, await makeNotification({ ...e.notification, id: '' }));
        return event;
      }
      case 'pushsubscriptionchange':
        return eventAs('pushsubscriptionchange', 'PushSubscriptionChangeEvent', {
          oldSubscription: e.oldSubscription ?? null,
          newSubscription: e.newSubscription ?? null,
        });
      case 'notificationclick':
        return eventAs('notificationclick', 'NotificationEvent', {
          notification: await makeNotification(e.notification),
          action: e.action ?? '',
          reply: null,
        });
      case 'notificationclose':
        return eventAs('notificationclose', 'NotificationEvent', {
          notification: await makeNotification(e.notification),
          action: '',
          reply: null,
        });
    }
  };

  const message = (err: unknown) => String((err as Error)?.message ?? err).slice(0, 512);

  return Object.freeze({
    async dispatch(e: HostEvent): Promise<WorkerResult> {
      let event: Event;
      try {
        event = await build(e);
      } catch (err) {
        return { status: 'error', code: 303, kind: 'bridge-error', message: message(err) };
      }
      const state = { promises: [] as Promise<unknown>[], dispatching: true };
      ours.set(event, state);
      let thrown: unknown = undefined;
      let threw = false;
      // An exception in a listener is reported to the global's error event, not thrown by dispatchEvent.
      const onError = (ev: Event) => {
        threw = true;
        thrown = (ev as ErrorEvent).error ?? (ev as ErrorEvent).message;
      };
      self.addEventListener('error', onError);
      try {
        self.dispatchEvent(event);
      } finally {
        self.removeEventListener('error', onError);
        state.dispatching = false;
      }
      let rejected: unknown = undefined;
      let anyRejected = false;
      // Promises may be added while earlier ones run (waitUntil from within a waitUntil'd chain).
      for (let done = 0; done < state.promises.length;) {
        const batch = state.promises.slice(done);
        done = state.promises.length;
        for (const r of await Promise.allSettled(batch)) {
          if (r.status === 'rejected' && !anyRejected) {
            anyRejected = true;
            rejected = r.reason;
          }
        }
      }
      state.promises.length = 0;
      if (threw) return { status: 'error', code: 301, kind: 'handler-threw', message: message(thrown) };
      if (anyRejected) return { status: 'error', code: 302, kind: 'waituntil-rejected', message: message(rejected) };
      return { status: 'ok' };
    },
    reply(id: number, ok: boolean, value: unknown): void {
      const p = pending.get(id);
      if (!p) return;
      pending.delete(id);
      if (ok) p.resolve(value);
      else
        p.reject(
          value && typeof value === 'object' && (value as { name?: string }).name === 'TypeError'
            ? new TypeError(String((value as { message?: string }).message))
            : new DOMException(
                String((value as { message?: string })?.message ?? 'failed'),
                String((value as { name?: string })?.name ?? 'AbortError'),
              ),
        );
    },
  });
}
