// The settings window's API (src/shared/settings-api.ts) on top of the PushEngine: maps engine state to the plain
// JSON views the renderer shows, validates every argument (the IPC hub validates too; this is the last line), and
// turns engine events into SettingsEvents. The Electron IPC hub and the browser tests both drive this one class.
//
// History and its unread count, preferences, budgets and resume are the engine's (`engine.history`,
// `engine.preferences`, `engine.budget(id)`, `engine.resume(id)`); this class only validates, maps and words their
// failures.

import { EventEmitter } from 'node:events';
import type { ConnectionState } from '../push-connection.ts';
import type { EngineEvents, PushEngine } from '../engine.ts';
import type { SubscriptionInfo, SubscriptionJSON } from '../subscription-record.ts';
import { PreferencesError } from '../../shared/preferences.ts';
import {
  dataDirVapidKeys,
  DEFAULT_VAPID_SUBJECT,
  describeAnswer,
  SendNetworkError,
  sendOne,
} from '../web-push-sender.ts';
import type {
  ConnectionStateView,
  HistoryEntry,
  NewEndpoint,
  Preferences,
  PreferencesPatch,
  PushAgentApi,
  SettingsEvent,
  StatusView,
  SubscriptionJSONView,
  SubscriptionView,
  TestMessageResult,
} from '../../shared/settings-api.ts';

export type SettingsApi = Omit<PushAgentApi, 'onEvent'>;

export class SettingsError extends Error {
  readonly kind:
    | 'invalid-argument'
    | 'not-found'
    | 'unavailable'
    | 'unsupported'
    | 'invalid-key'
    | 'service-unreachable'
    | 'service-refused'
    | 'failed';
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
}

const STATE_VIEW: Record<ConnectionState, ConnectionStateView> = {
  stopped: 'stopped',
  connecting: 'connecting',
  connected: 'connected',
  waiting: 'reconnecting',
  suspended: 'suspended',
};

const LABEL_MAX = 200;
const TEST_SEND_TIMEOUT_MS = 15_000;

export class SettingsService extends EventEmitter<{ event: [SettingsEvent] }> implements SettingsApi {
  readonly #engine: PushEngine;
  readonly #opts: SettingsServiceOptions;
  #retryInMs: number | null = null;
  readonly #off: Array<() => void> = [];

