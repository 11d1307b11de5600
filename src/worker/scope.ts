// Runs first in the origin's dedicated Web Worker (served at https://<origin>/__push-agent__/scope.js). It shapes the
// worker's global like a ServiceWorkerGlobalScope, waits for the host page's `init` (which hands over a private
// MessagePort), then importScripts the origin's worker script and dispatches the events the page sends.
//
// Sites write their workers against the service worker API; this file is what makes that code run unchanged:
// addEventListener/on* for the lifecycle and push events, ExtendableEvent.waitUntil with the spec's rules,
// PushEvent.data (PushMessageData), self.registration (showNotification, getNotifications, pushManager), self.clients,
// skipWaiting. Everything reaching the engine goes through the page, which re-validates it.

import { isToWorker, describeError, type EventResult, type FromWorker, type ToWorker, type WireEvent, type WorkerCall } from './protocol.ts';
import type { BridgeNotification, BridgeNotificationOptions, BridgeNotificationRequest, BridgeSubscription } from '../shared/worker-bridge.ts';

interface WorkerGlobal extends EventTarget {
  importScripts(...urls: string[]): void;
  fetch: typeof fetch;
  Request: typeof Request;
  close(): void;
}

const scope = globalThis as unknown as WorkerGlobal & Record<string, unknown>;
const nativeImportScripts = scope.importScripts.bind(scope);
const nativeFetch = scope.fetch.bind(scope);
const NativeRequest = scope.Request;
const nativeAdd = EventTarget.prototype.addEventListener;
const nativeRemove = EventTarget.prototype.removeEventListener;
const nativeDispatch = EventTarget.prototype.dispatchEvent;

let port: MessagePort | null = null;
let scriptURL = '';
let scopeURL = '';
/** True while a notificationclick event runs (the spec's "window interaction" allowance for clients.openWindow). */
let windowInteraction = false;

// ---- calls to the page --------------------------------------------------------------------------

let nextCallId = 1;
const pendingCalls = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();

function post(message: FromWorker): void {
  port?.postMessage(message);
}

function callPage(call: WorkerCall): Promise<unknown> {
  const id = nextCallId++;
  return new Promise((resolve, reject) => {
    pendingCalls.set(id, { resolve, reject });
    post({ t: 'call', id, ...call });
  });
}

function settleCall(message: Extract<ToWorker, { t: 'reply' }>): void {
  const pending = pendingCalls.get(message.id);
  if (!pending) return;
  pendingCalls.delete(message.id);
  if (message.ok) pending.resolve(message.value);
  else if (message.name === 'TypeError') pending.reject(new TypeError(message.message));
  else pending.reject(new DOMException(message.message, message.name));
}

// ---- events -------------------------------------------------------------------------------------

interface EventState {
  dispatching: boolean;
  pending: number;
  errors: unknown[];
  rejections: unknown[];
  onIdle: (() => void) | null;
}
const eventStates = new WeakMap<Event, EventState>();
const INTERNAL = Symbol('push-agent-internal');

class ExtendableEvent extends Event {
  constructor(type: string, init?: EventInit) {
    super(type, init);
    eventStates.set(this, { dispatching: false, pending: 0, errors: [], rejections: [], onIdle: null });
  }

  waitUntil(promise: unknown): void {
    const s = eventStates.get(this);
    if (!s) throw new TypeError('Illegal invocation');
    if (!s.dispatching && s.pending === 0) {
      throw new DOMException("Failed to execute 'waitUntil' on 'ExtendableEvent': The event handler is already finished.", 'InvalidStateError');
    }
    s.pending++;
    Promise.resolve(promise)
      .then(
        () => undefined,
        (reason: unknown) => {
          s.rejections.push(reason);
        },
      )
      .then(() =>
        // The spec decrements in a queued microtask, so a reaction to the promise may still extend the event.
        queueMicrotask(() => {
          s.pending--;
          if (s.pending === 0 && !s.dispatching) s.onIdle?.();
        }),
      );
  }
}

