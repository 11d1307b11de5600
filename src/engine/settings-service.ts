// The settings window's API (src/shared/settings-api.ts) on top of the PushEngine: maps engine state to the plain
// JSON views the renderer shows, validates every argument (the IPC hub validates too; this is the last line), and
// turns engine events into SettingsEvents. The Electron IPC hub and the browser tests both drive this one class.
//
// History, preferences, budgets and resume belong to the policy layer (`engine.history`, `engine.preferences`,
// `engine.budget(id)`, `engine.resume(id)`). They are reached structurally so this compiles before they land:
// - preferences / resume fail with kind 'unavailable' while the engine lacks them;
// - history falls back to an in-memory log of this session's fates (lost on restart) until `engine.history` exists.

import { EventEmitter } from 'node:events';
import type { ConnectionState } from './connection.ts';
import type { FateRecord } from './delivery.ts';
import type { PushEngine } from './engine.ts';
import type { NotificationModel } from './notification.ts';
import type { SubscriptionInfo, SubscriptionJSON } from './subscription-record.ts';
import type {
  ConnectionStateView,
  FateView,
  HistoryEntry,
  NewEndpoint,
  Preferences,
  PreferencesPatch,
  PushAgentApi,
  SettingsEvent,
  StatusView,
  SubscriptionJSONView,
  SubscriptionView,
} from '../shared/settings-api.ts';

export type SettingsApi = Omit<PushAgentApi, 'onEvent'>;

export class SettingsError extends Error {
  readonly kind: 'invalid-argument' | 'not-found' | 'unavailable' | 'unsupported' | 'invalid-key' | 'service-unreachable' | 'service-refused' | 'failed';
  constructor(kind: SettingsError['kind'], message: string) {
    super(message);
    this.name = 'SettingsError';
    this.kind = kind;
  }
}

export interface SettingsServiceOptions {
  /** Opens a site window (Electron). Without it, addSite rejects with kind 'unsupported'. */
  addSite?: (url: string) => Promise<void>;
  /** Shows a test notification; defaults to the engine's notification path. */
  sendTest?: () => Promise<void>;
  /** Cap of the in-memory fallback history. */
  historyLimit?: number;
}

/** What the policy layer adds to the engine; every member optional until it lands. */
interface PolicySurface {
  preferences?: { get(): Preferences | Promise<Preferences>; set(patch: PreferencesPatch): Preferences | Promise<Preferences> };
  history?: { list(filter?: { subscriptionId?: string; limit?: number }): HistoryEntry[] | Promise<HistoryEntry[]>; clear(): void | Promise<void> };
  budget?: (id: string) => { left: number; cap: number } | null | undefined;
  resume?: (id: string) => boolean | void | Promise<boolean | void>;
  power?: string | (() => string);
}

const STATE_VIEW: Record<ConnectionState, ConnectionStateView> = {
  stopped: 'stopped',
  connecting: 'connecting',
  connected: 'connected',
  waiting: 'reconnecting',
  suspended: 'suspended',
};

const LABEL_MAX = 200;
const FATES = new Set<string>(['shown', 'shown-silently', 'shown-by-worker', 'generic-notification', 'charged', 'muted', 'paused', 'duplicate', 'undecryptable', 'unknown-subscription', 'worker-error', 'worker-timeout', 'quiet-hours', 'inbox-full']);

export class SettingsService extends EventEmitter<{ event: [SettingsEvent] }> implements SettingsApi {
  readonly #engine: PushEngine;
  readonly #policy: PolicySurface;
  readonly #opts: SettingsServiceOptions;
  #retryInMs: number | null = null;
  #unread = 0;
  #history: HistoryEntry[] = [];
  /** The last notification shown per subscription, to give a 'shown' fate its title and body. */
  #lastShown = new Map<string, NotificationModel & { receivedAt: number }>();
  #lastMessageAt = new Map<string, number>();
  readonly #off: Array<() => void> = [];

