// The push engine: composes the connection, the subscription registry, the inbox and the delivery pipeline,
// and is the one object hosts talk to. Read this file first, then delivery.ts.

import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { generateSubscriptionKeys, isP256PublicKey } from './crypto/index.ts';
import { systemClock } from './clock.ts';
import { PushConnection, type ConnectionOptions, type ConnectionState } from './connection.ts';
import { DeliveryPipeline, errorKind, type BatchPosition, type FateRecord, type Fate, type ShowResult, type WorkerRun } from './delivery.ts';
import { Inbox } from './inbox.ts';
import { displayUrl, silentLogger } from './log.ts';
import { NotificationCenter } from './notification-center.ts';
import { httpUrl, validateNotification, type NotificationModel, type NotificationRequest } from './notification.ts';
import type { ServerMessage } from './protocol.ts';
import { migrate } from './state-schema.ts';
import { reregistrationGroupSize, SubscriptionRegistry, type Reregistered } from './subscriptions.ts';
import { SimplePushSession } from './simple-push.ts';
import type { SubscriptionInfo, SubscriptionJSON, SubscriptionRecord } from './subscription-record.ts';
import type { Clock, Logger, Notifier, PowerSource, PowerState, SecretBox, Store, TimerHandle, UrlOpener, WorkerClient, WorkerEvent, WorkerHost, WorkerOutcome } from './ports.ts';
import type { HistoryEntry, Preferences } from '../shared/settings-api.ts';
import { BurstGrace, genericNotificationTitle, judgeSilentPush } from './policy/accounting.ts';
import { BudgetLedger } from './policy/budget.ts';
import { History } from './policy/history.ts';
import { FixedPowerSource, PowerPolicy } from './policy/power.ts';
import { defaultPreferences, PreferencesService } from './policy/preferences.ts';
import { QuietHoursTracker, type TimeOfDay } from './policy/quiet-hours.ts';
import { UrgencyNegotiator } from './policy/urgency.ts';

export interface EngineOptions {
  serviceUrl: string;
  /**
   * The service as chosen, when it differs from the URL connected to: 'local' (EMBEDDED_SERVICE) when the host runs
   * the embedded push service at `serviceUrl`. The `serviceUrl` preference defaults to it, so a saved preference
   * names the choice, never the embedded service's loopback URL. Default: serviceUrl.
   */
  serviceChoice?: string;
  /** Directory for the inbox journal. */
  dataDir: string;
  store: Store;
  secrets: SecretBox;
  notifier: Notifier;
  opener?: UrlOpener;
  workerHost?: WorkerHost;
  clock?: Clock;
  logger?: Logger;
  /** Connection tuning; `clock` lets the socket's timers run on another clock than the policy's (tests). */
  connection?: Partial<Omit<ConnectionOptions, 'url' | 'logger'>>;
  inbox?: { fsync?: boolean; ringSize?: number; maxPending?: number };
  /**
   * Overrides of the power-dependent push event deadline and worker keep-alive (otherwise the preferences decide),
   * and the delays before each retry of a failed worker event (default 1 s, 2 s, 4 s: three retries).
   */
  worker?: { deadlineMs?: number; keepAliveMs?: number; retryDelaysMs?: number[] };
  /** The host's power state; `ac` when the host cannot tell. */
  power?: PowerSource;
  /** Local time of day in ms, for quiet hours (tests pin the time zone with it). */
  timeOfDay?: TimeOfDay;
  /** Urgency support detection (policy/urgency.ts). */
  urgency?: { replyTimeoutMs?: number; closeGraceMs?: number };
  history?: { limit?: number; debounceMs?: number };
}

/** A worker kept alive between the events of one coalesced batch: the next one is dispatched as soon as this ends. */
const BATCH_BRIDGE_MS = 2_000;
const DEFAULT_RETRY_DELAYS_MS = [1_000, 2_000, 4_000];
const QUIET_SUMMARY_ORIGIN = 'push-agent://quiet-hours';
const SECRETS_RETRY_FIRST_MS = 2_000;
const SECRETS_RETRY_MAX_MS = 5 * 60_000;

export type NewSubscription =
  | { kind: 'endpoint'; label?: string; applicationServerKey?: string | null; origin?: string }
  | { kind: 'site'; origin: string; scope?: string; applicationServerKey: string | null; userVisibleOnly: boolean; workerScriptURL?: string | null; label?: string }
  | { kind: 'legacy'; origin: string; scope?: string; label?: string };

