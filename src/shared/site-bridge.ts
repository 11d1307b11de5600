// The one bridge between a site window's page script (src/page/push-api.ts, the patched PushManager and Simple
// Push) and the engine's SiteService (src/engine/services/site-service.ts), bound to the window's origin by the host,
// never
// by anything the page sends. Electron's site-window preload exposes it with contextBridge; tests bind it with
// Playwright's exposeBinding (tests/support/playwright-site-bridge.ts). Types only; everything that crosses it is
// plain structured data.
//
// Calls never reject: failures come back as `{ ok: false, name, message }` so the DOMException name survives
// every transport (contextBridge and Playwright both lose an Error's name).

/** `globalThis.pushAgentSite` in a site window's main world. */
export interface SiteBridge {
  permissionState(): Promise<SiteResult<SitePermissionState>>;
  /** Asks for permission when it is still `prompt`. */
  subscribe(request: SiteSubscribeRequest): Promise<SiteResult<SiteSubscription>>;
  getSubscription(scope: string): Promise<SiteResult<SiteSubscription | null>>;
  /** True when the subscription existed and is gone. */
  unsubscribe(scope: string, endpoint: string): Promise<SiteResult<boolean>>;

  // ---- Simple Push (docs/architecture.md "Subscriptions") ----
  legacyRegister(): Promise<SiteResult<string>>;
  legacyUnregister(endpoint: string): Promise<SiteResult<boolean>>;
  legacyRegistrations(): Promise<SiteResult<string[]>>;
  /** The page registers one receiver at load; the host calls it for the origin's Simple Push messages. */
  onMessage(handler: (message: SiteMessage) => void): void;
}

export type SitePermissionState = 'granted' | 'denied' | 'prompt';

/** The DOMException names the Push API specifies for its failures (plus AbortError for the service refusing). */
export type SiteErrorName =
  'InvalidAccessError' | 'InvalidStateError' | 'NotAllowedError' | 'AbortError' | 'SecurityError';

export type SiteResult<T> = { ok: true; value: T } | { ok: false; name: SiteErrorName; message: string };

export interface SiteSubscribeRequest {
  /** The ServiceWorkerRegistration's scope; must be at the bound origin. */
  scope: string;
  /** The registration's worker script, which the engine runs in the worker runtime; null when none is known yet. */
  workerScriptURL: string | null;
  /** base64url of the 65-byte P-256 key, or null (allowed by the spec; Firefox accepts it too). */
  applicationServerKey: string | null;
  userVisibleOnly: boolean;
}

/** PushSubscription's state: toJSON() plus the options it was made with. */
export interface SiteSubscription {
  endpoint: string;
  expirationTime: number | null;
  keys: { p256dh: string; auth: string };
  applicationServerKey: string | null;
  userVisibleOnly: boolean;
}

/** Simple Push messages for the page's `mozSetMessageHandler` handlers. */
export type SiteMessage =
  /** A version-only push; `version` is null when the service did not say (a data-less Web Push message). */
  | { type: 'push'; endpoint: string; version: number | null }
  /** The service renewed every registration (UAID change): the page must call `registrations()` again. */
  | { type: 'push-register' };

export const SITE_BRIDGE_GLOBAL = 'pushAgentSite';
