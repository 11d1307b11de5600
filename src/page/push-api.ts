// The Push API for pages in site windows, run in the page's main world before its own scripts. It replaces
// Chromium's PushManager (which would talk to Google's service) with one backed by the engine, through the one
// bridge object `globalThis.pushAgentSite` (src/shared/site-bridge.ts), and adds Firefox OS's Simple Push
// (`navigator.push`, `navigator.mozSetMessageHandler`).
//
// PushManager and PushSubscription are src/shared/push-manager.ts, shared with the service-worker script; the
// engine's SiteService checks everything again, since a page can call the bridge directly.
//
// Simple Push calls return a Promise that is also DOMRequest-like (`onsuccess`, `onerror`, `result`, `error`,
// `readyState`), so both Firefox OS code and `await` work.

import { SITE_BRIDGE_GLOBAL, type SiteBridge, type SiteMessage } from '../shared/site-bridge.ts';
import { call, dom, installPushManager } from '../shared/push-manager.ts';

const bridge = (globalThis as Record<string, unknown>)[SITE_BRIDGE_GLOBAL] as SiteBridge | undefined;

// ---- Simple Push ------------------------------------------------------------------------------------

type DOMRequestLike<T> = Promise<T> & {
  readyState: 'pending' | 'done';
  result: T | undefined;
  error: DOMException | null;
  onsuccess: ((this: DOMRequestLike<T>, ev: Event) => void) | null;
  onerror: ((this: DOMRequestLike<T>, ev: Event) => void) | null;
};

function request<T>(work: Promise<T>): DOMRequestLike<T> {
  const req = work.then(
    (value) => {
      req.readyState = 'done';
      req.result = value;
      queueMicrotask(() => req.onsuccess?.call(req, new Event('success')));
      return value;
    },
    (err: unknown) => {
      req.readyState = 'done';
      req.error = err instanceof DOMException ? err : dom('AbortError', String(err));
      queueMicrotask(() => req.onerror?.call(req, new Event('error')));
      throw req.error;
    },
  ) as DOMRequestLike<T>;
  Object.assign(req, { readyState: 'pending', result: undefined, error: null, onsuccess: null, onerror: null });
  // A DOMRequest user who only sets onerror must not see an unhandled rejection.
  req.catch(() => undefined);
  return req;
}

const handlers = new Map<'push' | 'push-register', (message: unknown) => void>();

function deliver(m: SiteMessage): void {
  const handler = m && typeof m === 'object' ? handlers.get(m.type) : undefined;
  if (!handler) return;
  const message = m.type === 'push' ? { pushEndpoint: m.endpoint, version: m.version } : {};
  // A throwing handler is the page's problem, as for any event listener.
  setTimeout(() => handler(message), 0);
}

function installSimplePush(): void {
  const push = Object.freeze({
    register: () =>
      request(bridge ? call(bridge.legacyRegister()) : Promise.reject(dom('AbortError', 'push service not available'))),
    unregister: (endpoint: unknown) =>
      request(
        typeof endpoint !== 'string'
          ? Promise.reject(dom('InvalidAccessError', 'endpoint must be a string'))
          : bridge
            ? call(bridge.legacyUnregister(endpoint))
            : Promise.resolve(false),
      ),
    registrations: () =>
      request(
        bridge
          ? call(bridge.legacyRegistrations()).then((list) =>
              list.map((pushEndpoint) => ({ pushEndpoint, version: null })),
            )
          : Promise.resolve([]),
      ),
  });
  const setHandler = (type: unknown, handler: unknown) => {
    if (type !== 'push' && type !== 'push-register') return;
    if (typeof handler === 'function') handlers.set(type, handler as (m: unknown) => void);
    else handlers.delete(type);
  };
  Object.defineProperty(Navigator.prototype, 'push', { get: () => push, configurable: true, enumerable: true });
  Object.defineProperty(Navigator.prototype, 'mozSetMessageHandler', {
    value: setHandler,
    configurable: true,
    writable: true,
    enumerable: true,
  });
  Object.defineProperty(Navigator.prototype, 'mozHasPendingMessage', {
    value: () => false,
    configurable: true,
    writable: true,
    enumerable: true,
  });
  bridge?.onMessage(deliver);
}

installPushManager(bridge);
installSimplePush();