export class SubscribeError extends Error {
  readonly kind: 'invalid-key' | 'invalid-origin' | 'service-refused' | 'service-unreachable';
  constructor(kind: SubscribeError['kind'], message: string) {
    super(message);
    this.name = 'SubscribeError';
    this.kind = kind;
  }
}

export interface EngineStatus {
  state: ConnectionState;
  /** Without credentials, query or fragment (displayUrl): status is shown and printed. */
  serviceUrl: string;
  /** First 8 hex digits only: the full UAID is a bearer credential for the connection. */
  uaidPrefix: string | null;
  lastConnectedAt: number | null;
  subscriptions: number;
  /** Subscriptions whose endpoint died with a UAID reset and that wait to be registered again. */
  pendingReregistrations: number;
  pendingMessages: number;
  secretBackend: { name: string; strong: boolean };
  /**
   * Subscriptions kept aside as stored: `locked` wait for the SecretBox's key (not connected meanwhile), `unopened`
   * have secrets that do not open with it, `badShape` are not subscriptions. None is changed or dropped.
   */
  subscriptionsAside: { locked: number; unopened: number; badShape: number };
}

export interface EngineEvents {
  state: [ConnectionState, { code?: number; reason?: string; retryInMs?: number }];
  subscriptions: [];
  fate: [FateRecord];
  notification: [NotificationModel & { receivedAt: number }];
  subscriptionchange: [{ subscriptionId: string; oldSubscription: SubscriptionJSON | null; newSubscription: SubscriptionJSON | null }];
  /** Simple Push: a version-only push for a legacy registration (site pages' `push` handler). */
  'legacy-push': [{ subscriptionId: string; origin: string; endpoint: string; version: number | null }];
  /** Simple Push: registrations were renewed after a UAID change (`push-register`). */
  'legacy-reregister': [{ origin: string }];
  /** Every new history entry (one per message). */
  history: [HistoryEntry];
  preferences: [Preferences];
  power: [PowerState];
}

const ENDPOINT_ORIGIN = 'push-agent://endpoint';

export class PushEngine extends EventEmitter<EngineEvents> {
  readonly registry: SubscriptionRegistry;
  readonly connection: PushConnection;
  readonly notifications: NotificationCenter;
  #inbox: Inbox | null = null;
  #pipeline: DeliveryPipeline | null = null;
  #opts: EngineOptions;
  #clock: Clock;
  #logger: Logger;
  #lastConnectedAt: number | null = null;
  #resubscribing: Promise<void> | null = null;
  #forgetting = new Set<string>();
  #started = false;
  /** `get()` / `set(patch)`: validated, persisted, emitted as 'preferences'; every policy number is read live. */
  readonly preferences: PreferencesService;
  /** `list(filter)` newest first / `clear()`: the last 500 messages and their fate (policy/history.ts). */
  readonly history: History;
  #power: PowerPolicy;
  #budgets: BudgetLedger;
  #grace = new BurstGrace();
  #quiet: QuietHoursTracker;
  #urgency: UrgencyNegotiator;
  #connected = false;
  /** Legacy (Simple Push) registrations live on their own session: see simple-push.ts. */
  #simplePush: SimplePushSession;

  /** Where this engine keeps its files (the sender's VAPID key pair lives there too). */
  get dataDir(): string {
    return this.#opts.dataDir;
  }

