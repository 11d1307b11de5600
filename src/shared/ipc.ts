// The IPC contract between Electron's main process and its preloads: every channel, who owns it and what crosses
// it. Types and constants only. The hub (src/main/ipc-hub.ts) accepts each channel only from the frame that owns
// it and validates every argument (src/shared/settings-validate.ts, SiteService); preloads never
// expose ipcRenderer itself, only the narrow bridges built on these channels.

import type { ApiError, PushAgentApi, SettingsEvent } from './settings-api.ts';
import type { SiteBridge, SiteMessage } from './site-bridge.ts';

export const IpcChannel = {
  /** settings frame -> main (invoke): `(method: SettingsMethod, args: unknown[])` -> IpcResult. */
  settingsCall: 'push-agent:settings:call',
  /** main -> settings frame (send): `(event: SettingsEvent)`. */
  settingsEvent: 'push-agent:settings:event',
  /**
   * site window's main frame -> main (invoke): `(method: SiteMethod, args: unknown[])` -> SiteResult (never rejects).
   */
  siteCall: 'push-agent:site:call',
  /** main -> site window (send): `(message: SiteMessage)`, Simple Push messages for the page. */
  siteMessage: 'push-agent:site:message',
} as const;
export type IpcChannelName = (typeof IpcChannel)[keyof typeof IpcChannel];

/** Which kind of frame owns a channel; a message from any other frame is dropped. */
export const CHANNEL_OWNER: Record<IpcChannelName, 'settings' | 'site'> = {
  [IpcChannel.settingsCall]: 'settings',
  [IpcChannel.settingsEvent]: 'settings',
  [IpcChannel.siteCall]: 'site',
  [IpcChannel.siteMessage]: 'site',
};

/** Every invoke answers with this: errors cross as `{ kind, message }` (Electron would drop an Error's fields). */
export type IpcResult<T = unknown> = { ok: true; value: T } | { ok: false; error: ApiError };

// ---- settings ----

export const SETTINGS_METHODS = [
  'getStatus',
  'listSubscriptions',
  'getSubscriptionJSON',
  'createEndpoint',
  'renameSubscription',
  'replaceEndpoint',
  'deleteSubscription',
  'setMuted',
  'resume',
  'addSite',
  'getHistory',
  'clearHistory',
  'getPreferences',
  'setPreferences',
  'sendTestNotification',
  'sendTestMessage',
] as const satisfies readonly Exclude<keyof PushAgentApi, 'onEvent'>[];
export type SettingsMethod = (typeof SETTINGS_METHODS)[number];

/** The argument tuple of each settings method, straight from the contract. */
export type SettingsArgs = { [M in SettingsMethod]: Parameters<PushAgentApi[M]> };
export type SettingsReturn = { [M in SettingsMethod]: Awaited<ReturnType<PushAgentApi[M]>> };
/** One validated call, discriminated by method. */
export type SettingsCall = { [M in SettingsMethod]: { method: M; args: SettingsArgs[M] } }[SettingsMethod];

export type SettingsEventMessage = SettingsEvent;

// Service workers talk to main over ServiceWorkerMain.ipc, scoped to one worker by Electron: their channels are
// src/shared/service-worker-channel.ts.

// ---- site windows ----

export const SITE_METHODS = [
  'permissionState',
  'subscribe',
  'getSubscription',
  'unsubscribe',
  'legacyRegister',
  'legacyUnregister',
  'legacyRegistrations',
] as const satisfies readonly Exclude<keyof SiteBridge, 'onMessage'>[];
export type SiteMethod = (typeof SITE_METHODS)[number];
export type SiteMessageMessage = SiteMessage;

// ---- the custom scheme of the settings window ----

export const APP_SCHEME = 'push-agent';
/** The settings window's origin: the only frame allowed on the settings channels. */
export const SETTINGS_ORIGIN = 'push-agent://settings';
export const SETTINGS_URL = `${SETTINGS_ORIGIN}/settings.html`;
