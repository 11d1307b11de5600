// The one bridge between the worker host page (src/worker/host-page.ts, running at a site's origin) and the
// engine's WorkerHost. Electron's preload provides it in production; Playwright's exposeBinding in tests
// (tests/support/playwright-worker-host.ts). Types only: everything that crosses it is plain structured data
// (no functions, no class instances), so it survives contextBridge, IPC and Playwright's serialization.

import type { NotificationRequest } from './notification-types.ts';

/** `globalThis.pushAgentBridge` in the worker host page. */
export interface WorkerBridge {
  // ---- page -> engine (on behalf of the origin's worker, while one of its events runs) ----
  /** Rejects with a TypeError-like message when the engine refuses the options. */
  showNotification(title: string, options: BridgeNotificationOptions): Promise<void>;
  getNotifications(tag?: string): Promise<BridgeNotification[]>;
  /** True when the (http/https) URL was opened in the user's browser; false when refused. */
  openWindow(url: string): Promise<boolean>;
  getSubscription(): Promise<BridgeSubscription | null>;

  // ---- engine -> page ----
  /**
   * The page registers its dispatcher once, at load; the host then calls it once per event. The handler never
   * rejects: every failure is an outcome. The page enforces `deadlineMs` itself (terminating the Web Worker).
   */
  onDispatch(handler: (request: BridgeDispatch) => Promise<BridgeOutcome>): void;
}

/** Options after the worker runtime's own WebIDL-style normalization (strings, booleans, resolved URLs). */
export type BridgeNotificationOptions = Omit<NotificationRequest, 'title' | 'dir'> & { dir?: string; vibrate?: number[] };

/** Structurally the engine's NotificationModel (src/engine/notification.ts). */
export type BridgeNotification = NotificationRequest & { id: string; shownAt?: number };

/** Structurally the engine's SubscriptionJSON: what PushSubscription.toJSON() returns. */
export interface BridgeSubscription {
  endpoint: string;
  expirationTime: number | null;
  keys: { p256dh: string; auth: string };
}

/** WorkerEvent with push data as base64 (standard alphabet), so every transport carries it the same way. */
export type BridgeEvent =
  | { type: 'push'; data: string | null; notification?: BridgeNotificationRequest }
  | { type: 'pushsubscriptionchange'; oldSubscription: BridgeSubscription | null; newSubscription: BridgeSubscription | null }
  | { type: 'notificationclick'; notification: BridgeNotification; action: string }
  | { type: 'notificationclose'; notification: BridgeNotification };

/** A declarative message's notification (engine NotificationRequest). */
export type BridgeNotificationRequest = Omit<BridgeNotification, 'id' | 'shownAt'>;

export interface BridgeDispatch {
  /** The origin's worker script; a different URL than the running one restarts (and reinstalls) the worker. */
  scriptURL: string;
  scope: string;
  event: BridgeEvent;
  deadlineMs: number;
}

/** WorkerOutcome without `shown`: the host counts notifications itself, from the calls it served. */
export type BridgeOutcome =
  | { status: 'ok' }
  | { status: 'error'; code: 301 | 302 | 303; kind: string; message: string }
  | { status: 'timeout' };

/** Stable `kind`s of 303 outcomes. */
export type DispatchErrorKind =
  | 'script-fetch-failed'
  | 'script-too-large'
  | 'script-error'
  | 'install-failed'
  | 'worker-crashed'
  | 'worker-terminated'
  | 'bridge-error';

/** Where the host page and the worker bootstrap are served, at every origin. */
export const WORKER_HOST_PATH = '/__push-agent__/';
export const WORKER_HOST_PAGE = '/__push-agent__/host.html';
export const WORKER_HOST_SCRIPT = '/__push-agent__/host.js';
export const WORKER_SCOPE_SCRIPT = '/__push-agent__/scope.js';
/** Largest worker script the host page starts (docs/architecture.md "Sites' own service workers"); bigger ones fail with 303 'script-too-large'. */
export const MAX_WORKER_SCRIPT_BYTES = 2 * 1024 * 1024;
/** Notifications one event may show; further calls resolve without showing. */
export const MAX_NOTIFICATIONS_PER_EVENT = 8;
