// The Push API's PushManager and PushSubscription, backed by the engine instead of Chromium's push service: one
// implementation for the page script (src/page/push-api.ts, a page's main world) and the service-worker script
// (src/worker/service-worker-script.ts, a worker's main world). Both run it before the site's own code, each with its
// own channel to the engine (`PushBridge`); the engine's SiteService checks everything again, and a host takes the
// origin (and for a worker the scope) from the caller, never from the call.
//
// Argument checks follow the Push API spec and Chrome's messages.

import type { SiteBridge, SiteResult, SiteSubscription } from './site-bridge.ts';

/** The site bridge's Push API calls: what a PushManager needs of the engine. */
export type PushBridge = Pick<SiteBridge, 'permissionState' | 'subscribe' | 'getSubscription' | 'unsubscribe'>;

export function dom(name: string, message: string): DOMException {
  return new DOMException(message, name);
}

/** A bridge call's value; its failure as the DOMException it names (AbortError if the channel itself failed). */
export async function call<T>(p: Promise<SiteResult<T>>): Promise<T> {
  let r: SiteResult<T>;
  try {
    r = await p;
  } catch {
    throw dom('AbortError', 'The push service is not available.');
  }
  if (!r || typeof r !== 'object') throw dom('AbortError', 'The push service is not available.');
  if (r.ok) return r.value;
  throw dom(r.name, r.message);
}

// ---- base64url and keys ---------------------------------------------------------------------------

