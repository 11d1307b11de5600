// The one IPC hub (docs/architecture.md "Security model"). Every channel is accepted only from the frame that owns it:
// the settings page on
// our scheme, a site window's main frame for its origin (service workers use ServiceWorkerMain.ipc instead,
// scoped to one worker by Electron: src/main/service-worker-host.ts). Every argument is validated before anything runs;
// errors cross as { kind, message }. Main never trusts
// a renderer's word about who it is: identity comes from the registered WebContents and the sending frame's URL.

import type { IpcMain, IpcMainInvokeEvent, WebContents, WebFrameMain } from 'electron';
import type { Logger } from '../engine/ports.ts';
import { IpcChannel, SITE_METHODS, type IpcResult, type SettingsCall, type SiteMethod } from '../shared/ipc.ts';
import type { ApiError, PushAgentApi, SettingsEvent } from '../shared/settings-api.ts';
import type { SiteMessage } from '../shared/site-bridge.ts';
import { validateSettingsCall } from '../shared/settings-validate.ts';
import { isSettingsFrame } from './sender-policy.ts';
import { isSameOrigin } from './url-policy.ts';

/** SiteService's methods (src/engine/services/site-service.ts); they validate deeply and never reject. */
export type SiteFrameHandlers = Record<SiteMethod, (...args: unknown[]) => Promise<unknown>>;

const MAX_SITE_ARGS = 2;

function toApiError(err: unknown): ApiError {
  const e = err as { kind?: unknown; message?: unknown } | null;
  if (e && typeof e.kind === 'string' && typeof e.message === 'string')
    return { kind: e.kind, message: e.message.slice(0, 500) };
  return { kind: 'internal', message: 'Something went wrong in the app.' };
}

/** The sender is the main frame of its WebContents (not an iframe a site embedded). */
function isMainFrame(sender: WebContents, frame: WebFrameMain | null): frame is WebFrameMain {
  return (
    frame !== null &&
    !sender.isDestroyed() &&
    frame.processId === sender.mainFrame.processId &&
    frame.routingId === sender.mainFrame.routingId
  );
}

export class IpcHub {
  readonly #ipc: IpcMain;
  #settings: Omit<PushAgentApi, 'onEvent'> | null = null;
  readonly #logger: Logger;
  #settingsContents: WebContents | null = null;
  readonly #sites = new Map<number, { origin: string; handlers: SiteFrameHandlers }>();

  constructor(ipc: IpcMain, logger: Logger) {
    this.#ipc = ipc;
    this.#logger = logger;
    ipc.handle(IpcChannel.settingsCall, (event, method: unknown, args: unknown) =>
      this.#onSettingsCall(event, method, args),
    );
    ipc.handle(IpcChannel.siteCall, (event, method: unknown, args: unknown) => this.#onSiteCall(event, method, args));
  }

  dispose(): void {
    this.#ipc.removeHandler(IpcChannel.settingsCall);
    this.#ipc.removeHandler(IpcChannel.siteCall);
  }

  /** The SettingsService: created after the engine. */
  setSettingsApi(api: Omit<PushAgentApi, 'onEvent'>): void {
    this.#settings = api;
  }

  setSettingsContents(contents: WebContents | null): void {
    this.#settingsContents = contents;
  }

  sendSettingsEvent(event: SettingsEvent): void {
    const wc = this.#settingsContents;
    if (wc && !wc.isDestroyed() && isSettingsFrame(wc.getURL())) wc.send(IpcChannel.settingsEvent, event);
  }

  registerSite(contents: WebContents, origin: string, handlers: SiteFrameHandlers): void {
    this.#sites.set(contents.id, { origin, handlers });
    contents.once('destroyed', () => this.#sites.delete(contents.id));
  }

  sendSiteMessage(contents: WebContents, message: SiteMessage): void {
    const site = this.#sites.get(contents.id);
    if (site && !contents.isDestroyed() && isSameOrigin(contents.getURL(), site.origin))
      contents.send(IpcChannel.siteMessage, message);
  }

  async #onSettingsCall(event: IpcMainInvokeEvent, method: unknown, args: unknown): Promise<IpcResult> {
    const frame = event.senderFrame;
    const owner = this.#settingsContents;
    if (
      !owner ||
      owner.isDestroyed() ||
      event.sender.id !== owner.id ||
      !isMainFrame(event.sender, frame) ||
      !isSettingsFrame(frame.url)
    ) {
      this.#logger.warn('ipc: settings call from a frame that does not own the channel');
      return { ok: false, error: { kind: 'forbidden', message: 'Not allowed.' } };
    }
    let call: SettingsCall;
    try {
      call = validateSettingsCall(method, args);
    } catch (err) {
      return { ok: false, error: toApiError(err) };
    }
    const api = this.#settings;
    if (!api) return { ok: false, error: { kind: 'starting', message: 'The app is still starting.' } };
    try {
      const fn = api[call.method] as (...a: unknown[]) => Promise<unknown>;
      return { ok: true, value: await fn.apply(api, call.args) };
    } catch (err) {
      const error = toApiError(err);
      if (error.kind === 'internal')
        this.#logger.error('settings call failed', { method: call.method, error: (err as Error)?.name ?? 'unknown' });
      return { ok: false, error };
    }
  }

  async #onSiteCall(event: IpcMainInvokeEvent, method: unknown, args: unknown): Promise<unknown> {
    const entry = this.#sites.get(event.sender.id);
    const frame = event.senderFrame;
    const denied = { ok: false, name: 'NotAllowedError', message: 'Not allowed.' };
    if (!entry || !isMainFrame(event.sender, frame) || !isSameOrigin(frame.url, entry.origin)) return denied;
    if (
      typeof method !== 'string' ||
      !(SITE_METHODS as readonly string[]).includes(method) ||
      !Array.isArray(args) ||
      args.length > MAX_SITE_ARGS
    ) {
      return { ok: false, name: 'InvalidStateError', message: 'Invalid call.' };
    }
    try {
      return await entry.handlers[method as SiteMethod](...args);
    } catch {
      return { ok: false, name: 'AbortError', message: 'The push service is not available.' };
    }
  }
}
