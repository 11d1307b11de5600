// The push engine: the composition root (the connection, the subscription registry, the policies and the delivery
// pipeline's parts) and the public API hosts talk to. A push's walk from frame to notification is in
// delivery/pipeline.ts, top-down; this file only hands it the frames.

import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { generateSubscriptionKeys, isP256PublicKey } from './crypto/index.ts';
import { systemClock } from './clock.ts';
import { PushConnection, type ConnectionOptions, type ConnectionState } from './push-connection.ts';
import { DeliveryPipeline } from './delivery/pipeline.ts';
import { Display } from './delivery/display.ts';
import { FateLog, type FateRecord } from './delivery/fates.ts';
import { Inbox, type InboxOptions } from './delivery/inbox.ts';
import { hasBudget, Settlement } from './delivery/settlement.ts';
import { UnknownChannels } from './delivery/unknown-channels.ts';
import { WorkerDispatcher } from './delivery/worker-dispatch.ts';
import { displayUrl, errorKind, silentLogger } from './log.ts';
import { KeptNotificationsFile } from './kept-notifications-file.ts';
import { NotificationCenter } from './notification-center.ts';
import { OriginNotifications } from './origin-notifications.ts';
import { httpUrl, type NotificationModel, type NotificationRequest } from './notification.ts';
import { clientFrames, type ServerMessage } from './protocol.ts';
import { migrate } from './state-schema.ts';
import { reregistrationGroupSize, SubscriptionRegistry, type Reregistered } from './subscription-registry.ts';
import { SimplePushSession } from './simple-push.ts';
import type { SubscriptionInfo, SubscriptionJSON, SubscriptionRecord } from './subscription-record.ts';
import type {
  Clock,
  Logger,
  Notifier,
  PermissionReader,
  PowerSource,
  PowerState,
  SecretBox,
  Store,
  TimerHandle,
  UrlOpener,
  WorkerEvent,
  WorkerHost,
  WorkerOutcome,
} from './ports.ts';
import type { HistoryEntry } from '../shared/history-entry.ts';
import type { Preferences } from '../shared/preferences.ts';
import { BurstGrace } from './policy/accounting.ts';
import { BudgetLedger } from './policy/budget.ts';
import { History } from './history.ts';
import { FixedPowerSource, PowerPolicy } from './policy/power.ts';
import { defaultPreferences, PreferencesService } from './preferences-service.ts';
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
  /**
   * The host's permission store (site-permissions.ts), read for notifications a worker shows outside a push event
   * (origin-notifications.ts); without it no origin may show those.
   */
  permissions?: PermissionReader;
  clock?: Clock;
  logger?: Logger;
  /** Connection tuning; `clock` lets the socket's timers run on another clock than the policy's (tests). */
  connection?: Partial<Omit<ConnectionOptions, 'url' | 'logger'>>;
  /** Journal tuning; `fdatasync` lets tests hold or fail the thread-pool fsync. */
  inbox?: Pick<InboxOptions, 'fsync' | 'ringSize' | 'maxPending' | 'fdatasync'>;
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

const DEFAULT_RETRY_DELAYS_MS = [1_000, 2_000, 4_000];
const QUIET_SUMMARY_ORIGIN = 'push-agent://quiet-hours';
const SECRETS_RETRY_FIRST_MS = 2_000;
const SECRETS_RETRY_MAX_MS = 5 * 60_000;

export type NewSubscription =
  | { kind: 'endpoint'; label?: string; applicationServerKey?: string | null; origin?: string }
  | {
      kind: 'site';
      origin: string;
      scope?: string;
      applicationServerKey: string | null;
      userVisibleOnly: boolean;
      workerScriptURL?: string | null;
      label?: string;
    }
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
  subscriptionchange: [
    { subscriptionId: string; oldSubscription: SubscriptionJSON | null; newSubscription: SubscriptionJSON | null },
  ];
  /** Simple Push: a version-only push for a legacy registration (site pages' `push` handler). */
  'legacy-push': [{ subscriptionId: string; origin: string; endpoint: string; version: number | null }];
  /** Simple Push: registrations were renewed after a UAID change (`push-register`). */
  'legacy-reregister': [{ origin: string }];
  /** Every new history entry (one per message). */
  history: [HistoryEntry];
  /** History entries not yet read (`history.unread`) changed: the tray's and the Activity tab's badge. */
  unread: [number];
  preferences: [Preferences];
  power: [PowerState];
}