function toBase64url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(text)) return null;
  try {
    const bin = atob(text.replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/'));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

const SUBSCRIBE = "Failed to execute 'subscribe' on 'PushManager': ";

/** BufferSource | string | null -> base64url of a 65-byte uncompressed point (the engine checks the curve). */
function normalizeKey(key: unknown): string | null {
  if (key === undefined || key === null) return null;
  let bytes: Uint8Array;
  if (typeof key === 'string') {
    const decoded = fromBase64url(key);
    if (!decoded)
      throw dom(
        'InvalidCharacterError',
        `${SUBSCRIBE}The provided applicationServerKey is not encoded as base64url without padding.`,
      );
    bytes = decoded;
  } else if (key instanceof ArrayBuffer) bytes = new Uint8Array(key);
  else if (ArrayBuffer.isView(key)) bytes = new Uint8Array(key.buffer, key.byteOffset, key.byteLength);
  else
    throw new TypeError(
      `${SUBSCRIBE}The provided value is not of type '(ArrayBuffer or ArrayBufferView or DOMString)'.`,
    );
  if (bytes.length !== 65 || bytes[0] !== 0x04)
    throw dom('InvalidAccessError', `${SUBSCRIBE}The provided applicationServerKey is not valid.`);
  return toBase64url(bytes);
}

function toArrayBuffer(b64: string): ArrayBuffer {
  const bytes = fromBase64url(b64) ?? new Uint8Array(0);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/** Marks the pseudo-registration behind `window.pushManager`. */
const WINDOW = Symbol('window.pushManager');

function scriptURLOf(reg: ServiceWorkerRegistration): string | null {
  return (reg.active ?? reg.waiting ?? reg.installing)?.scriptURL ?? null;
}

/**
 * Replaces the global's PushManager operations (and adds PushSubscription objects answered by `bridge`); in a window
 * also `window.pushManager` (Declarative Web Push). Without `bridge` nothing can subscribe, as without a push service.
 */
export function installPushManager(bridge: PushBridge | undefined): void {
  const g = globalThis as unknown as {
    PushManager?: { prototype: object };
    ServiceWorkerRegistration?: { prototype: object };
  };
  if (!g.PushManager || !g.ServiceWorkerRegistration) return; // not a secure context: no Push API to provide

  // ---- PushSubscription ----
  const INTERNAL = Symbol('push-agent');

  class AgentPushSubscriptionOptions {
    readonly userVisibleOnly: boolean;
    readonly applicationServerKey: ArrayBuffer | null;
    constructor(s: SiteSubscription) {
      this.userVisibleOnly = s.userVisibleOnly;
      this.applicationServerKey = s.applicationServerKey === null ? null : toArrayBuffer(s.applicationServerKey);
    }
  }

  class AgentPushSubscription {
    readonly endpoint: string;
    readonly expirationTime: number | null;
    readonly options: AgentPushSubscriptionOptions;
    readonly #state: SiteSubscription;
    readonly #scope: string;

    constructor(token: symbol, state: SiteSubscription, scope: string) {
      if (token !== INTERNAL) throw new TypeError('Illegal constructor');
      this.#state = state;
      this.#scope = scope;
      this.endpoint = state.endpoint;
      this.expirationTime = state.expirationTime;
      this.options = new AgentPushSubscriptionOptions(state);
    }

    getKey(name: unknown): ArrayBuffer | null {
      if (name === 'p256dh') return toArrayBuffer(this.#state.keys.p256dh);
      if (name === 'auth') return toArrayBuffer(this.#state.keys.auth);
      throw new TypeError(
        `Failed to execute 'getKey' on 'PushSubscription': The provided value '${String(name)}' is not a valid enum value of type PushEncryptionKeyName.`,
      );
    }

    toJSON(): { endpoint: string; expirationTime: number | null; keys: { p256dh: string; auth: string } } {
      return { endpoint: this.endpoint, expirationTime: this.expirationTime, keys: { ...this.#state.keys } };
    }

    unsubscribe(): Promise<boolean> {
      return bridge ? call(bridge.unsubscribe(this.#scope, this.endpoint)) : Promise.resolve(false);
    }
  }

  // ---- PushManager ----

  /** PushManager has no link back to its registration: remember it when site code reads `registration.pushManager`. */
  const registrations = new WeakMap<object, ServiceWorkerRegistration>();

  const registrationOf = (manager: unknown): ServiceWorkerRegistration => {
    const reg = typeof manager === 'object' && manager !== null ? registrations.get(manager) : undefined;
    if (!reg) throw dom('InvalidStateError', 'Subscription failed - no active Service Worker');
    return reg;
  };

  const regProto = g.ServiceWorkerRegistration.prototype;
  const getter = Object.getOwnPropertyDescriptor(regProto, 'pushManager')?.get;
  if (getter) {
    // An object-literal getter, so that the function's name is 'get pushManager' as WebIDL makes it.
    const patched = Object.getOwnPropertyDescriptor(
      {
        get pushManager() {
          const reg = this as unknown as ServiceWorkerRegistration;
          const manager = getter.call(reg) as object;
          registrations.set(manager, reg);
          return manager;
        },
      },
      'pushManager',
    )!.get;
    Object.defineProperty(regProto, 'pushManager', { configurable: true, enumerable: true, get: patched });
  }
  // Declarative Web Push: `window.pushManager`, whose subscription belongs to the origin's root scope and needs no
  // service worker.
  if (typeof window !== 'undefined' && !('pushManager' in globalThis)) {
    const windowManager = Object.create(g.PushManager.prototype) as object;
    registrations.set(windowManager, {
      scope: `${location.origin}/`,
      active: null,
      waiting: null,
      installing: null,
      [WINDOW]: true,
    } as unknown as ServiceWorkerRegistration);
    const get = Object.getOwnPropertyDescriptor(
      {
        get pushManager() {
          // As for any attribute of the global: callable on the global (or with no receiver), a TypeError otherwise.
          if (this !== undefined && this !== null && this !== globalThis) throw new TypeError('Illegal invocation');
          return windowManager;
        },
      },
      'pushManager',
    )!.get;
    Object.defineProperty(globalThis, 'pushManager', { configurable: true, enumerable: true, get });
  }
  const proto = g.PushManager.prototype;
  const define = (target: object, name: string, value: unknown) =>
    Object.defineProperty(target, name, { value, configurable: true, writable: true, enumerable: true });

  define(
    proto,
    'subscribe',
    async function subscribe(this: unknown, options: unknown = {}): Promise<AgentPushSubscription> {
      const reg = registrationOf(this);
      if (typeof options !== 'object' || options === null)
        throw new TypeError(`${SUBSCRIBE}The provided value is not of type 'PushSubscriptionOptionsInit'.`);
      const o = options as { userVisibleOnly?: unknown; applicationServerKey?: unknown };
      const applicationServerKey = normalizeKey(o.applicationServerKey);
      if (!reg.active && !(WINDOW in reg))
        throw dom('InvalidStateError', 'Subscription failed - no active Service Worker');
      if (!bridge) throw dom('AbortError', 'Registration failed - push service not available');
      const state = await call(
        bridge.subscribe({
          scope: reg.scope,
          workerScriptURL: scriptURLOf(reg),
          applicationServerKey,
          userVisibleOnly: Boolean(o.userVisibleOnly),
        }),
      );
      return new AgentPushSubscription(INTERNAL, state, reg.scope);
    },
  );

  define(
    proto,
    'getSubscription',
    async function getSubscription(this: unknown): Promise<AgentPushSubscription | null> {
      const reg = registrationOf(this);
      if (!bridge) return null;
      const state = await call(bridge.getSubscription(reg.scope));
      return state ? new AgentPushSubscription(INTERNAL, state, reg.scope) : null;
    },
  );

  define(
    proto,
    'permissionState',
    async function permissionState(this: unknown, options: unknown = {}): Promise<string> {
      registrationOf(this);
      if (options !== undefined && options !== null && typeof options !== 'object')
        throw new TypeError(
          "Failed to execute 'permissionState' on 'PushManager': The provided value is not of type 'PushSubscriptionOptionsInit'.",
        );
      if (!bridge) return 'denied';
      return call(bridge.permissionState());
    },
  );

  Object.defineProperty(g.PushManager, 'supportedContentEncodings', {
    value: Object.freeze(['aes128gcm', 'aesgcm']),
    configurable: true,
    enumerable: true,
  });
}