  constructor(engine: PushEngine, options: SettingsServiceOptions = {}) {
    super();
    this.#engine = engine;
    this.#opts = options;
    const on = <K extends keyof EngineEvents>(name: K, fn: (...args: EngineEvents[K]) => void) => {
      const listener = fn as (...args: unknown[]) => void;
      (engine as EventEmitter).on(name, listener);
      this.#off.push(() => (engine as EventEmitter).off(name, listener));
    };
    on('state', (_state, detail) => {
      this.#retryInMs = detail.retryInMs ?? null;
      this.#emit({ type: 'status', status: this.#status() });
    });
    on('subscriptions', () => this.#emit({ type: 'subscriptions' }));
    on('power', () => this.#emit({ type: 'status', status: this.#status() }));
    on('history', (entry) => this.#emit({ type: 'history', entry }));
    // The unread count is the history's (engine.history.unread); the status carries it.
    on('unread', () => this.#emit({ type: 'status', status: this.#status() }));
    on('preferences', (preferences) => this.#emit({ type: 'preferences', preferences }));
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
    return this.#engine.subscriptionRecords().map((r) => ({
      id: r.id,
      kind: r.kind,
      origin: r.origin,
      label: r.label,
      endpoint: r.kind === 'endpoint' ? r.endpoint : null,
      createdAt: r.createdAt,
      muted: r.muted,
      paused: r.paused ? { reason: r.paused.reason, since: r.paused.since } : null,
      budget: r.kind === 'endpoint' ? null : this.#engine.budget(r.id),
      lastMessageAt: this.#engine.history.list({ subscriptionId: r.id, limit: 1 })[0]?.receivedAt ?? null,
      hasWorker: r.workerScriptURL !== null,
      applicationServerKey: r.kind === 'endpoint' ? r.applicationServerKey : null,
      pendingReregistration: r.pendingReregistration !== undefined,
    }));
  }

  async getSubscriptionJSON(id: string): Promise<SubscriptionJSONView> {
    const rec = this.#record(id);
    // Only user-made endpoints: a site's endpoint is the site's capability, not the user's to copy.
    if (rec.kind !== 'endpoint') throw new SettingsError('not-found', 'Only endpoints you created can be copied.');
    const json = this.#engine.subscriptionJSON(id);
    if (!json) throw new SettingsError('not-found', "That endpoint's keys could not be read.");
    return withId(id, json);
  }

  async createEndpoint(request: NewEndpoint): Promise<SubscriptionJSONView> {
    if (typeof request !== 'object' || request === null)
      throw new SettingsError('invalid-argument', 'Nothing to create.');
    const label = checkLabel(request.label);
    const key = request.applicationServerKey;
    if (key !== undefined && (typeof key !== 'string' || !/^[A-Za-z0-9_-]{80,100}={0,2}$/.test(key.trim()))) {
      throw new SettingsError(
        'invalid-key',
        'The application server key must be the base64url text of a P-256 public key (87 characters, usually starting with "B").',
      );
    }
    const info = await this.#subscribe(label, key?.trim() || null);
    return withId(info.id, info);
  }

  async renameSubscription(id: string, label: string): Promise<void> {
    this.#record(id);
    if (!this.#engine.rename(id, checkLabel(label)))
      throw new SettingsError('not-found', 'That subscription no longer exists.');
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
  }

  async setMuted(id: string, muted: boolean): Promise<void> {
    this.#record(id);
    if (typeof muted !== 'boolean') throw new SettingsError('invalid-argument', 'Muted must be true or false.');
    this.#engine.setMuted(id, muted);
  }

  async resume(id: string): Promise<void> {
    this.#record(id);
    if (!this.#engine.resume(id)) throw new SettingsError('not-found', 'That subscription no longer exists.');
  }

  async addSite(url: string): Promise<void> {
    if (typeof url !== 'string') throw new SettingsError('invalid-argument', 'Enter the address of a website.');
    let parsed: URL;
    try {
      parsed = new URL(url.trim().includes('://') ? url.trim() : `https://${url.trim()}`);
    } catch {
      throw new SettingsError('invalid-argument', 'That is not a web address. Try something like https://example.com.');
    }
    if (parsed.protocol !== 'https:')
      throw new SettingsError('invalid-argument', 'Only secure (https) websites can send push messages.');
    if (!this.#opts.addSite) throw new SettingsError('unsupported', 'Adding a site needs the desktop app.');
    await this.#opts.addSite(parsed.origin);
  }

  /** Newest first. Called without a filter (the Activity view's full list) it also marks everything read. */
  async getHistory(filter?: { subscriptionId?: string; limit?: number }): Promise<HistoryEntry[]> {
    if (filter !== undefined && (typeof filter !== 'object' || filter === null))
      throw new SettingsError('invalid-argument', 'Bad history filter.');
    const limit = filter?.limit ?? 500;
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
      throw new SettingsError('invalid-argument', 'Bad history limit.');
    if (filter?.subscriptionId !== undefined && typeof filter.subscriptionId !== 'string')
      throw new SettingsError('invalid-argument', 'Bad history filter.');
    if (filter === undefined) this.#engine.history.markRead();
    return this.#engine.history.list({ ...filter, limit });
  }

  async clearHistory(): Promise<void> {
    this.#engine.history.clear();
  }

  async getPreferences(): Promise<Preferences> {
    return this.#engine.preferences.get();
  }

  async setPreferences(patch: PreferencesPatch): Promise<Preferences> {
    try {
      return this.#engine.preferences.set(patch);
    } catch (err) {
      if (err instanceof PreferencesError) throw new SettingsError('invalid-argument', preferenceInWords(err));
      throw err;
    }
  }

  async sendTestNotification(): Promise<void> {
    if (this.#opts.sendTest) return this.#opts.sendTest();
    this.#engine.showAgentNotification(
      { title: 'Push Agent', body: 'Notifications work. This is what a message from a site will look like.' },
      'push-agent://settings',
    );
  }

  async sendTestMessage(id: string): Promise<TestMessageResult> {
    const rec = this.#record(id);
    if (rec.kind !== 'endpoint') throw new SettingsError('not-found', 'Only endpoints you created can be sent a test.');
    // Such an endpoint takes only messages signed with the private key of its application server, which we never had.
    if (rec.applicationServerKey) {
      throw new SettingsError(
        'unsupported',
        "This endpoint accepts only messages signed with its application server's key pair: send the test from that server, or with the command below and the key pair file.",
      );
    }
    const json = this.#engine.subscriptionJSON(id);
    if (!json) throw new SettingsError('not-found', "That endpoint's keys could not be read.");
    const payload = Buffer.from(
      JSON.stringify({
        title: 'Test notification',
        body: `Sent to “${rec.label}” from the settings window, through its push service.`,
      }),
    );
    try {
      const answer = await sendOne(json, payload, {
        vapid: await dataDirVapidKeys(this.#engine.dataDir),
        subject: DEFAULT_VAPID_SUBJECT,
        signal: AbortSignal.timeout(TEST_SEND_TIMEOUT_MS),
      });
      return { status: answer.status, accepted: answer.status === 201, message: describeAnswer(answer) };
    } catch (err) {
      if (err instanceof SendNetworkError) return { status: null, accepted: false, message: err.message };
      if ((err as Error).name === 'TimeoutError')
        return {
          status: null,
          accepted: false,
          message: `no answer from the push service within ${TEST_SEND_TIMEOUT_MS / 1000} s`,
        };
      throw new SettingsError('failed', `The test could not be sent: ${(err as Error).message}`);
    }
  }

  // ---- internals ----

  #status(): StatusView {
    const s = this.#engine.status();
    const power = this.#engine.power;
    return {
      state: STATE_VIEW[s.state] ?? 'offline',
      serviceUrl: s.serviceUrl,
      uaidPrefix: s.uaidPrefix,
      lastConnectedAt: s.lastConnectedAt,
      retryInMs: s.state === 'waiting' ? this.#retryInMs : null,
      power: power === 'battery' || power === 'low' ? power : 'ac',
      secretBackend: s.secretBackend,
      unread: this.#engine.history.unread,
    };
  }

  #record(id: unknown) {
    if (typeof id !== 'string' || id.length === 0 || id.length > 100)
      throw new SettingsError('invalid-argument', 'Bad subscription id.');
    const rec = this.#engine.subscription(id);
    if (!rec) throw new SettingsError('not-found', 'That subscription no longer exists.');
    return rec;
  }

  async #subscribe(label: string, applicationServerKey: string | null): Promise<SubscriptionInfo> {
    try {
      return await this.#engine.subscribe({ kind: 'endpoint', label, applicationServerKey });
    } catch (err) {
      const kind = (err as { kind?: string }).kind;
      if (kind === 'invalid-key')
        throw new SettingsError('invalid-key', 'The application server key is not a valid P-256 public key.');
      if (kind === 'service-refused')
        throw new SettingsError(
          'service-refused',
          'The push service refused to create an endpoint. Check the key, or try again later.',
        );
      throw new SettingsError(
        'service-unreachable',
        'The push service cannot be reached right now. The endpoint was not created; try again once connected.',
      );
    }
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
  return {
    id,
    endpoint: json.endpoint,
    expirationTime: null,
    keys: { p256dh: json.keys.p256dh, auth: json.keys.auth },
  };
}

function checkLabel(label: unknown): string {
  if (typeof label !== 'string') throw new SettingsError('invalid-argument', 'Give it a name.');
  // Control characters would corrupt the list's layout; markup is fine (the renderer shows text as text).
  const clean = label.replace(/\p{Cc}/gu, ' ').trim();
  if (!clean) throw new SettingsError('invalid-argument', 'Give it a name.');
  if (clean.length > LABEL_MAX)
    throw new SettingsError('invalid-argument', `Names can be at most ${LABEL_MAX} characters.`);
  return clean;
}

/** The schema's error (src/shared/preferences.ts) in the settings window's words. */
function preferenceInWords(err: PreferencesError): string {
  if (err.field === 'serviceUrl')
    return 'The push service address must start with wss:// (or ws:// for a local test service), without a user name or password.';
  if (err.field.startsWith('quietHours.')) return 'Quiet hours need times like 22:00.';
  return `That setting was not accepted: ${err.message}`;
}
