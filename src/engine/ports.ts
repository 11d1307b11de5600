// The ports: what a host (Electron main, the headless CLI, a test) provides to the engine.
// The engine never reaches for a platform facility directly; it asks one of these.

import type { NotificationModel, NotificationRequest } from './notification.ts';
import type { SubscriptionJSON } from './subscription-record.ts';

/** Time, injectable so that every time-based rule can be tested without sleeping. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}
export interface TimerHandle {
  /** Lets the process exit while the timer is pending (Node's unref), where the host supports it. */
  unref?(): void;
}

/**
 * A small key-value document store (electron-store in Electron, a JSON file store in the CLI).
 * Values are JSON. Writes must be durable when `set` returns (both write atomically). What `get` returns is to read,
 * never to change (the JSON file store gives its held value itself, frozen): to change a value, set a changed copy.
 */
export interface Store {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
  delete(key: string): void;
}

/**
 * What a SecretBox throws when its key cannot be reached now: a missing or unreadable key file, a locked keyring,
 * a denied Keychain prompt. The sealed data is intact and nothing may be rewritten: try again later.
 */
export class SecretsUnavailableError extends Error {
  override name = 'SecretsUnavailableError';
  readonly kind = 'secrets-unavailable';
}

/** Encrypts secrets at rest (Electron safeStorage; a key file in plain Node). */
export interface SecretBox {
  /** Human-readable name of the backend, shown in settings (e.g. "gnome_libsecret", "basic_text", "key file"). */
  readonly backend: string;
  /** False when the platform only obfuscates (Linux `basic_text`): settings warns the user. */
  readonly strong: boolean;
  /** Rejects with SecretsUnavailableError while the key cannot be reached. */
  seal(plain: Uint8Array): Promise<string>;
  /** Rejects with SecretsUnavailableError while the key cannot be reached; with another error if `sealed` is bad. */
  open(sealed: string): Promise<Uint8Array>;
}

/** Shows notifications natively. Activation comes back through `PushEngine.notificationActivated/Closed`. */
export interface Notifier {
  show(notification: NotificationModel): void | Promise<void>;
  close(notificationId: string): void;
}

/** Opens a URL in the user's default browser. The engine only ever passes http(s) URLs it has validated. */
export interface UrlOpener {
  open(url: string): Promise<void>;
}

export type PowerState = 'ac' | 'battery' | 'low';
/**
 * What a host measured, for the engine's power policy to decide the state from (policy/power.ts): `low` is the OS
 * saver on, or a battery level under the `lowBatteryPercent` preference. `percent` is null when unknown.
 */
export interface PowerReport {
  onBattery: boolean;
  percent: number | null;
  saver: boolean;
}
/** A host either reports measurements (PowerReport, preferred) or a state it decided itself (tests, fixed hosts). */
export interface PowerSource {
  current(): PowerState | PowerReport;
  /** Called with the new report or state whenever it changes. */
  onChange(listener: (state: PowerState | PowerReport) => void): () => void;
}

/** Where log lines go. Callers never pass keys, auth secrets, endpoints or payloads (see log.ts). */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

// ---- Worker host ---------------------------------------------------------------------------------

/**
 * Runs an origin's worker script (its service worker) and delivers events to it.
 *
 * Contract:
 * - `dispatch` starts the origin's worker if it is not running (install + activate first, on the first start of a
 *   script), delivers one event, and resolves when the event's handlers and every `waitUntil` promise settle, or the
 *   deadline passes. It never rejects: every failure is an outcome.
 * - While the event runs the worker may call back through `client` (show a notification, open a window, ...).
 *   Notifications are shown as they are requested, not at the end.
 * - One origin's worker crashing, hanging or exhausting memory must not delay any other origin or the engine:
 *   a timed-out worker is terminated and the outcome is `timeout`.
 * - Workers are stopped after `keepAliveMs` without events. A dispatch that arrives while the origin's worker still
 *   runs (queued behind an event, or within the previous event's `keepAliveMs`) is delivered to that same worker:
 *   no new start. A "wake-up" is one start of the worker. The engine coalesces wake-ups under `low` power this way:
 *   the messages of one origin held for the coalescing window are dispatched back to back, every one but the last
 * with a keep-alive that bridges the gap to the next (delivery/worker-dispatch.ts, BATCH_BRIDGE_MS), the last with the
 * power
 *   state's keep-alive (0 s under `low`).
 */
export interface WorkerHost {
  dispatch(request: WorkerDispatch, client: WorkerClient): Promise<WorkerOutcome>;
  /** Stops the origin's worker now (e.g. on unsubscribe). */
  stop(origin: string): Promise<void>;
  /**
   * Optional: calls `listener` with the scope of every registration the site deleted (`registration.unregister()`,
   * its data cleared): the engine then ends that scope's push subscription, as a browser does.
   */
  onRegistrationDeleted?(listener: (scope: string) => void): void;
  /**
   * Optional: the engine's side of the calls a worker makes outside any event the engine dispatched (from a timer,
   * a `message` event, its script's first statement). The host relays them to `serve(worker)`'s client, `worker`
   * being the calling target's own origin, scope and script (never the message's); a host without it refuses them.
   * The engine decides (src/engine/origin-notifications.ts).
   */
  serveOutsideEvents?(serve: (worker: WorkerRef) => WorkerClient): void;
  close(): Promise<void>;
}

/**
 * A service worker known by its registration, for notifications shown outside a push event (their click and close go
 * back to it).
 */
export interface WorkerRef {
  origin: string;
  scope: string;
  scriptURL: string;
}

/** Reads an origin's notification permission in the engine's permission store (src/engine/site-permissions.ts). */
export interface PermissionReader {
  state(origin: string): 'granted' | 'denied' | 'prompt';
}

export interface WorkerDispatch {
  origin: string;
  scope: string;
  scriptURL: string;
  event: WorkerEvent;
  deadlineMs: number;
  keepAliveMs: number;
}

export type WorkerEvent =
  | { type: 'push'; data: Uint8Array | null; notification?: NotificationRequest }
  | {
      type: 'pushsubscriptionchange';
      oldSubscription: SubscriptionJSON | null;
      newSubscription: SubscriptionJSON | null;
    }
  | { type: 'notificationclick'; notification: NotificationModel; action: string }
  | { type: 'notificationclose'; notification: NotificationModel };

/** What a worker may ask of the engine while it runs. */
export interface WorkerClient {
  /** Validated and capped by the engine; rejects with a TypeError-like message for invalid options. */
  showNotification(title: string, options: unknown): Promise<void>;
  getNotifications(tag?: string): NotificationModel[];
  /** Opens an http(s) URL in the user's browser; false when refused. */
  openWindow(url: string): Promise<boolean>;
  getSubscription(): SubscriptionJSON | null;
  /**
   * The worker's `Notification.close()`: closes one of its origin's notifications (then `notificationclose` follows).
   */
  closeNotification?(notificationId: string): void;
}

/**
 * The error kind of a WorkerOutcome whose host has no browser to run the worker (none installed, it cannot start):
 * the engine keeps the message in the journal, shows one generic notification saying what is missing, and delivers
 * it once the host calls `PushEngine.workerHostAvailable()`. The outcome's message says what is missing.
 */
export const WORKER_HOST_UNAVAILABLE = 'host-unavailable';

export type WorkerOutcome =
  | { status: 'ok'; shown: number }
  /** 301 handler threw, 302 waitUntil rejected, 303 other dispatch error (script failed to load, crash, ...). */
  | { status: 'error'; code: 301 | 302 | 303; kind: string; message: string; shown: number }
  | { status: 'timeout'; shown: number };
