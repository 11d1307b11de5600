// The settings window's API: what `window.pushAgent` offers (docs/architecture.md, "Processes" and the module map).
// Types only.
//
// One contract, three implementations of the transport:
// - Electron: src/preload/settings.ts exposes these methods through contextBridge; src/main's IPC hub validates
//   every argument (src/shared/settings-validate.ts) and calls the engine-side SettingsService.
// - Tests: Playwright binds the same methods to the same SettingsService over a real engine.
// - The SettingsService (src/engine/services/settings-service.ts) implements it on top of PushEngine.
// Everything that crosses is plain JSON. Payload text is data: the renderer must only ever set it as text.

import type { NotificationRequest } from './notification-types.ts';

export type ConnectionStateView = 'connected' | 'connecting' | 'reconnecting' | 'offline' | 'suspended' | 'stopped';
import type { PowerStateView, Preferences, PreferencesPatch } from './preferences.ts';
import type { Fate, HistoryEntry } from './history-entry.ts';
export type { PowerStateView } from './preferences.ts';

export interface StatusView {
  state: ConnectionStateView;
  serviceUrl: string;
  /** First 8 hex digits only; never the full UAID. */
  uaidPrefix: string | null;
  lastConnectedAt: number | null;
  /** Milliseconds until the next attempt while reconnecting. */
  retryInMs: number | null;
  power: PowerStateView;
  /** The SecretBox backend; `strong: false` means the UI must warn (e.g. Linux `basic_text`). */
  secretBackend: { name: string; strong: boolean };
  unread: number;
}

export type SubscriptionKindView = 'site' | 'endpoint' | 'legacy';

export interface SubscriptionView {
  id: string;
  kind: SubscriptionKindView;
  origin: string;
  label: string;
  /** The endpoint is shown only for user-made endpoints (it is the capability to push to them). */
  endpoint: string | null;
  createdAt: number;
  muted: boolean;
  /** Non-null when paused by the policy (budget exhausted), with the reason in words. */
  paused: { reason: string; since: number } | null;
  /** Silent-push budget left and its cap, for sites; null where budgets do not apply (endpoints). */
  budget: { left: number; cap: number } | null;
  lastMessageAt: number | null;
  hasWorker: boolean;
  /** base64url application server key (public), for endpoints made with one: the send command needs VAPID then. */
  applicationServerKey?: string | null;
  /** True while its endpoint is dead after a UAID reset and it waits to be registered again (next connection). */
  pendingReregistration?: boolean;
}

/** `PushSubscription.toJSON()` plus our id: what the Endpoints view shows and copies. */
export interface SubscriptionJSONView {
  id: string;
  endpoint: string;
  expirationTime: null;
  keys: { p256dh: string; auth: string };
}

/** The push service's answer to a test message sent from the settings window. */
export interface TestMessageResult {
  /** The HTTP status, or null when no answer came. */
  status: number | null;
  /** 201: the service took the message; it arrives through the agent's own connection. */
  accepted: boolean;
  /** The answer in one line, e.g. `201 Created` or `410 Gone: the subscription has expired or was removed`. */
  message: string;
}

/** What became of one message, as the settings window shows it: the engine's Fate (src/shared/history-entry.ts). */
export type FateView = Fate;
export type { HistoryEntry } from './history-entry.ts';

export type { PolicyPreferences, Preferences, PreferencesPatch, QuietHours } from './preferences.ts';

export interface NewEndpoint {
  label: string;
  /** base64url 65-byte P-256 key, or omitted. */
  applicationServerKey?: string;
}

/** Errors cross as `{ kind, message }`: the kind is stable, the message is for users. */
export interface ApiError {
  kind: string;
  message: string;
}

export type SettingsEvent =
  | { type: 'status'; status: StatusView }
  | { type: 'subscriptions' }
  | { type: 'history'; entry: HistoryEntry }
  | { type: 'preferences'; preferences: Preferences };

/** `window.pushAgent` in the settings window. Every method may reject with an ApiError-shaped Error. */
export interface PushAgentApi {
  getStatus(): Promise<StatusView>;
  listSubscriptions(): Promise<SubscriptionView[]>;
  getSubscriptionJSON(id: string): Promise<SubscriptionJSONView>;
  createEndpoint(request: NewEndpoint): Promise<SubscriptionJSONView>;
  renameSubscription(id: string, label: string): Promise<void>;
  /** New keys and a new endpoint for a user-made endpoint (the old one then answers 410). */
  replaceEndpoint(id: string): Promise<SubscriptionJSONView>;
  /** Unsubscribes at the service (code 200) and forgets it. */
  deleteSubscription(id: string): Promise<void>;
  setMuted(id: string, muted: boolean): Promise<void>;
  /** Resumes a paused subscription and refills its budget. */
  resume(id: string): Promise<void>;
  /** Opens a site window for an https origin (Electron only; elsewhere rejects with kind 'unsupported'). */
  addSite(url: string): Promise<void>;
  /**
   * Newest first. Without a filter (the Activity view's full list) it also marks everything read (`StatusView.unread`).
   */
  getHistory(filter?: { subscriptionId?: string; limit?: number }): Promise<HistoryEntry[]>;
  clearHistory(): Promise<void>;
  getPreferences(): Promise<Preferences>;
  setPreferences(patch: PreferencesPatch): Promise<Preferences>;
  sendTestNotification(): Promise<void>;
  /** Sends a test message to one of the user's endpoints through its push service, as an application server would. */
  sendTestMessage(id: string): Promise<TestMessageResult>;
  /** Live updates (events, not polling). Returns the function that stops them. */
  onEvent(listener: (event: SettingsEvent) => void): () => void;
}

/** Shown by the preview of a notification in the UI. */
export type NotificationPreview = Pick<NotificationRequest, 'title' | 'body' | 'icon'>;
