// The engine side of a site window's Push API (src/shared/site-bridge.ts): one SiteService per window, bound by the
// host to the window's origin. It validates everything the page sends (the page is untrusted), asks the
// PermissionPort, and works only through PushEngine's public API.
//
// Simple Push registrations live on the engine's own Simple Push session (src/engine/simple-push.ts), whose
// endpoints are the service's `/spush/v1/<token>` and whose pushes carry their integer version.
//
// Not done: docs/architecture.md "Subscriptions" sends a version-only push to the origin's worker (a `push` with null
// data) when no page of
// the origin is open. Legacy registrations carry no worker script and the engine does not know which pages are
// open, so today such a push reaches open pages only (needs an engine API: workerScriptURL for legacy
// registrations and an "origin has an open page" query).

import type { PushEngine, EngineEvents } from '../engine.ts';
import { SubscribeError } from '../engine.ts';
import { isP256PublicKey } from '../crypto/index.ts';
import { silentLogger } from '../log.ts';
import type { Logger } from '../ports.ts';
import type { SubscriptionRecord } from '../subscription-record.ts';
import type {
  SiteErrorName,
  SiteMessage,
  SitePermissionState,
  SiteResult,
  SiteSubscription,
} from '../../shared/site-bridge.ts';

/** Per-origin notification permission, granted by the user (Electron: a prompt; tests: explicit). */
export interface PermissionPort {
  state(origin: string): SitePermissionState;
  /** Prompts when the state is `prompt`; resolves with the user's answer. */
  ask(origin: string): Promise<'granted' | 'denied'>;
}

export class SiteError extends Error {
  readonly kind: SiteErrorName;
  constructor(kind: SiteErrorName, message: string) {
    super(message);
    this.name = 'SiteError';
    this.kind = kind;
  }
}

const MAX_URL_CHARS = 2048;
const MAX_LEGACY_REGISTRATIONS = 32;

export class SiteService {
  readonly origin: string;
  readonly #engine: PushEngine;
  readonly #permission: PermissionPort;
  readonly #logger: Logger;
  #queue: Promise<unknown> = Promise.resolve();
  readonly #listeners = new Set<(m: SiteMessage) => void>();
  readonly #onLegacyPush: (...a: EngineEvents['legacy-push']) => void;
  readonly #onReregister: (...a: EngineEvents['legacy-reregister']) => void;