  constructor(opts: EngineOptions) {
    super();
    this.#opts = opts;
    this.#clock = opts.clock ?? systemClock;
    this.#logger = opts.logger ?? silentLogger;
    // The service chosen is the preference's default; a changed preference applies when the host next creates the engine.
    this.preferences = new PreferencesService(opts.store, defaultPreferences(opts.serviceChoice ?? opts.serviceUrl), (p) => this.#onPreferences(p));
    this.history = new History({ dataDir: opts.dataDir, clock: this.#clock, logger: this.#logger, ...opts.history });
    this.#budgets = new BudgetLedger(opts.store);
    opts.workerHost?.onRegistrationDeleted?.((scope) => void this.#registrationDeleted(scope));
    this.#power = new PowerPolicy(opts.power ?? new FixedPowerSource('ac'), () => this.preferences.current.policy, this.#logger, (s) => this.#onPower(s));
    this.#quiet = new QuietHoursTracker(this.#clock, () => this.preferences.current.quietHours, (held) => this.#quietHoursEnded(held), opts.timeOfDay);
    this.registry = new SubscriptionRegistry(opts.store, opts.secrets, this.#logger);
    this.notifications = new NotificationCenter(opts.notifier, this.#clock, (err) => this.#logger.warn('notification failed', { kind: errorKind(err) }));
    this.connection = new PushConnection(
      { ...opts.connection, url: opts.serviceUrl, clock: opts.connection?.clock ?? this.#clock, logger: this.#logger },
      {
        // The UAID goes only to the service that issued it, and only while it has live subscriptions.
        helloUaid: () => ((this.#webPushSubs().length > 0 || this.registry.asideCounts().unopened > 0) && this.#opts.store.get('serviceUrl') === this.#opts.serviceUrl ? this.#storedUaid() : null),
        hello: (uaid) => this.#onHello(uaid),
        message: (m) => this.#onMessage(m),
        state: (state, detail) => {
          if (state === 'connected') {
            this.#lastConnectedAt = this.#clock.now();
            this.#connected = true;
            this.#urgency.connected(this.#power.minUrgency());
          } else if (this.#connected) {
            this.#connected = false;
            this.#urgency.disconnected();
          }
          this.emit('state', state, detail);
        },
      },
    );
    this.#urgency = new UrgencyNegotiator({
      store: opts.store,
      clock: this.#clock,
      logger: this.#logger,
      serviceUrl: opts.serviceUrl,
      send: (frame) => this.connection.send(frame),
      ...opts.urgency,
    });
    this.#simplePush = new SimplePushSession({
      registry: this.registry,
      store: opts.store,
      clock: opts.connection?.clock ?? this.#clock,
      logger: this.#logger,
      serviceUrl: opts.serviceUrl,
      ...(opts.connection ? { connection: opts.connection } : {}),
      push: (sub, version) => this.#legacyPush(sub, version),
      reregistered: (origins) => {
        for (const origin of origins) this.emit('legacy-reregister', { origin });
        this.emit('subscriptions');
      },
    });
  }

  /** Subscriptions on the Web Push session (everything but Simple Push registrations). */
  #webPushSubs(): SubscriptionRecord[] {
    return this.registry.list().filter((s) => s.kind !== 'legacy');
  }

  #loaded = false;

  /** Loads the stored state (migrating it) without connecting: enough to list and report status. */
  async load(): Promise<void> {
    if (this.#loaded) return;
    this.#loaded = true;
    migrate(this.#opts.store);
    await this.registry.load();
  }

  /** Loads state, replays the inbox, connects. */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    await this.load();
    this.#inbox = new Inbox({ file: path.join(this.#opts.dataDir, 'inbox.jsonl'), logger: this.#logger, ...this.#opts.inbox });
    this.#pipeline = new DeliveryPipeline({
      registry: this.registry,
      inbox: this.#inbox,
      connection: this.connection,
      logger: this.#logger,
      clock: this.#clock,
      fate: (r) => this.#onFate(r),
      show: (sub, request, source, receivedAt) => this.#show(sub, request, source, receivedAt),
      dispatchToWorker: (sub, data, declared, batch) => this.#dispatchPush(sub, data, declared, batch),
      settleSilent: (sub, receivedAt) => this.#settleSilent(sub, receivedAt),
      coalesceMs: (sub) => (this.#hasWorker(sub) ? this.#power.coalesceMs() : 0),
      retryDelayMs: (attempt) => (this.#opts.worker?.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS)[attempt] ?? null,
      forgetChannel: (channelID) => this.#forgetChannel(channelID),
      hostUnavailable: (sub, why, receivedAt) => {
        const site = sub.label || new URL(sub.origin).host;
        this.#show(sub, { title: `${site} sent a message`, body: `Kept until it can be delivered: ${why}` }, 'generic', receivedAt);
      },
    });
    this.#pipeline.replay();
    if (this.registry.asideCounts().locked > 0) {
      // Connecting now would drop the locked subscriptions' messages as unknown; the service keeps them meanwhile.
      this.#logger.warn('subscription keys are locked; connecting once they open', this.registry.asideCounts());
      this.#scheduleSecretsRetry();
      return;
    }
    this.connection.start();
    this.#simplePush.startIfNeeded();
  }

  /** True while subscriptions wait for their keys (a locked keyring, a missing key file): not connected meanwhile. */
  get secretsLocked(): boolean {
    return this.registry.asideCounts().locked > 0;
  }

  #secretsRetry: { timer: TimerHandle | null; delayMs: number } = { timer: null, delayMs: SECRETS_RETRY_FIRST_MS };

  #scheduleSecretsRetry(): void {
    const delay = this.#secretsRetry.delayMs;
    this.#secretsRetry.delayMs = Math.min(delay * 2, SECRETS_RETRY_MAX_MS);
    this.#secretsRetry.timer = this.#clock.setTimeout(() => {
      this.#secretsRetry.timer = null;
      void this.retrySecrets();
    }, delay);
  }

  /**
   * Tries the locked subscriptions' keys again (the engine also does on its own, backing off to every 5 min; a host
   * calls this when it knows the keyring unlocked). Connects once none is locked. True when none is locked now.
   */
  async retrySecrets(): Promise<boolean> {
    if (this.#secretsRetry.timer) this.#clock.clearTimeout(this.#secretsRetry.timer);
    this.#secretsRetry.timer = null;
    const opened = await this.registry.reopen();
    if (opened) this.emit('subscriptions');
    if (this.secretsLocked) {
      if (this.#started) this.#scheduleSecretsRetry();
      return false;
    }
    this.#secretsRetry.delayMs = SECRETS_RETRY_FIRST_MS;
    if (this.#started) {
      this.connection.start();
      this.#simplePush.startIfNeeded();
    }
    return true;
  }

  /** Stops cleanly: finishes dispatching, closes the socket, flushes the inbox. */
  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    if (this.#secretsRetry.timer) this.#clock.clearTimeout(this.#secretsRetry.timer);
    this.#secretsRetry.timer = null;
    this.#pipeline?.close();
    await this.connection.stop();
    // A re-registration round ends at its next step (its request failed with the connection); what it registered is
    // stored before stop returns, the rest stays marked for the next start.
    await this.#resubscribing;
    await this.#simplePush.stop();
    await this.#pipeline?.idle();
    await this.#opts.workerHost?.close();
    this.#inbox?.close();
    this.#urgency.close();
    this.#quiet.close();
    this.history.flush();
  }

  /**
   * Host signal: the worker host can run workers again (a browser was installed or found). The messages kept for it
   * (WORKER_HOST_UNAVAILABLE) are dispatched now.
   */
  workerHostAvailable(): void {
    this.#pipeline?.releaseWaitingForHost();
  }

  /** Host signal: resumed from sleep or the network came back. */
  wake(): void {
    this.connection.wake();
    this.#simplePush.wake();
  }

  /** Resolves once every message received so far has been dispatched. */
  async idle(): Promise<void> {
    await this.#pipeline?.idle();
  }

  status(): EngineStatus {
    const uaid = this.#storedUaid();
    return {
      state: this.connection.state,
      serviceUrl: displayUrl(this.#opts.serviceUrl),
      uaidPrefix: uaid ? uaid.slice(0, 8) : null,
      lastConnectedAt: this.#lastConnectedAt,
      subscriptions: this.registry.size,
      pendingReregistrations: this.#webPushSubs().filter((s) => s.pendingReregistration).length,
      pendingMessages: this.#inbox?.pendingCount ?? 0,
      secretBackend: { name: this.#opts.secrets.backend, strong: this.#opts.secrets.strong },
      subscriptionsAside: this.registry.asideCounts(),
    };
  }

  list(): SubscriptionInfo[] {
    return this.registry.list().map((r) => this.registry.info(r.id)!).filter(Boolean);
  }

  async subscribe(req: NewSubscription): Promise<SubscriptionInfo> {
    const key = 'applicationServerKey' in req ? (req.applicationServerKey ?? null) : null;
    if (key !== null && !isP256PublicKey(Buffer.from(key, 'base64url'))) {
      throw new SubscribeError('invalid-key', 'applicationServerKey must be a 65-byte uncompressed P-256 public key');
    }
    const id = randomUUID();
    let origin: string;
    if (req.kind === 'endpoint' && !req.origin) origin = `${ENDPOINT_ORIGIN}/${id}`;
    else {
      const o = req.kind === 'endpoint' ? req.origin! : req.origin;
      const url = httpUrl(o);
      if (!url) throw new SubscribeError('invalid-origin', 'origin must be an http(s) URL');
      origin = new URL(url).origin;
    }
    const scope = req.kind !== 'endpoint' && req.scope ? (httpUrl(req.scope, origin) ?? `${origin}/`) : `${origin}/`;
    const keys = generateSubscriptionKeys();
    const channelID = randomUUID();
    const endpoint = await this.#register(channelID, key, req.kind === 'legacy');
    const record: SubscriptionRecord = {
      id,
      channelID,
      kind: req.kind,
      origin,
      scope,
      endpoint,
      applicationServerKey: key === null ? null : Buffer.from(key, 'base64url').toString('base64url'),
      userVisibleOnly: req.kind === 'site' ? req.userVisibleOnly : false,
      p256dh: keys.publicKey.toString('base64url'),
      label: req.label ?? (req.kind === 'endpoint' ? 'Endpoint' : new URL(origin).host),
      workerScriptURL: req.kind === 'site' && req.workerScriptURL ? (httpUrl(req.workerScriptURL, origin) ?? null) : null,
      createdAt: this.#clock.now(),
      muted: false,
      paused: null,
      ...(req.kind === 'legacy' ? { legacyVersion: 0 } : {}),
    };
    await this.registry.put(record, keys);
    this.emit('subscriptions');
    return this.registry.info(id)!;
  }

  /** Unregisters at the service (code 200) and forgets it. False when there was no such subscription. */
  async unsubscribe(id: string, code: 200 | 201 | 202 = 200): Promise<boolean> {
    const sub = this.registry.get(id);
    if (!sub) return false;
    this.registry.remove(id);
    this.#inbox?.forget(id);
    this.#budgets.forget(id);
    this.notifications.closeOrigin(sub.origin);
    this.emit('subscriptions');
    try {
      if (sub.kind === 'legacy') await this.#simplePush.unregister(sub.channelID);
      else await this.connection.unregister(sub.channelID, code);
    } catch (err) {
      // Forgotten locally either way; the service answers 410 once it hears, and unknown-channel messages get 102.
      this.#logger.warn('unregister not confirmed', { subscription: id, error: (err as Error).message });
    }
    return true;
  }

  // ---- policy (docs/policies.md) ----

  /** The current power state. */
  get power(): PowerState {
    return this.#power.state;
  }

  /** Notifications held back by the current quiet period (the tray badge); 0 outside quiet hours. */
  get heldByQuietHours(): number {
    return this.#quiet.held;
  }

  /** Messages held for a coalesced worker wake-up (under `low`). */
  get heldMessages(): number {
    return this.#pipeline?.held ?? 0;
  }

  /** Silent-push budget of a site subscription under the current power state; null where budgets do not apply. */
  budget(id: string): { left: number; cap: number } | null {
    const sub = this.registry.get(id);
    if (!sub || !this.#hasBudget(sub)) return null;
    return this.#budgets.get(id, this.#power.budgetRule(), this.#clock.now());
  }

  /** Unpauses a subscription and refills its budget. False when there is no such subscription. */
  resume(id: string): boolean {
    const sub = this.registry.get(id);
    if (!sub) return false;
    if (this.#hasBudget(sub)) this.#budgets.refill(id, this.#power.budgetRule(), this.#clock.now());
    if (sub.paused) this.registry.update(id, { paused: null });
    this.emit('subscriptions');
    return true;
  }

  /**
   * The user opened the site (a site window): its subscriptions' budgets refill to the cap. The user's own
   * engagement also lifts a pause, as resume does.
   */
  siteOpened(origin: string): void {
    let normalized: string;
    try {
      normalized = new URL(origin).origin;
    } catch {
      return;
    }
    for (const sub of this.registry.list()) if (sub.origin === normalized && this.#hasBudget(sub)) this.resume(sub.id);
  }

  #hasBudget(sub: SubscriptionRecord): boolean {
    return sub.kind === 'site';
  }

  #onFate(r: FateRecord): void {
    this.emit('fate', r);
    const sub = r.subscriptionId ? this.registry.get(r.subscriptionId) : undefined;
    const entry: HistoryEntry = {
      id: r.messageId,
      subscriptionId: r.subscriptionId,
      origin: r.origin,
      label: sub?.label ?? null,
      fate: r.fate,
      detail: r.detail ?? null,
      title: r.title ?? null,
      body: r.body ?? null,
      receivedAt: r.receivedAt,
      at: r.at,
    };
    this.history.add(entry);
    this.emit('history', entry);
  }

  /** Step 8 for a push that showed nothing (policy/accounting.ts decides; this applies it). */
  #settleSilent(sub: SubscriptionRecord, receivedAt: number): { fate: Fate; detail?: string } {
    const now = this.#clock.now();
    const rule = this.#power.budgetRule();
    const hasBudget = this.#hasBudget(sub);
    const verdict = judgeSilentPush({
      hasBudget,
      userVisibleOnly: sub.userVisibleOnly,
      inGrace: this.#grace.inGrace(sub.origin, now, this.preferences.current.policy.burstGraceSeconds * 1000),
      left: hasBudget ? this.#budgets.get(sub.id, rule, now).left : 0,
    });
    switch (verdict.kind) {
      case 'free':
        return { fate: 'shown-silently', detail: verdict.reason };
      case 'generic': {
        const site = sub.label || new URL(sub.origin).host;
        this.#show(sub, { title: genericNotificationTitle(site) }, 'generic', receivedAt);
        return { fate: 'generic-notification', detail: 'no budget left' };
      }
      case 'charge': {
        this.#budgets.charge(sub.id, rule, now);
        if (!verdict.pauseAfter) return { fate: 'charged' };
        this.registry.update(sub.id, { paused: { reason: 'silent-push budget used up', since: now } });
        this.#logger.info('subscription paused: silent-push budget used up', { subscription: sub.id });
        this.emit('subscriptions');
        return { fate: 'charged', detail: 'paused' };
      }
    }
  }

  #onPower(state: PowerState): void {
    this.#logger.info('power state changed', { state });
    if (state !== 'low') this.#pipeline?.releaseHeld();
    this.#urgency.request(this.#power.minUrgency());
    this.emit('power', state);
    this.emit('subscriptions'); // budgets' caps changed
  }

  #onPreferences(p: Preferences): void {
    this.#power.reevaluate();
    this.#urgency.request(this.#power.minUrgency());
    this.#quiet.check();
    this.emit('preferences', p);
    this.emit('subscriptions'); // caps may have changed
  }

  #quietHoursEnded(held: number): void {
    const body = held === 1 ? '1 notification arrived during quiet hours. It is in the history.' : `${held} notifications arrived during quiet hours. They are in the history.`;
    const model = this.notifications.show({ title: 'Quiet hours are over', body }, { subscriptionId: '', origin: QUIET_SUMMARY_ORIGIN, source: 'generic' });
    this.emit('notification', { ...model, receivedAt: this.#clock.now() });
  }

  setMuted(id: string, muted: boolean): boolean {
    const ok = this.registry.update(id, { muted }) !== undefined;
    if (ok) this.emit('subscriptions');
    return ok;
  }

  rename(id: string, label: string): boolean {
    const ok = this.registry.update(id, { label: label.slice(0, 200) }) !== undefined;
    if (ok) this.emit('subscriptions');
    return ok;
  }

  /** The host reports a click on one of our notifications. */
  async notificationActivated(id: string, action = ''): Promise<void> {
    const n = this.notifications.get(id);
    const sub = n && this.registry.get(n.subscriptionId);
    if (!n || !sub) return;
    // A click on one of the origin's notifications refills its budget (docs/policies.md).
    this.siteOpened(sub.origin);
    const fallback = sub.kind === 'endpoint' ? undefined : sub.origin;
    const what = this.notifications.activate(id, action, fallback, this.#hasWorker(sub));
    if (what.kind === 'open') await this.#open(what.url);
    else if (what.kind === 'worker-click') await this.#dispatch(sub, { type: 'notificationclick', notification: what.notification, action });
  }

  async notificationClosed(id: string): Promise<void> {
    const n = this.notifications.dismissed(id);
    const sub = n && this.registry.get(n.subscriptionId);
    if (n && sub && this.#hasWorker(sub)) await this.#dispatch(sub, { type: 'notificationclose', notification: n });
  }

  // ---- connection ----

  #storedUaid(): string | null {
    const v = this.#opts.store.get('uaid');
    return typeof v === 'string' ? v : null;
  }

  #onHello(uaid: string): void {
    const previous = this.#storedUaid();
    const subs = this.#webPushSubs();
    if (previous !== uaid && subs.length > 0) {
      // Every channel of the old UAID is dead (docs/protocol-notes.md §1). Mark each subscription before storing the new
      // UAID: a drop or a restart mid-way then resumes from the marks, never believes the old endpoints live.
      this.#logger.warn('push service issued a new UAID; re-registering every subscription', { count: subs.length });
      const since = this.#clock.now();
      this.registry.updateMany(subs.filter((s) => !s.pendingReregistration).map((s) => [s.id, { pendingReregistration: { since } }] as const));
      this.emit('subscriptions');
    }
    this.#opts.store.set('uaid', uaid);
    this.#opts.store.set('serviceUrl', this.#opts.serviceUrl);
    if (this.#webPushSubs().some((s) => s.pendingReregistration)) this.#resumeReregistration();
  }

  /** Resolves when a re-registration after a UAID change has finished or stopped for this connection (tests, status). */
  async settled(): Promise<void> {
    await this.#resubscribing;
    await this.#simplePush.settled();
  }

  #reregisterAgain = false;

  /** Re-registers the waiting subscriptions once the session is ready; a drop ends it until the next hello. */
  #resumeReregistration(): void {
    if (this.#resubscribing) {
      this.#reregisterAgain = true;
      return;
    }
    this.#resubscribing = (async () => {
      do {
        this.#reregisterAgain = false;
        try {
          await this.connection.whenReady();
          await this.#reregisterPending();
        } catch (err) {
          const waiting = this.#webPushSubs().filter((s) => s.pendingReregistration).length;
          this.#logger.warn('re-registration interrupted; it resumes on the next connection', { error: (err as Error).message, waiting });
        }
      } while (this.#reregisterAgain && this.#started);
    })().finally(() => {
      this.#resubscribing = null;
    });
  }

  /**
   * One round: registers each waiting subscription anew, storing them in groups (reregistrationGroupSize: a bounded
   * number of state writes per round, so the round is linear). A subscription's change is announced once its group
   * is stored. A drop or a stop ends the round; the group registered so far is stored first, the rest stay marked.
   */
  async #reregisterPending(): Promise<void> {
    const waiting = this.#webPushSubs().filter((s) => s.pendingReregistration);
    const groupSize = reregistrationGroupSize(waiting.length);
    const group: Array<Reregistered & { oldJSON: SubscriptionJSON | null }> = [];
    let refused = 0;
    try {
      for (const old of waiting) {
        if (!this.#started) break;
        if (!this.registry.get(old.id)) continue;
        const keys = generateSubscriptionKeys();
        const channelID = randomUUID();
        let endpoint: string;
        try {
          endpoint = await this.connection.register(channelID, old.applicationServerKey);
        } catch (err) {
          // A refusal is about this subscription (it stays waiting, retried next connection); a drop ends the round.
          if ((err as { kind?: string }).kind !== 'rejected') throw err;
          refused++;
          continue;
        }
        group.push({ id: old.id, channelID, endpoint, keys, oldJSON: this.registry.toJSON(old.id) });
        if (group.length >= groupSize) await this.#storeReregistered(group.splice(0));
      }
    } finally {
      if (group.length) await this.#storeReregistered(group.splice(0));
      if (refused) this.#logger.warn('the push service refused some re-registrations; they stay waiting', { refused });
    }
  }

  async #storeReregistered(group: Array<Reregistered & { oldJSON: SubscriptionJSON | null }>): Promise<void> {
    const skipped = await this.registry.storeReregistered(group);
    for (const { id, channelID, oldJSON } of group) {
      // Unsubscribed meanwhile: the new channel is not wanted either.
      if (skipped.has(id)) {
        this.#forgetChannel(channelID);
        continue;
      }
      const next = this.registry.get(id)!;
      const newJSON = this.registry.toJSON(id);
      this.emit('subscriptionchange', { subscriptionId: id, oldSubscription: oldJSON, newSubscription: newJSON });
      if (this.#hasWorker(next)) void this.#dispatch(next, { type: 'pushsubscriptionchange', oldSubscription: oldJSON, newSubscription: newJSON });
    }
    this.emit('subscriptions');
  }

  /** Registers a channel on the session its kind lives on; failures become SubscribeErrors users can read. */
  async #register(channelID: string, key: string | null, legacy = false): Promise<string> {
    try {
      if (legacy) return await this.#simplePush.register(channelID);
      try {
        return await this.connection.register(channelID, key);
      } catch (err) {
        // Probing an unknown service for urgency support can cost the connection a request was waiting on:
        // the reconnect will not probe again, so one retry is enough.
        if ((err as { kind?: string }).kind !== 'closed' || !this.#urgency.closedByProbe) throw err;
        return await this.connection.register(channelID, key);
      }
    } catch (err) {
      const e = err as Error & { kind?: string; status?: number };
      if (e.kind === 'rejected') throw new SubscribeError('service-refused', `the push service refused the subscription (status ${e.status ?? '?'})`);
      throw new SubscribeError('service-unreachable', `the push service did not answer: ${e.message}`);
    }
  }

  #onMessage(m: ServerMessage): void {
    switch (m.type) {
      case 'notification':
        return this.#pipeline?.receive(m);
      case 'legacy-updates':
        // Only the Simple Push session receives these (simple-push.ts); here they are acked and dropped.
        this.connection.send(JSON.stringify({ messageType: 'ack', updates: m.updates }));
        return;
      case 'urgency':
        return this.#urgency.reply(m.status);
      default:
        this.#logger.debug('ignored message', { type: m.type });
    }
  }

  /** Simple Push: a version for a legacy registration (simple-push.ts has checked it is new). */
  #legacyPush(sub: SubscriptionRecord, version: number | null): void {
    this.emit('legacy-push', { subscriptionId: sub.id, origin: sub.origin, endpoint: sub.endpoint, version });
    if (this.#hasWorker(sub)) void this.#dispatch(sub, { type: 'push', data: null });
  }

  #forgetChannel(channelID: string): void {
    // A subscription kept aside (its secrets did not open) is still ours: its channel stays registered.
    if (this.registry.isAsideChannel(channelID)) return;
    if (this.#forgetting.has(channelID) || this.#forgetting.size > 1000) return;
    this.#forgetting.add(channelID);
    this.connection
      .unregister(channelID, 200)
      .catch(() => {})
      .finally(() => this.#forgetting.delete(channelID));
  }

  // ---- display and workers ----

  /** Shows, or during quiet hours holds back (history only, one summary at their end). Either counts for the burst grace. */
  #show(sub: SubscriptionRecord, request: NotificationRequest, source: NotificationModel['source'], receivedAt: number): ShowResult {
    this.#grace.shown(sub.origin, this.#clock.now());
    if (this.#quiet.isQuiet()) {
      this.#quiet.hold();
      return { quiet: true };
    }
    const { model, confirmed } = this.notifications.showConfirmed(request, { subscriptionId: sub.id, origin: sub.origin, source });
    this.emit('notification', { ...model, receivedAt });
    // Callers that do not wait for it (a worker's showNotification, the generic notification) still hear of a failure.
    confirmed.catch((err: unknown) => this.#logger.warn('notification failed', { kind: errorKind(err) }));
    return { quiet: false, confirmed };
  }

  #hasWorker(sub: SubscriptionRecord): boolean {
    return Boolean(this.#opts.workerHost && sub.workerScriptURL);
  }

  #dispatchPush(sub: SubscriptionRecord, data: Uint8Array | null, declared: NotificationRequest | undefined, batch: BatchPosition | null): Promise<WorkerRun> | null {
    if (!this.#hasWorker(sub)) return null;
    const run: Omit<WorkerRun, 'outcome'> = { first: null, quiet: false };
    const keepAliveMs = batch && batch.index < batch.size - 1 ? Math.max(BATCH_BRIDGE_MS, this.#keepAliveMs()) : undefined;
    return this.#dispatch(sub, { type: 'push', data, ...(declared ? { notification: declared } : {}) }, run, keepAliveMs).then((outcome) => ({ ...run, outcome }));
  }

  #keepAliveMs(): number {
    return this.#opts.worker?.keepAliveMs ?? this.#power.keepAliveMs();
  }

  #dispatch(sub: SubscriptionRecord, event: WorkerEvent, run?: Omit<WorkerRun, 'outcome'>, keepAliveMs?: number): Promise<WorkerOutcome> {
    const host = this.#opts.workerHost!;
    const receivedAt = this.#clock.now();
    let windows = 0;
    const client: WorkerClient = {
      showNotification: async (title, options) => {
        const request = validateNotification(title, options, sub.scope);
        const r = this.#show(sub, request, 'worker', receivedAt);
        if (run && !run.first) run.first = { title: request.title, body: request.body ?? '' };
        if (run && r.quiet) run.quiet = true;
      },
      getNotifications: (tag) => this.notifications.list(sub.origin, tag),
      openWindow: async (url) => {
        // One window per click, counted here where the URL is opened; no other event may open one.
        if (event.type !== 'notificationclick' || windows >= 1) return false;
        const safe = httpUrl(url, sub.scope);
        if (!safe) return false;
        windows++;
        await this.#open(safe);
        return true;
      },
      getSubscription: () => this.registry.toJSON(sub.id),
      closeNotification: (id) => {
        const n = this.notifications.closeFor(sub.origin, id);
        if (n && this.#hasWorker(sub)) void this.#dispatch(sub, { type: 'notificationclose', notification: n });
      },
    };
    return host.dispatch(
      {
        origin: sub.origin,
        scope: sub.scope,
        scriptURL: sub.workerScriptURL!,
        event,
        deadlineMs: this.#opts.worker?.deadlineMs ?? this.#power.deadlineMs(),
        keepAliveMs: keepAliveMs ?? this.#keepAliveMs(),
      },
      client,
    );
  }

  /** The site unregistered its service worker: its push subscription for that scope ends with it. */
  async #registrationDeleted(scope: string): Promise<void> {
    for (const info of this.list()) {
      const record = this.registry.get(info.id);
      if (record?.kind !== 'site' || record.scope !== scope) continue;
      try {
        await this.unsubscribe(record.id);
        this.#logger.info('subscription ended with its service worker registration', { subscription: record.id, origin: record.origin });
      } catch (err) {
        this.#logger.warn('could not end the subscription of an unregistered worker', { subscription: record.id, error: (err as Error).message });
      }
    }
  }

  async #open(url: string): Promise<void> {
    const safe = httpUrl(url);
    if (!safe || !this.#opts.opener) return;
    try {
      await this.#opts.opener.open(safe);
    } catch (err) {
      this.#logger.warn('could not open URL', { error: (err as Error).message });
    }
  }
}