const ENDPOINT_ORIGIN = 'push-agent://endpoint';

export class PushEngine extends EventEmitter<EngineEvents> {
  // Private: hosts read the engine through the methods below, they do not reach into its parts.
  readonly #registry: SubscriptionRegistry;
  readonly #connection: PushConnection;
  readonly #notifications: NotificationCenter;
  #inbox: Inbox | null = null;
  #pipeline: DeliveryPipeline | null = null;
  #opts: EngineOptions;
  #clock: Clock;
  #logger: Logger;
  #lastConnectedAt: number | null = null;
  #resubscribing: Promise<void> | null = null;
  #started = false;
  /** `get()` / `set(patch)`: validated, persisted, emitted as 'preferences'; every policy number is read live. */
  readonly preferences: PreferencesService;
  /**
   * `list(filter)` newest first / `clear()` / `unread` and `markRead()`: the last 500 messages and their fate
   * (history.ts).
   */
  readonly history: History;
  #power: PowerPolicy;
  #budgets: BudgetLedger;
  #grace = new BurstGrace();
  #quiet: QuietHoursTracker;
  #urgency: UrgencyNegotiator;
  #connected = false;
  /** Legacy (Simple Push) registrations live on their own session: see simple-push.ts. */
  #simplePush: SimplePushSession;
  // The delivery pipeline's parts (delivery/), built here and handed to it at start.
  #display: Display;
  #workers: WorkerDispatcher;
  #settlement: Settlement;
  #fates: FateLog;
  #unknownChannels: UnknownChannels;
  /** Notifications workers show outside push events, and where their clicks go. */
  #originNotifications: OriginNotifications;

  /** Where this engine keeps its files (the sender's VAPID key pair lives there too). */
  get dataDir(): string {
    return this.#opts.dataDir;
  }