  /** `origin` comes from the host (the window's URL), never from the page. */
  constructor(engine: PushEngine, origin: string, permission: PermissionPort, logger: Logger = silentLogger) {
    const url = new URL(origin);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError('a site origin must be http(s)');
    this.origin = url.origin;
    this.#engine = engine;
    this.#permission = permission;
    this.#logger = logger;
    this.#onLegacyPush = (m) => {
      if (m.origin === this.origin) this.#emit({ type: 'push', endpoint: m.endpoint, version: m.version });
    };
    this.#onReregister = (m) => {
      if (m.origin === this.origin) this.#emit({ type: 'push-register' });
    };
    engine.on('legacy-push', this.#onLegacyPush);
    engine.on('legacy-reregister', this.#onReregister);
  }

  /** Receives the origin's Simple Push messages; returns the unsubscribe function. */
  listen(listener: (m: SiteMessage) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The window closed. */
  close(): void {
    this.#listeners.clear();
    this.#engine.off('legacy-push', this.#onLegacyPush);
    this.#engine.off('legacy-reregister', this.#onReregister);
  }

  // ---- the bridge (arguments are unknown: they come from the page) ----

  permissionState(): Promise<SiteResult<SitePermissionState>> {
    return this.#run(async () => this.#permission.state(this.origin));
  }

  subscribe(request: unknown): Promise<SiteResult<SiteSubscription>> {
    return this.#run(async () => {
      const req = this.#subscribeRequest(request);
      // userVisibleOnly: false is accepted: the engine's silent-push budget (Firefox's model) pays for pushes that
      // show nothing, and pauses the subscription when it is spent.
      await this.#requirePermission();
      const existing = this.#siteRecord(req.scope);
      if (existing) {
        if (existing.applicationServerKey !== req.applicationServerKey) {
          throw new SiteError(
            'InvalidStateError',
            'A subscription with a different applicationServerKey already exists for this scope.',
          );
        }
        // The registration may have a newer script since it subscribed.
        if (req.workerScriptURL && req.workerScriptURL !== existing.workerScriptURL)
          this.#engine.setWorkerScript(existing.id, req.workerScriptURL);
        return this.#siteSubscription(existing);
      }
      try {
        const info = await this.#engine.subscribe({
          kind: 'site',
          origin: this.origin,
          scope: req.scope,
          applicationServerKey: req.applicationServerKey,
          userVisibleOnly: req.userVisibleOnly,
          workerScriptURL: req.workerScriptURL,
        });
        this.#logger.info('site subscribed', { subscription: info.id, origin: this.origin });
        return this.#siteSubscription(this.#engine.subscription(info.id)!);
      } catch (err) {
        throw this.#subscribeFailure(err);
      }
    });
  }

  getSubscription(scope: unknown): Promise<SiteResult<SiteSubscription | null>> {
    return this.#run(async () => {
      const record = this.#siteRecord(this.#scope(scope));
      return record ? this.#siteSubscription(record) : null;
    });
  }

  unsubscribe(scope: unknown, endpoint: unknown): Promise<SiteResult<boolean>> {
    return this.#run(async () => {
      const record = this.#siteRecord(this.#scope(scope));
      if (!record || typeof endpoint !== 'string' || record.endpoint !== endpoint) return false;
      return this.#engine.unsubscribe(record.id);
    });
  }

  legacyRegister(): Promise<SiteResult<string>> {
    return this.#run(async () => {
      await this.#requirePermission();
      if (this.#legacyRecords().length >= MAX_LEGACY_REGISTRATIONS)
        throw new SiteError('AbortError', 'Too many registrations for this origin.');
      try {
        const info = await this.#engine.subscribe({ kind: 'legacy', origin: this.origin });
        return info.endpoint;
      } catch (err) {
        throw this.#subscribeFailure(err);
      }
    });
  }

  legacyUnregister(endpoint: unknown): Promise<SiteResult<boolean>> {
    return this.#run(async () => {
      if (typeof endpoint !== 'string' || endpoint.length > MAX_URL_CHARS) return false;
      const record = this.#legacyRecords().find((r) => r.endpoint === endpoint);
      return record ? this.#engine.unsubscribe(record.id) : false;
    });
  }

  legacyRegistrations(): Promise<SiteResult<string[]>> {
    return this.#run(async () => this.#legacyRecords().map((r) => r.endpoint));
  }

  // ---- internals ----

  /** One call at a time per window: two racing subscribe() calls must not create two subscriptions. */
  #run<T>(fn: () => Promise<T>): Promise<SiteResult<T>> {
    const result = this.#queue.then(fn).then(
      (value): SiteResult<T> => ({ ok: true, value }),
      (err: unknown): SiteResult<T> => {
        if (err instanceof SiteError) return { ok: false, name: err.kind, message: err.message };
        this.#logger.error('site bridge call failed', {
          origin: this.origin,
          error: (err as Error)?.message ?? String(err),
        });
        return { ok: false, name: 'AbortError', message: 'The push service could not complete the request.' };
      },
    );
    this.#queue = result;
    return result;
  }

  #emit(message: SiteMessage): void {
    for (const l of this.#listeners) {
      try {
        l(message);
      } catch (err) {
        this.#logger.warn('site message listener failed', { origin: this.origin, error: (err as Error).message });
      }
    }
  }

  async #requirePermission(): Promise<void> {
    let state: SitePermissionState = this.#permission.state(this.origin);
    if (state === 'prompt') state = await this.#permission.ask(this.origin);
    if (state !== 'granted') throw new SiteError('NotAllowedError', 'Registration failed - permission denied');
  }

  /** An http(s) URL at this origin. */
  #sameOrigin(value: unknown, what: string): string {
    if (typeof value !== 'string' || value.length > MAX_URL_CHARS)
      throw new SiteError('InvalidAccessError', `${what} must be a URL`);
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new SiteError('InvalidAccessError', `${what} must be an absolute URL`);
    }
    if (url.origin !== this.origin) throw new SiteError('SecurityError', `${what} must be at the page's origin`);
    url.hash = '';
    return url.href;
  }

  #scope(value: unknown): string {
    return this.#sameOrigin(value, 'scope');
  }

  #subscribeRequest(value: unknown): {
    scope: string;
    workerScriptURL: string | null;
    applicationServerKey: string | null;
    userVisibleOnly: boolean;
  } {
    if (typeof value !== 'object' || value === null)
      throw new SiteError('InvalidAccessError', 'invalid subscribe request');
    const v = value as Record<string, unknown>;
    const scope = this.#scope(v.scope);
    const workerScriptURL =
      v.workerScriptURL === null || v.workerScriptURL === undefined
        ? null
        : this.#sameOrigin(v.workerScriptURL, 'workerScriptURL');
    let key: string | null = null;
    if (v.applicationServerKey !== null && v.applicationServerKey !== undefined) {
      if (typeof v.applicationServerKey !== 'string' || !/^[A-Za-z0-9_-]{1,200}$/.test(v.applicationServerKey)) {
        throw new SiteError('InvalidAccessError', 'The provided applicationServerKey is not valid.');
      }
      const bytes = Buffer.from(v.applicationServerKey, 'base64url');
      if (!isP256PublicKey(new Uint8Array(bytes)))
        throw new SiteError('InvalidAccessError', 'The provided applicationServerKey is not valid.');
      key = bytes.toString('base64url');
    }
    return { scope, workerScriptURL, applicationServerKey: key, userVisibleOnly: v.userVisibleOnly === true };
  }

  #subscribeFailure(err: unknown): Error {
    if (err instanceof SubscribeError) {
      this.#logger.warn('site subscription failed', { origin: this.origin, kind: err.kind });
      if (err.kind === 'invalid-key')
        return new SiteError('InvalidAccessError', 'The provided applicationServerKey is not valid.');
      return new SiteError('AbortError', 'Registration failed - push service error');
    }
    return err as Error;
  }

  #siteRecord(scope: string): SubscriptionRecord | undefined {
    return this.#records().find((r) => r.kind === 'site' && r.scope === scope);
  }

  #legacyRecords(): SubscriptionRecord[] {
    return this.#records().filter((r) => r.kind === 'legacy');
  }

  #records(): SubscriptionRecord[] {
    return this.#engine
      .list()
      .filter((i) => i.origin === this.origin)
      .map((i) => this.#engine.subscription(i.id))
      .filter((r): r is SubscriptionRecord => r !== undefined);
  }

  #siteSubscription(record: SubscriptionRecord): SiteSubscription {
    const json = this.#engine.subscriptionJSON(record.id);
    if (!json) throw new SiteError('InvalidStateError', 'The subscription is not usable.');
    return {
      endpoint: json.endpoint,
      expirationTime: null,
      keys: { ...json.keys },
      applicationServerKey: record.applicationServerKey,
      userVisibleOnly: record.userVisibleOnly,
    };
  }
}