function base64ToBytes(b64: string, urlSafe = false): Uint8Array<ArrayBuffer> {
  let s = b64;
  if (urlSafe) s = s.replace(/-/g, '+').replace(/_/g, '/');
  s = s.replace(/=+$/, '');
  s += '='.repeat((4 - (s.length % 4)) % 4);
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

class PushMessageData {
  #bytes: Uint8Array<ArrayBuffer>;
  constructor(token: symbol, bytes: Uint8Array<ArrayBuffer>) {
    if (token !== INTERNAL) throw new TypeError('Illegal constructor');
    this.#bytes = bytes;
  }
  arrayBuffer(): ArrayBuffer {
    return this.#bytes.slice().buffer;
  }
  blob(): Blob {
    return new Blob([this.#bytes.slice()]);
  }
  bytes(): Uint8Array {
    return this.#bytes.slice();
  }
  json(): unknown {
    return JSON.parse(this.text());
  }
  text(): string {
    return new TextDecoder().decode(this.#bytes);
  }
}

function toBytes(data: unknown): Uint8Array<ArrayBuffer> {
  if (typeof data === 'string') return new TextEncoder().encode(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data.slice(0));
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer);
  throw new TypeError('PushEvent data must be a BufferSource or a string');
}

class WorkerNotification {
  readonly title: string;
  readonly body: string;
  readonly tag: string;
  readonly icon: string;
  readonly badge: string;
  readonly image: string;
  readonly lang: string;
  readonly dir: string;
  readonly renotify: boolean;
  readonly silent: boolean;
  readonly requireInteraction: boolean;
  readonly timestamp: number;
  readonly data: unknown;
  readonly actions: readonly { action: string; title: string; icon: string; navigate: string }[];
  readonly navigate: string;
  readonly vibrate: readonly number[] = Object.freeze([]);
  static readonly permission = 'granted';
  static readonly maxActions = 2;
  static requestPermission(): Promise<string> {
    return Promise.resolve('granted');
  }
  constructor(token: unknown, n?: Partial<BridgeNotification>) {
    // As in a service worker: `new Notification()` is a TypeError; use registration.showNotification().
    if (token !== INTERNAL || !n) throw new TypeError("Failed to construct 'Notification': Illegal constructor. Use ServiceWorkerRegistration.showNotification() instead.");
    this.title = n.title ?? '';
    this.body = n.body ?? '';
    this.tag = n.tag ?? '';
    this.icon = n.icon ?? '';
    this.badge = n.badge ?? '';
    this.image = n.image ?? '';
    this.lang = n.lang ?? '';
    this.dir = n.dir ?? 'auto';
    this.renotify = n.renotify === true;
    this.silent = n.silent === true;
    this.requireInteraction = n.requireInteraction === true;
    this.timestamp = typeof n.timestamp === 'number' ? n.timestamp : typeof n.shownAt === 'number' ? n.shownAt : Date.now();
    this.data = n.data ?? null;
    this.navigate = n.navigate ?? '';
    this.actions = Object.freeze((n.actions ?? []).map((a) => Object.freeze({ action: a.action, title: a.title, icon: a.icon ?? '', navigate: a.navigate ?? '' })));
  }
  close(): void {
    // The engine closes a clicked notification itself; closing from the worker is not supported yet.
  }
}

class PushEvent extends ExtendableEvent {
  readonly data: PushMessageData | null;
  readonly notification: WorkerNotification | null;
  constructor(type: string, init?: EventInit & { data?: unknown }, declared?: BridgeNotificationRequest) {
    super(type, init);
    this.data = init?.data === undefined || init.data === null ? null : new PushMessageData(INTERNAL, toBytes(init.data));
    this.notification = declared ? new WorkerNotification(INTERNAL, declared) : null;
  }
}

class NotificationEvent extends ExtendableEvent {
  readonly notification: WorkerNotification;
  readonly action: string;
  readonly reply = null;
  constructor(type: string, init: EventInit & { notification: WorkerNotification; action?: string }) {
    super(type, init);
    if (!(init?.notification instanceof WorkerNotification)) throw new TypeError('NotificationEvent needs a notification');
    this.notification = init.notification;
    this.action = init.action ?? '';
  }
}

class PushSubscription {
  readonly endpoint: string;
  readonly expirationTime: number | null;
  readonly options: { userVisibleOnly: boolean; applicationServerKey: ArrayBuffer | null };
  #json: BridgeSubscription;
  constructor(token: symbol, json: BridgeSubscription) {
    if (token !== INTERNAL) throw new TypeError('Illegal constructor');
    this.#json = json;
    this.endpoint = json.endpoint;
    this.expirationTime = json.expirationTime ?? null;
    this.options = Object.freeze({ userVisibleOnly: true, applicationServerKey: null });
  }
  getKey(name: string): ArrayBuffer | null {
    const key = name === 'p256dh' ? this.#json.keys.p256dh : name === 'auth' ? this.#json.keys.auth : undefined;
    return key ? base64ToBytes(key, true).buffer : null;
  }
  toJSON(): BridgeSubscription {
    return { endpoint: this.#json.endpoint, expirationTime: this.#json.expirationTime ?? null, keys: { ...this.#json.keys } };
  }
  unsubscribe(): Promise<boolean> {
    // Unsubscribing from the worker is not supported: the user manages subscriptions in settings.
    return Promise.resolve(false);
  }
}

class PushSubscriptionChangeEvent extends ExtendableEvent {
  readonly oldSubscription: PushSubscription | null;
  readonly newSubscription: PushSubscription | null;
  constructor(type: string, init?: EventInit & { oldSubscription?: PushSubscription | null; newSubscription?: PushSubscription | null }) {
    super(type, init);
    this.oldSubscription = init?.oldSubscription ?? null;
    this.newSubscription = init?.newSubscription ?? null;
  }
}

// ---- listeners: exceptions in handlers are recorded on the event (outcome 301) ------------------

const LIFECYCLE = new Set(['install', 'activate', 'push', 'pushsubscriptionchange', 'notificationclick', 'notificationclose']);
type Listener = EventListenerOrEventListenerObject;
const wrappers = new Map<string, WeakMap<object, Map<boolean, EventListener>>>();

function runGuarded(ev: Event, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    const s = eventStates.get(ev);
    if (s?.dispatching) s.errors.push(err);
    else throw err;
  }
}

function wrapperFor(type: string, listener: Listener, capture: boolean, create: boolean): EventListener | undefined {
  let byListener = wrappers.get(type);
  if (!byListener) {
    if (!create) return undefined;
    byListener = new WeakMap();
    wrappers.set(type, byListener);
  }
  let byCapture = byListener.get(listener);
  if (!byCapture) {
    if (!create) return undefined;
    byCapture = new Map();
    byListener.set(listener, byCapture);
  }
  let wrapper = byCapture.get(capture);
  if (!wrapper && create) {
    wrapper = (ev: Event) =>
      runGuarded(ev, () => {
        if (typeof listener === 'function') listener.call(scope, ev);
        else listener.handleEvent(ev);
      });
    byCapture.set(capture, wrapper);
  }
  return wrapper;
}

function captureOf(options: unknown): boolean {
  return typeof options === 'boolean' ? options : typeof options === 'object' && options !== null && (options as { capture?: unknown }).capture === true;
}

function addEventListener(type: string, listener: Listener | null, options?: boolean | AddEventListenerOptions): void {
  if (listener && LIFECYCLE.has(String(type))) {
    nativeAdd.call(scope, type, wrapperFor(String(type), listener, captureOf(options), true)!, options);
    return;
  }
  nativeAdd.call(scope, type, listener, options);
}

function removeEventListener(type: string, listener: Listener | null, options?: boolean | EventListenerOptions): void {
  if (listener && LIFECYCLE.has(String(type))) {
    const wrapper = wrapperFor(String(type), listener, captureOf(options), false);
    if (wrapper) nativeRemove.call(scope, type, wrapper, options);
    return;
  }
  nativeRemove.call(scope, type, listener, options);
}

function defineHandlerAttribute(type: string): void {
  let handler: ((ev: Event) => unknown) | null = null;
  let installed = false;
  Object.defineProperty(scope, `on${type}`, {
    configurable: true,
    enumerable: true,
    get: () => handler,
    set: (value: unknown) => {
      handler = typeof value === 'function' ? (value as (ev: Event) => unknown) : null;
      if (!installed) {
        installed = true;
        nativeAdd.call(scope, type, (ev: Event) => runGuarded(ev, () => void handler?.call(scope, ev)));
      }
    },
  });
}

async function runEvent(event: ExtendableEvent): Promise<EventResult> {
  const s = eventStates.get(event)!;
  const idle = new Promise<void>((resolve) => {
    s.onIdle = resolve;
  });
  s.dispatching = true;
  try {
    nativeDispatch.call(scope, event);
  } finally {
    s.dispatching = false;
  }
  if (s.pending > 0) await idle;
  if (s.errors.length > 0) return { status: 'error', code: 301, kind: 'handler-threw', message: describeError(s.errors[0]) };
  if (s.rejections.length > 0) return { status: 'error', code: 302, kind: 'waituntil-rejected', message: describeError(s.rejections[0]) };
  return { status: 'ok' };
}

function makeEvent(e: WireEvent): ExtendableEvent {
  switch (e.type) {
    case 'install':
    case 'activate':
      return new ExtendableEvent(e.type);
    case 'push':
      return new PushEvent('push', { data: e.data === null || e.data === undefined ? null : base64ToBytes(e.data) }, e.notification);
    case 'pushsubscriptionchange':
      return new PushSubscriptionChangeEvent('pushsubscriptionchange', {
        oldSubscription: e.oldSubscription ? new PushSubscription(INTERNAL, e.oldSubscription) : null,
        newSubscription: e.newSubscription ? new PushSubscription(INTERNAL, e.newSubscription) : null,
      });
    case 'notificationclick':
      return new NotificationEvent('notificationclick', { notification: new WorkerNotification(INTERNAL, e.notification), action: e.action });
    case 'notificationclose':
      return new NotificationEvent('notificationclose', { notification: new WorkerNotification(INTERNAL, e.notification) });
  }
}

async function handleEvent(id: number, wire: WireEvent): Promise<void> {
  let result: EventResult;
  windowInteraction = wire.type === 'notificationclick';
  try {
    result = await runEvent(makeEvent(wire));
  } catch (err) {
    result = { status: 'error', code: 301, kind: 'handler-threw', message: describeError(err) };
  } finally {
    windowInteraction = false;
  }
  post({ t: 'done', id, result });
}

// ---- registration, clients ----------------------------------------------------------------------

function resolveURL(value: unknown, what: string): string {
  try {
    return new URL(String(value), scriptURL).href;
  } catch {
    throw new TypeError(`Failed to execute '${what}': '${String(value)}' is not a valid URL.`);
  }
}

/** WebIDL-style conversion of NotificationOptions, with the spec's TypeErrors. */
function normalizeOptions(options: unknown): BridgeNotificationOptions {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object') throw new TypeError("Failed to execute 'showNotification': The provided value is not of type 'NotificationOptions'.");
  const o = options as Record<string, unknown>;
  const out: BridgeNotificationOptions = {};
  for (const field of ['body', 'tag', 'lang'] as const) if (o[field] !== undefined) out[field] = String(o[field]);
  for (const field of ['icon', 'badge', 'image', 'navigate'] as const) {
    if (o[field] !== undefined && o[field] !== '') out[field] = resolveURL(o[field], 'showNotification');
  }
  if (o.dir !== undefined) {
    const dir = String(o.dir);
    if (dir !== 'auto' && dir !== 'ltr' && dir !== 'rtl') throw new TypeError(`Failed to execute 'showNotification': The provided value '${dir}' is not a valid enum value of type NotificationDirection.`);
    out.dir = dir;
  }
  for (const field of ['renotify', 'silent', 'requireInteraction'] as const) if (o[field] !== undefined) out[field] = Boolean(o[field]);
  if (o.timestamp !== undefined) {
    const t = Number(o.timestamp);
    if (Number.isFinite(t)) out.timestamp = t;
  }
  let vibrate: number[] | undefined;
  if (o.vibrate !== undefined) {
    vibrate = typeof o.vibrate === 'object' && o.vibrate !== null && Symbol.iterator in o.vibrate ? Array.from(o.vibrate as Iterable<unknown>, Number) : [Number(o.vibrate)];
  }
  if (out.renotify === true && (out.tag ?? '') === '') {
    throw new TypeError("Failed to execute 'showNotification' on 'ServiceWorkerRegistration': Notifications which set the renotify flag must specify a non-empty tag.");
  }
  if (out.silent === true && vibrate !== undefined) {
    throw new TypeError("Failed to execute 'showNotification' on 'ServiceWorkerRegistration': Silent notifications must not specify vibration patterns.");
  }
  if (o.actions !== undefined) {
    if (typeof o.actions !== 'object' || o.actions === null || !(Symbol.iterator in o.actions)) {
      throw new TypeError("Failed to execute 'showNotification': The provided value cannot be converted to a sequence.");
    }
    out.actions = Array.from(o.actions as Iterable<unknown>, (a) => {
      if (typeof a !== 'object' || a === null) throw new TypeError("Failed to execute 'showNotification': action is not an object.");
      const action = a as Record<string, unknown>;
      if (action.action === undefined || action.title === undefined) throw new TypeError("Failed to execute 'showNotification': an action needs 'action' and 'title'.");
      return {
        action: String(action.action),
        title: String(action.title),
        ...(action.icon !== undefined && action.icon !== '' ? { icon: resolveURL(action.icon, 'showNotification') } : {}),
        ...(action.navigate !== undefined && action.navigate !== '' ? { navigate: resolveURL(action.navigate, 'showNotification') } : {}),
      };
    });
  }
  if (o.data !== undefined) {
    // The spec structured-serializes data; the engine stores it as JSON, so it must survive both.
    try {
      structuredClone(o.data);
      const json = JSON.stringify(o.data);
      if (json !== undefined) out.data = JSON.parse(json);
    } catch (err) {
      throw new DOMException(`Failed to execute 'showNotification': ${describeError(err)}`, 'DataCloneError');
    }
  }
  return out;
}

async function showNotification(...args: unknown[]): Promise<void> {
  if (args.length === 0) throw new TypeError("Failed to execute 'showNotification' on 'ServiceWorkerRegistration': 1 argument required, but only 0 present.");
  const [title, options] = args;
  const normalized = normalizeOptions(options);
  await callPage({ method: 'showNotification', title: String(title), options: normalized });
}

async function getNotifications(filter?: unknown): Promise<WorkerNotification[]> {
  const tag = typeof filter === 'object' && filter !== null && (filter as { tag?: unknown }).tag !== undefined ? String((filter as { tag?: unknown }).tag) : undefined;
  const list = await callPage({ method: 'getNotifications', ...(tag ? { tag } : {}) });
  return Array.isArray(list) ? list.map((n) => new WorkerNotification(INTERNAL, n as BridgeNotification)) : [];
}

async function getSubscription(): Promise<PushSubscription | null> {
  const json = (await callPage({ method: 'getSubscription' })) as BridgeSubscription | null;
  return json && typeof json.endpoint === 'string' && json.keys ? new PushSubscription(INTERNAL, json) : null;
}

const pushManager = Object.freeze({
  getSubscription,
  permissionState: () => Promise.resolve('granted'),
  // A worker may only get back the subscription it already has (e.g. in pushsubscriptionchange).
  subscribe: async () => {
    const existing = await getSubscription();
    if (existing) return existing;
    throw new DOMException('Subscribing from the worker is not supported.', 'NotAllowedError');
  },
});

const registration = {
  get scope() {
    return scopeURL;
  },
  installing: null,
  waiting: null,
  get active() {
    return { scriptURL, state: 'activated' };
  },
  updateViaCache: 'imports',
  pushManager,
  showNotification,
  getNotifications,
  update: () => Promise.resolve(registration),
  unregister: () => Promise.resolve(false),
};

const clients = Object.freeze({
  matchAll: () => Promise.resolve([]),
  get: () => Promise.resolve(undefined),
  claim: () => Promise.resolve(),
  openWindow: async (url: unknown): Promise<null> => {
    const href = resolveURL(url, 'openWindow');
    if (href === 'about:blank') throw new TypeError("Failed to execute 'openWindow' on 'Clients': 'about:blank' is not allowed.");
    if (!windowInteraction) throw new DOMException("Failed to execute 'openWindow' on 'Clients': Not allowed to open a window.", 'InvalidAccessError');
    const protocol = new URL(href).protocol;
    if (protocol !== 'https:' && protocol !== 'http:') throw new TypeError(`Failed to execute 'openWindow' on 'Clients': only http(s) URLs can be opened.`);
    const opened = await callPage({ method: 'openWindow', url: href });
    if (opened !== true) throw new TypeError(`Failed to execute 'openWindow' on 'Clients': the URL was refused.`);
    // The window opens in the user's browser, not as a client of this worker.
    return null;
  },
});

// ---- the global ---------------------------------------------------------------------------------

function installGlobals(): void {
  const define = (name: string, value: unknown) => Object.defineProperty(scope, name, { value, configurable: true, writable: true, enumerable: false });
  define('addEventListener', addEventListener);
  define('removeEventListener', removeEventListener);
  for (const type of LIFECYCLE) defineHandlerAttribute(type);
  define('registration', registration);
  define('clients', clients);
  define('skipWaiting', () => Promise.resolve());
  define('close', () => undefined);
  define('serviceWorker', { scriptURL, state: 'activated' });
  define('ExtendableEvent', ExtendableEvent);
  define('PushEvent', PushEvent);
  define('NotificationEvent', NotificationEvent);
  define('PushSubscriptionChangeEvent', PushSubscriptionChangeEvent);
  define('PushMessageData', PushMessageData);
  define('PushSubscription', PushSubscription);
  define('Notification', WorkerNotification);
  // The worker runs from /__push-agent__/scope.js; relative URLs resolve against the site's script, as in its real
  // service worker.
  define('location', Object.freeze(new URL(scriptURL)));
  define('importScripts', (...urls: unknown[]) => nativeImportScripts(...urls.map((u) => resolveURL(u, 'importScripts'))));
  define('fetch', (input: RequestInfo | URL, init?: RequestInit) =>
    nativeFetch(typeof input === 'string' || input instanceof URL ? resolveURL(input, 'fetch') : input, init),
  );
  define(
    'Request',
    new Proxy(NativeRequest, {
      construct(target, args: [RequestInfo | URL, RequestInit?]) {
        const [input, init] = args;
        return new target(typeof input === 'string' || input instanceof URL ? resolveURL(input, 'Request') : input, init);
      },
    }),
  );
}

function onPortMessage(ev: MessageEvent): void {
  const m: unknown = ev.data;
  if (!isToWorker(m)) return;
  if (m.t === 'event') void handleEvent(m.id, m.event);
  else if (m.t === 'reply') settleCall(m);
}

function start(init: Extract<ToWorker, { t: 'init' }>, p: MessagePort): void {
  port = p;
  port.onmessage = onPortMessage;
  try {
    scriptURL = new URL(init.scriptURL).href;
    scopeURL = new URL(init.scope, scriptURL).href;
  } catch {
    post({ t: 'load-failed', kind: 'script-fetch-failed', message: 'invalid script URL' });
    return;
  }
  installGlobals();
  try {
    nativeImportScripts(scriptURL);
  } catch (err) {
    const kind = err instanceof DOMException && err.name === 'NetworkError' ? 'script-fetch-failed' : 'script-error';
    post({ t: 'load-failed', kind, message: describeError(err) });
    return;
  }
  post({ t: 'loaded' });
}

// The first message (from the host page) carries the private port; nothing else is listened to on the global.
function onInit(ev: MessageEvent): void {
  const m: unknown = ev.data;
  const p = ev.ports[0];
  if (!isToWorker(m) || m.t !== 'init' || !p) return;
  ev.stopImmediatePropagation();
  nativeRemove.call(scope, 'message', onInit as EventListener);
  start(m, p);
}
nativeAdd.call(scope, 'message', onInit as EventListener);
