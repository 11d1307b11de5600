// The logic of the settings window's preload, without Electron: `window.pushAgent` (src/shared/settings-api.ts)
// built on two transport functions. src/preload/settings.ts wires them to ipcRenderer; tests wire them to a fake
// main in Chromium (tests/browser/preload-settings.test.ts). The page gets these methods and nothing else.

import { SETTINGS_METHODS, type IpcResult, type SettingsMethod } from '../shared/ipc.ts';
import type { ApiError, PushAgentApi, SettingsEvent } from '../shared/settings-api.ts';

export interface SettingsTransport {
  invoke(method: SettingsMethod, args: unknown[]): Promise<IpcResult>;
  /** Starts delivering main's events; returns the function that stops. */
  subscribe(listener: (event: unknown) => void): () => void;
}

/**
 * How an ApiError is rejected. contextBridge drops an Error's own properties (Electron copies only message and
 * stack), so the Electron preload rejects with a plain `{ name, kind, message }` object; tests may use Errors.
 */
export type ErrorFactory = (error: ApiError) => unknown;

export const plainApiError: ErrorFactory = (e) => ({ name: 'PushAgentError', kind: e.kind, message: e.message });
export const errorWithKind: ErrorFactory = (e) =>
  Object.assign(new Error(e.message), { name: 'PushAgentError', kind: e.kind });

const EVENT_TYPES: readonly SettingsEvent['type'][] = ['status', 'subscriptions', 'history', 'preferences'];

function isResult(value: unknown): value is IpcResult {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as { ok?: unknown; error?: { kind?: unknown; message?: unknown } };
  return r.ok === true || (r.ok === false && typeof r.error?.kind === 'string' && typeof r.error?.message === 'string');
}

export function createSettingsBridge(
  transport: SettingsTransport,
  toError: ErrorFactory = errorWithKind,
): PushAgentApi {
  const call =
    (method: SettingsMethod) =>
    async (...args: unknown[]): Promise<never> => {
      let result: unknown;
      try {
        result = await transport.invoke(method, args);
      } catch {
        throw toError({ kind: 'ipc-failed', message: 'The app did not answer.' });
      }
      if (!isResult(result)) throw toError({ kind: 'ipc-failed', message: 'The app sent an unexpected answer.' });
      if (!result.ok) throw toError({ kind: result.error.kind, message: result.error.message });
      return result.value as never;
    };
  const api: Record<string, unknown> = {};
  for (const method of SETTINGS_METHODS) api[method] = call(method);
  api.onEvent = (listener: (event: SettingsEvent) => void): (() => void) => {
    if (typeof listener !== 'function')
      throw toError({ kind: 'invalid-argument', message: 'onEvent needs a function' });
    let active = true;
    const stop = transport.subscribe((event) => {
      const e = event as { type?: unknown } | null;
      if (!active || typeof e !== 'object' || e === null || !EVENT_TYPES.includes(e.type as SettingsEvent['type']))
        return;
      try {
        listener(event as SettingsEvent);
      } catch {
        // A throwing listener in the page must not break delivery to the others.
      }
    });
    return () => {
      if (!active) return;
      active = false;
      stop();
    };
  };
  return Object.freeze(api) as unknown as PushAgentApi;
}