  constructor(opts: EngineOptions) {
    super();
    this.#opts = opts;
    this.#clock = opts.clock ?? systemClock;
    this.#logger = opts.logger ?? silentLogger;
    // The service chosen is the preference's default; a changed preference applies when the host next creates the
    // engine.
    this.preferences = new PreferencesService(
      opts.store,
      defaultPreferences(opts.serviceChoice ?? opts.serviceUrl),
      (p) => this.#onPreferences(p),
    );
    this.history = new History({
      dataDir: opts.dataDir,
      clock: this.#clock,
      logger: this.#logger,
      ...opts.history,
      unreadChanged: (n) => this.emit('unread', n),
    });
    this.#budgets = new BudgetLedger(opts.store);
    opts.workerHost?.onRegistrationDeleted?.((scope) => void this.#registrationDeleted(scope));
    this.#power = new PowerPolicy(
      opts.power ?? new FixedPowerSource('ac'),
      () => this.preferences.current.policy,
      this.#logger,
      (s) => this.#onPower(s),
    );
    this.#quiet = new QuietHoursTracker(
      this.#clock,
      () => this.preferences.current.quietHours,
      (held) => this.#quietHoursEnded(held),
      opts.timeOfDay,
    );
    this.#registry = new SubscriptionRegistry(opts.store, opts.secrets, this.#logger);
    this.#notifications = new NotificationCenter(
      opts.notifier,
      this.#clock,
      (err) => this.#logger.warn('notification failed', { kind: errorKind(err) }),
      {
        file: new KeptNotificationsFile({ dataDir: opts.dataDir, store: opts.store, logger: this.#logger }),
        logger: this.#logger,
        secrets: opts.secrets,
      },
    );
    this.#connection = new PushConnection(
      { ...opts.connection, url: opts.serviceUrl, clock: opts.connection?.clock ?? this.#clock, logger: this.#logger },
      {
        // The UAID goes only to the service that issued it, and only while it has live subscriptions.
        helloUaid: () =>
          (this.#webPushSubs().length > 0 || this.#registry.asideCounts().unopened > 0) &&
          this.#opts.store.get('serviceUrl') === this.#opts.serviceUrl
            ? this.#storedUaid()
            : null,
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
      send: (frame) => this.#connection.send(frame),
      ...opts.urgency,
    });
    this.#display = new Display({
      notifications: this.#notifications,
      quiet: this.#quiet,
      grace: this.#grace,
      clock: this.#clock,
      logger: this.#logger,
      shown: (model, receivedAt) => this.emit('notification', { ...model, receivedAt }),
    });
    this.#workers = new WorkerDispatcher({
      host: opts.workerHost,
      registry: this.#registry,
      notifications: this.#notifications,
      display: this.#display,
      power: this.#power,
      clock: this.#clock,
      logger: this.#logger,
      opener: opts.opener,
      closedOutsideEvent: (n) =>
        void this.#originNotifications.dispatch(n, { type: 'notificationclose', notification: n }),
      ...(opts.worker?.deadlineMs !== undefined ? { deadlineMs: opts.worker.deadlineMs } : {}),
      ...(opts.worker?.keepAliveMs !== undefined ? { keepAliveMs: opts.worker.keepAliveMs } : {}),
    });
    this.#settlement = new Settlement({
      registry: this.#registry,
      budgets: this.#budgets,
      grace: this.#grace,
      power: this.#power,
      display: this.#display,
      clock: this.#clock,
      logger: this.#logger,
      preferences: this.preferences,
      paused: () => this.emit('subscriptions'),
    });
    this.#fates = new FateLog(this.history, this.#registry, (record, entry) => {
      this.emit('fate', record);
      this.emit('history', entry);
    });
    this.#unknownChannels = new UnknownChannels(this.#registry, this.#connection);
    this.#originNotifications = new OriginNotifications({
      permissions: opts.permissions,
      notifications: this.#notifications,
      display: this.#display,
      workers: this.#workers,
      registry: this.#registry,
      clock: this.#clock,
      logger: this.#logger,
      record: (r) => this.#fates.record(r),
    });
    opts.workerHost?.serveOutsideEvents?.((worker) => this.#originNotifications.client(worker));
    this.#simplePush = new SimplePushSession({
      registry: this.#registry,
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
    return this.#registry.list().filter((s) => s.kind !== 'legacy');
  }

  #loaded = false;

  /** Loads the stored state (migrating it) without connecting: enough to list and report status. */
  async load(): Promise<void> {
    if (this.#loaded) return;
    this.#loaded = true;
    migrate(this.#opts.store);
    await this.#registry.load();
  }

  /** Loads state, replays the inbox, connects. */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    await this.load();
    // Only a started engine reads and saves them: commands that just load the state (`list`, `send`, which runs
    // beside `listen` without the data dir's lock) leave the file alone.
    await this.#notifications.load();
    this.#inbox = new Inbox({
      file: path.join(this.#opts.dataDir, 'inbox.jsonl'),
      logger: this.#logger,
      ...this.#opts.inbox,
    });
    this.#pipeline = new DeliveryPipeline({
      registry: this.#registry,
      inbox: this.#inbox,
      connection: this.#connection,
      display: this.#display,
      workers: this.#workers,
      settlement: this.#settlement,
      fates: this.#fates,
      unknownChannels: this.#unknownChannels,
      power: this.#power,
      clock: this.#clock,
      logger: this.#logger,
      retryDelaysMs: this.#opts.worker?.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS,
    });
    this.#pipeline.replay();
    if (this.#registry.asideCounts().locked > 0) {
      // Connecting now would drop the locked subscriptions' messages as unknown; the service keeps them meanwhile.
      this.#logger.warn('subscription keys are locked; connecting once they open', this.#registry.asideCounts());
      this.#scheduleSecretsRetry();
      return;
    }
    this.#connection.start();
    this.#simplePush.startIfNeeded();
  }

  /** True while subscriptions wait for their keys (a locked keyring, a missing key file): not connected meanwhile. */
  get secretsLocked(): boolean {
    return this.#registry.asideCounts().locked > 0;
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
    const opened = await this.#registry.reopen();
    if (opened) this.emit('subscriptions');
    if (this.secretsLocked) {
      if (this.#started) this.#scheduleSecretsRetry();
      return false;
    }
    this.#secretsRetry.delayMs = SECRETS_RETRY_FIRST_MS;
    if (this.#started) {
      this.#connection.start();
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
    await this.#connection.stop();
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
    await this.#notifications.flush();
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
    this.#connection.wake();
    this.#simplePush.wake();
  }

  /** Resolves once every message received so far has been dispatched. */
  async idle(): Promise<void> {
    await this.#pipeline?.idle();
  }

  status(): EngineStatus {
    const uaid = this.#storedUaid();
    return {
      state: this.#connection.state,
      serviceUrl: displayUrl(this.#opts.serviceUrl),
      uaidPrefix: uaid ? uaid.slice(0, 8) : null,
      lastConnectedAt: this.#lastConnectedAt,
      subscriptions: this.#registry.size,
      pendingReregistrations: this.#webPushSubs().filter((s) => s.pendingReregistration).length,
      pendingMessages: this.#inbox?.pendingCount ?? 0,
      secretBackend: { name: this.#opts.secrets.backend, strong: this.#opts.secrets.strong },
      subscriptionsAside: this.#registry.asideCounts(),
    };
  }

  list(): SubscriptionInfo[] {
    return this.#registry
      .list()
      .map((r) => this.#registry.info(r.id)!)
      .filter(Boolean);
  }

  /** One subscription's record, to read (change it through the methods here); undefined when there is none. */
  subscription(id: string): Readonly<SubscriptionRecord> | undefined {
    return this.#registry.get(id);
  }

  /** Every subscription's record (Simple Push registrations included), to read. */
  subscriptionRecords(): ReadonlyArray<Readonly<SubscriptionRecord>> {
    return this.#registry.list();
  }

  /** `PushSubscription.toJSON()` of one subscription; null when there is none. */
  subscriptionJSON(id: string): SubscriptionJSON | null {
    return this.#registry.toJSON(id);
  }

  /** True while the Web Push session is open and its hello answered. */
  /** The notifications of `origin` still on screen, as the engine keeps them (also across a restart). */
  shownNotifications(origin: string, tag?: string): NotificationModel[] {
    return this.#notifications.list(origin, tag);
  }

  get connected(): boolean {
    return this.#connection.ready;
  }

  /** Resolves once the Web Push session is ready (connecting if it is not); rejects after `timeoutMs`. */
  whenConnected(timeoutMs?: number): Promise<void> {
    return this.#connection.whenReady(timeoutMs);
  }

  /** Host signal: the socket may be dead without a word (a resume from sleep): drop it and connect again now. */
  reconnect(reason: string): void {
    this.#connection.reconnect(reason);
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
      workerScriptURL:
        req.kind === 'site' && req.workerScriptURL ? (httpUrl(req.workerScriptURL, origin) ?? null) : null,
      createdAt: this.#clock.now(),
      muted: false,
      paused: null,
      ...(req.kind === 'legacy' ? { legacyVersion: 0 } : {}),
    };
    await this.#registry.put(record, keys);
    this.emit('subscriptions');
    return this.#registry.info(id)!;
  }

  /** Unregisters at the service (code 200) and forgets it. False when there was no such subscription. */
  async unsubscribe(id: string, code: 200 | 201 | 202 = 200): Promise<boolean> {
    const sub = this.#registry.get(id);
    if (!sub) return false;
    this.#registry.remove(id);
    this.#inbox?.forget(id);
    this.#budgets.forget(id);
    this.#notifications.closeOrigin(sub.origin);
    this.emit('subscriptions');
    try {
      if (sub.kind === 'legacy') await this.#simplePush.unregister(sub.channelID);
      else await this.#connection.unregister(sub.channelID, code);
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
    const sub = this.#registry.get(id);
    if (!sub || !hasBudget(sub)) return null;
    return this.#budgets.get(id, this.#power.budgetRule(), this.#clock.now());
  }

  /** Unpauses a subscription and refills its budget. False when there is no such subscription. */
  resume(id: string): boolean {
    const sub = this.#registry.get(id);
    if (!sub) return false;
    if (hasBudget(sub)) this.#budgets.refill(id, this.#power.budgetRule(), this.#clock.now());
    if (sub.paused) this.#registry.update(id, { paused: null });
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
    for (const sub of this.#registry.list()) if (sub.origin === normalized && hasBudget(sub)) this.resume(sub.id);
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
    const body =
      held === 1
        ? '1 notification arrived during quiet hours. It is in the history.'
        : `${held} notifications arrived during quiet hours. They are in the history.`;
    const model = this.#notifications.show(
      { title: 'Quiet hours are over', body },
      { subscriptionId: '', origin: QUIET_SUMMARY_ORIGIN, source: 'generic' },
    );
    this.emit('notification', { ...model, receivedAt: this.#clock.now() });
  }

  setMuted(id: string, muted: boolean): boolean {
    const ok = this.#registry.update(id, { muted }) !== undefined;
    if (ok) this.emit('subscriptions');
    return ok;
  }

  /**
   * The site's service worker script for a subscription (the page registered another one). False when there is no such
   * subscription.
   */
  setWorkerScript(id: string, workerScriptURL: string): boolean {
    const ok = this.#registry.update(id, { workerScriptURL }) !== undefined;
    if (ok) this.emit('subscriptions');
    return ok;
  }

  /**
   * Pauses a subscription as the silent-push policy does when a budget runs out (delivery/settlement.ts): its
   * messages are acked 102 and recorded as 'paused' until `resume(id)`. False when there is no such subscription.
   */
  pause(id: string, reason: string): boolean {
    const ok = this.#registry.update(id, { paused: { reason, since: this.#clock.now() } }) !== undefined;
    if (ok) this.emit('subscriptions');
    return ok;
  }

  /** A notification of the agent's own, not a site's (the settings window's test): no subscription, no history. */
  showAgentNotification(request: NotificationRequest, origin: string): void {
    this.#notifications.show(request, { subscriptionId: '', origin, source: 'generic' });
  }

  rename(id: string, label: string): boolean {
    const ok = this.#registry.update(id, { label: label.slice(0, 200) }) !== undefined;
    if (ok) this.emit('subscriptions');
    return ok;
  }

  /** The host reports a click on one of our notifications. */
  async notificationActivated(id: string, action = ''): Promise<void> {
    const n = this.#notifications.get(id);
    if (n?.worker) {
      // Shown by a worker outside a push event: the click goes back to that worker.
      this.siteOpened(n.origin);
      const what = this.#notifications.activate(id, action, n.origin, Boolean(this.#opts.workerHost));
      if (what.kind === 'open') await this.#workers.open(what.url);
      else if (what.kind === 'worker-click')
        await this.#originNotifications.dispatch(what.notification, {
          type: 'notificationclick',
          notification: what.notification,
          action,
        });
      return;
    }
    const sub = n && this.#registry.get(n.subscriptionId);
    if (!n || !sub) return;
    // A click on one of the origin's notifications refills its budget (docs/policies.md).
    this.siteOpened(sub.origin);
    const fallback = sub.kind === 'endpoint' ? undefined : sub.origin;
    const what = this.#notifications.activate(id, action, fallback, this.#hasWorker(sub));
    if (what.kind === 'open') await this.#workers.open(what.url);
    else if (what.kind === 'worker-click')
      await this.#dispatch(sub, { type: 'notificationclick', notification: what.notification, action });
  }

  async notificationClosed(id: string): Promise<void> {
    const n = this.#notifications.dismissed(id);
    if (!n || (await this.#originNotifications.dispatch(n, { type: 'notificationclose', notification: n }))) return;
    const sub = this.#registry.get(n.subscriptionId);
    if (sub && this.#hasWorker(sub)) await this.#dispatch(sub, { type: 'notificationclose', notification: n });
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
      // Every channel of the old UAID is dead (docs/protocol-notes.md §1). Mark each subscription before storing the
      // new
      // UAID: a drop or a restart mid-way then resumes from the marks, never believes the old endpoints live.
      this.#logger.warn('push service issued a new UAID; re-registering every subscription', { count: subs.length });
      const since = this.#clock.now();
      this.#registry.updateMany(
        subs.filter((s) => !s.pendingReregistration).map((s) => [s.id, { pendingReregistration: { since } }] as const),
      );
      this.emit('subscriptions');
    }
    this.#opts.store.set('uaid', uaid);
    this.#opts.store.set('serviceUrl', this.#opts.serviceUrl);
    if (this.#webPushSubs().some((s) => s.pendingReregistration)) this.#resumeReregistration();
  }

  /**
   * Resolves when a re-registration after a UAID change has finished or stopped for this connection (tests, status).
   */
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
          await this.#connection.whenReady();
          await this.#reregisterPending();
        } catch (err) {
          const waiting = this.#webPushSubs().filter((s) => s.pendingReregistration).length;
          this.#logger.warn('re-registration interrupted; it resumes on the next connection', {
            error: (err as Error).message,
            waiting,
          });
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
        if (!this.#registry.get(old.id)) continue;
        const keys = generateSubscriptionKeys();
        const channelID = randomUUID();
        let endpoint: string;
        try {
          endpoint = await this.#connection.register(channelID, old.applicationServerKey);
        } catch (err) {
          // A refusal is about this subscription (it stays waiting, retried next connection); a drop ends the round.
          if ((err as { kind?: string }).kind !== 'rejected') throw err;
          refused++;
          continue;
        }
        group.push({ id: old.id, channelID, endpoint, keys, oldJSON: this.#registry.toJSON(old.id) });
        if (group.length >= groupSize) await this.#storeReregistered(group.splice(0));
      }
    } finally {
      if (group.length) await this.#storeReregistered(group.splice(0));
      if (refused) this.#logger.warn('the push service refused some re-registrations; they stay waiting', { refused });
    }
  }

  async #storeReregistered(group: Array<Reregistered & { oldJSON: SubscriptionJSON | null }>): Promise<void> {
    const skipped = await this.#registry.storeReregistered(group);
    for (const { id, channelID, oldJSON } of group) {
      // Unsubscribed meanwhile: the new channel is not wanted either.
      if (skipped.has(id)) {
        this.#forgetChannel(channelID);
        continue;
      }
      const next = this.#registry.get(id)!;
      const newJSON = this.#registry.toJSON(id);
      this.emit('subscriptionchange', { subscriptionId: id, oldSubscription: oldJSON, newSubscription: newJSON });
      if (this.#hasWorker(next))
        void this.#dispatch(next, {
          type: 'pushsubscriptionchange',
          oldSubscription: oldJSON,
          newSubscription: newJSON,
        });
    }
    this.emit('subscriptions');
  }

  /** Registers a channel on the session its kind lives on; failures become SubscribeErrors users can read. */
  async #register(channelID: string, key: string | null, legacy = false): Promise<string> {
    try {
      if (legacy) return await this.#simplePush.register(channelID);
      try {
        return await this.#connection.register(channelID, key);
      } catch (err) {
        // Probing an unknown service for urgency support can cost the connection a request was waiting on:
        // the reconnect will not probe again, so one retry is enough.
        if ((err as { kind?: string }).kind !== 'closed' || !this.#urgency.closedByProbe) throw err;
        return await this.#connection.register(channelID, key);
      }
    } catch (err) {
      const e = err as Error & { kind?: string; status?: number };
      if (e.kind === 'rejected')
        throw new SubscribeError(
          'service-refused',
          `the push service refused the subscription (status ${e.status ?? '?'})`,
        );
      throw new SubscribeError('service-unreachable', `the push service did not answer: ${e.message}`);
    }
  }

  #onMessage(m: ServerMessage): void {
    switch (m.type) {
      case 'notification':
        return this.#pipeline?.receive(m);
      case 'legacy-updates':
        // Only the Simple Push session receives these (simple-push.ts); here they are acked and dropped.
        this.#connection.send(clientFrames.ack(m.updates));
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
    this.#unknownChannels.forget(channelID);
  }

  // ---- display and workers ----

  #hasWorker(sub: SubscriptionRecord): boolean {
    return this.#workers.has(sub);
  }

  #dispatch(sub: SubscriptionRecord, event: WorkerEvent): Promise<WorkerOutcome> {
    return this.#workers.dispatch(sub, event);
  }

  /** The site unregistered its service worker: its push subscription for that scope ends with it. */
  async #registrationDeleted(scope: string): Promise<void> {
    for (const info of this.list()) {
      const record = this.#registry.get(info.id);
      if (record?.kind !== 'site' || record.scope !== scope) continue;
      try {
        await this.unsubscribe(record.id);
        this.#logger.info('subscription ended with its service worker registration', {
          subscription: record.id,
          origin: record.origin,
        });
      } catch (err) {
        this.#logger.warn('could not end the subscription of an unregistered worker', {
          subscription: record.id,
          error: (err as Error).message,
        });
      }
    }
  }
}