  constructor(engine: PushEngine, options: SettingsServiceOptions = {}) {
    super();
    this.#engine = engine;
    this.#policy = engine as unknown as PolicySurface;
    this.#opts = options;
    const on = <A extends unknown[]>(name: string, fn: (...args: A) => void) => {
      const e = engine as unknown as EventEmitter;
      e.on(name, fn as (...args: unknown[]) => void);
      this.#off.push(() => e.off(name, fn as (...args: unknown[]) => void));
    };
    on('state', (_state: ConnectionState, detail: { retryInMs?: number }) => {
      this.#retryInMs = detail?.retryInMs ?? null;
      this.#emit({ type: 'status', status: this.#status() });
    });
    on('subscriptions', () => this.#emit({ type: 'subscriptions' }));
    on('notification', (n: NotificationModel & { receivedAt: number }) => this.#lastShown.set(n.subscriptionId, n));
    on('fate', (r: FateRecord) => this.#onFate(r));
    // The policy layer's own events, once it exists.
    on('history', (entry: HistoryEntry) => {
      this.#unread++;
      if (entry.subscriptionId) this.#lastMessageAt.set(entry.subscriptionId, entry.receivedAt);
      this.#emit({ type: 'history', entry });
    });
    on('preferences', (preferences: Preferences) => this.#emit({ type: 'preferences', preferences }));
  }

  /** Stops listening to the engine (the window closed). */
  dispose(): void {
    for (const off of this.#off.splice(0)) off();
    this.removeAllListeners();
  }

  async getStatus(): Promise<StatusView> {
    return this.#status();
  }

  async listSubscriptions(): Promise<SubscriptionView[]> {
    return this.#engine.registry.list().map((r) => ({
      id: r.id,
      kind: r.kind,
      origin: r.origin,
      label: r.label,
      endpoint: r.kind === 'endpoint' ? r.endpoint : null,
      createdAt: r.createdAt,
      muted: r.muted,
      paused: r.paused ? { reason: r.paused.reason, since: r.paused.since } : null,
      budget: r.kind === 'endpoint' ? null : (this.#policy.budget?.call(this.#engine, r.id) ?? null),
      lastMessageAt: this.#lastMessageAt.get(r.id) ?? null,
      hasWorker: r.workerScriptURL !== null,
      applicationServerKey: r.kind === 'endpoint' ? r.applicationServerKey : null,
    }));
  }

  async getSubscriptionJSON(id: string): Promise<SubscriptionJSONView> {
    const rec = this.#record(id);
    // Only user-made endpoints: a site's endpoint is the site's capability, not the user's to copy.
    if (rec.kind !== 'endpoint') throw new SettingsError('not-found', 'Only endpoints you created can be copied.');
    const json = this.#engine.registry.toJSON(id);
    if (!json) throw new SettingsError('not-found', 'That endpoint\'s keys could not be read.');
    return withId(id, json);
  }

  async createEndpoint(request: NewEndpoint): Promise<SubscriptionJSONView> {
    if (typeof request !== 'object' || request === null) throw new SettingsError('invalid-argument', 'Nothing to create.');
    const label = checkLabel(request.label);
    const key = request.applicationServerKey;
    if (key !== undefined && (typeof key !== 'string' || !/^[A-Za-z0-9_-]{80,100}={0,2}$/.test(key.trim()))) {
      throw new SettingsError('invalid-key', 'The application server key must be the base64url text of a P-256 public key (87 characters, usually starting with "B").');
    }
    const info = await this.#subscribe(label, key?.trim() || null);
    return withId(info.id, info);
  }

  async renameSubscription(id: string, label: string): Promise<void> {
    this.#record(id);
    if (!this.#engine.rename(id, checkLabel(label))) throw new SettingsError('not-found', 'That subscription no longer exists.');
  }

  async replaceEndpoint(id: string): Promise<SubscriptionJSONView> {
    const rec = this.#record(id);
    if (rec.kind !== 'endpoint') throw new SettingsError('unsupported', 'Only endpoints you created can be replaced.');
    // Subscribe first so a failure leaves the old endpoint working; then the old one is unregistered (410 after).
    // TODO(policy/engine owner): an engine.replace(id) keeping the id would keep history links intact.
    const info = await this.#subscribe(rec.label, rec.applicationServerKey);
    await this.#engine.unsubscribe(id);
    return withId(info.id, info);
  }

  async deleteSubscription(id: string): Promise<void> {
    this.#record(id);
    await this.#engine.unsubscribe(id, 200);
    this.#lastMessageAt.delete(id);
    this.#lastShown.delete(id);
  }

  async setMuted(id: string, muted: boolean): Promise<void> {
    this.#record(id);
    if (typeof muted !== 'boolean') throw new SettingsError('invalid-argument', 'Muted must be true or false.');
    this.#engine.setMuted(id, muted);
  }

  async resume(id: string): Promise<void> {
    this.#record(id);
    if (!this.#policy.resume) throw unavailable('Resuming paused sites is');
    await this.#policy.resume.call(this.#engine, id);
    this.#emit({ type: 'subscriptions' });
  }

  async addSite(url: string): Promise<void> {
    if (typeof url !== 'string') throw new SettingsError('invalid-argument', 'Enter the address of a website.');
    let parsed: URL;
    try {
      parsed = new URL(url.trim().includes('://') ? url.trim() : `https://${url.trim()}`);
    } catch {
      throw new SettingsError('invalid-argument', 'That is not a web address. Try something like https://example.com.');
    }
    if (parsed.protocol !== 'https:') throw new SettingsError('invalid-argument', 'Only secure (https) websites can send push messages.');
    if (!this.#opts.addSite) throw new SettingsError('unsupported', 'Adding a site needs the desktop app.');
    await this.#opts.addSite(parsed.origin);
  }

  async getHistory(filter: { subscriptionId?: string; limit?: number } = {}): Promise<HistoryEntry[]> {
    if (typeof filter !== 'object' || filter === null) throw new SettingsError('invalid-argument', 'Bad history filter.');
    const limit = filter.limit === undefined ? 500 : filter.limit;
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new SettingsError('invalid-argument', 'Bad history limit.');
    if (filter.subscriptionId !== undefined && typeof filter.subscriptionId !== 'string') throw new SettingsError('invalid-argument', 'Bad history filter.');
    if (this.#policy.history) return this.#policy.history.list({ ...filter, limit });
    const all = filter.subscriptionId ? this.#history.filter((h) => h.subscriptionId === filter.subscriptionId) : this.#history;
    return all.slice(-limit).reverse();
  }

  async clearHistory(): Promise<void> {
    if (this.#policy.history) await this.#policy.history.clear();
    this.#history = [];
    this.#unread = 0;
  }

  async getPreferences(): Promise<Preferences> {
    if (!this.#policy.preferences) throw unavailable('Preferences are');
    return this.#policy.preferences.get();
  }

  async setPreferences(patch: PreferencesPatch): Promise<Preferences> {
    if (!this.#policy.preferences) throw unavailable('Preferences are');
    if (typeof patch !== 'object' || patch === null) throw new SettingsError('invalid-argument', 'Nothing to change.');
    if (patch.serviceUrl !== undefined) patch = { ...patch, serviceUrl: checkServiceUrl(patch.serviceUrl) };
    if (patch.quietHours) {
      for (const k of ['start', 'end'] as const) {
        const v = patch.quietHours[k];
        if (v !== undefined && (typeof v !== 'string' || !/^([01]\d|2[0-3]):[0-5]\d$/.test(v))) throw new SettingsError('invalid-argument', 'Quiet hours need times like 22:00.');
      }
    }
    try {
      return await this.#policy.preferences.set(patch);
    } catch (err) {
      if (err instanceof SettingsError) throw err;
      throw new SettingsError('invalid-argument', `That setting was not accepted: ${(err as Error).message}`);
    }
  }

  async sendTestNotification(): Promise<void> {
    if (this.#opts.sendTest) return this.#opts.sendTest();
    const model = this.#engine.notifications.show(
      { title: 'Push Agent', body: 'Notifications work. This is what a message from a site will look like.' },
      { subscriptionId: '', origin: 'push-agent://settings', source: 'generic' },
    );
    // The policy's history records messages, not this; the session fallback shows it so Activity is never empty-handed.
    if (!this.#policy.history) this.#record0({ id: model.id, subscriptionId: null, origin: null, label: 'Test notification', fate: 'shown', detail: null, title: model.title, body: model.body ?? null, receivedAt: model.shownAt, at: model.shownAt });
  }

  // ---- internals ----

  #status(): StatusView {
    const s = this.#engine.status();
    const power = typeof this.#policy.power === 'function' ? this.#policy.power.call(this.#engine) : this.#policy.power;
    return {
      state: STATE_VIEW[s.state] ?? 'offline',
      serviceUrl: s.serviceUrl,
      uaidPrefix: s.uaidPrefix,
      lastConnectedAt: s.lastConnectedAt,
      retryInMs: s.state === 'waiting' ? this.#retryInMs : null,
      power: power === 'battery' || power === 'low' ? power : 'ac',
      secretBackend: s.secretBackend,
      unread: this.#unread,
    };
  }

  #record(id: unknown) {
    if (typeof id !== 'string' || id.length === 0 || id.length > 100) throw new SettingsError('invalid-argument', 'Bad subscription id.');
    const rec = this.#engine.registry.get(id);
    if (!rec) throw new SettingsError('not-found', 'That subscription no longer exists.');
    return rec;
  }

  async #subscribe(label: string, applicationServerKey: string | null): Promise<SubscriptionInfo> {
    try {
      return await this.#engine.subscribe({ kind: 'endpoint', label, applicationServerKey });
    } catch (err) {
      const kind = (err as { kind?: string }).kind;
      if (kind === 'invalid-key') throw new SettingsError('invalid-key', 'The application server key is not a valid P-256 public key.');
      if (kind === 'service-refused') throw new SettingsError('service-refused', 'The push service refused to create an endpoint. Check the key, or try again later.');
      throw new SettingsError('service-unreachable', 'The push service cannot be reached right now. The endpoint was not created; try again once connected.');
    }
  }

  #onFate(r: FateRecord): void {
    if (r.subscriptionId) this.#lastMessageAt.set(r.subscriptionId, r.receivedAt);
    if (this.#policy.history) return; // the policy layer records and emits 'history' itself
    const sub = r.subscriptionId ? this.#engine.registry.get(r.subscriptionId) : undefined;
    const shown = r.subscriptionId ? this.#lastShown.get(r.subscriptionId) : undefined;
    const withText = shown && shown.receivedAt === r.receivedAt ? shown : undefined;
    const fate: FateView = (r.fate as string) === 'worker-showed-nothing' ? 'charged' : FATES.has(r.fate) ? (r.fate as FateView) : 'charged';
    this.#record0({
      id: r.messageId,
      subscriptionId: r.subscriptionId,
      origin: sub && sub.kind !== 'endpoint' ? sub.origin : null,
      label: sub?.label ?? null,
      fate,
      detail: r.detail ?? null,
      title: withText?.title ?? null,
      body: withText?.body ?? null,
      receivedAt: r.receivedAt,
      at: r.at,
    });
  }

  #record0(entry: HistoryEntry): void {
    this.#history.push(entry);
    const cap = this.#opts.historyLimit ?? 500;
    if (this.#history.length > cap) this.#history.splice(0, this.#history.length - cap);
    this.#unread++;
    this.#emit({ type: 'history', entry });
  }

  #emit(event: SettingsEvent): void {
    // A listener's failure (a closed window) must never reach the engine's emitter.
    try {
      this.emit('event', event);
    } catch {
      /* ignored: the listener is the host's */
    }
  }
}

function withId(id: string, json: SubscriptionJSON): SubscriptionJSONView {
  return { id, endpoint: json.endpoint, expirationTime: null, keys: { p256dh: json.keys.p256dh, auth: json.keys.auth } };
}

function checkLabel(label: unknown): string {
  if (typeof label !== 'string') throw new SettingsError('invalid-argument', 'Give it a name.');
  // Control characters would corrupt the list's layout; markup is fine (the renderer shows text as text).
  const clean = label.replace(/\p{Cc}/gu, ' ').trim();
  if (!clean) throw new SettingsError('invalid-argument', 'Give it a name.');
  if (clean.length > LABEL_MAX) throw new SettingsError('invalid-argument', `Names can be at most ${LABEL_MAX} characters.`);
  return clean;
}

function checkServiceUrl(value: unknown): string {
  if (typeof value !== 'string') throw new SettingsError('invalid-argument', 'Enter the push service address.');
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new SettingsError('invalid-argument', 'That is not a valid address. It should look like wss://push.services.mozilla.com.');
  }
  if (url.protocol !== 'wss:' && url.protocol !== 'ws:') throw new SettingsError('invalid-argument', 'The push service address must start with wss:// (or ws:// for a local test service).');
  if (url.username || url.password) throw new SettingsError('invalid-argument', 'The push service address must not contain a user name or password.');
  return url.toString().replace(/\/$/, '');
}

function unavailable(what: string): SettingsError {
  return new SettingsError('unavailable', `${what} not available in this version yet.`);
}
