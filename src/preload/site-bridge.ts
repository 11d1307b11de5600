// The logic of the site window's preload, without Electron: `globalThis.pushAgentSite` (src/shared/site-bridge.ts)
// over two transport functions. src/preload/site.ts wires them to ipcRenderer. Calls never reject: a transport
// failure is an AbortError result, as the bridge contract says. The origin is never sent: main binds it.

import { SITE_METHODS, type SiteMethod } from '../shared/ipc.ts';
import type { SiteBridge, SiteMessage, SiteResult } from '../shared/site-bridge.ts';

export interface SiteTransport {
  call(method: SiteMethod, args: unknown[]): Promise<unknown>;
  onMessage(listener: (message: unknown) => void): void;
}

const unavailable: SiteResult<never> = { ok: false, name: 'AbortError', message: 'The push service is not available.' };

function isResult(value: unknown): value is SiteResult<unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as { ok?: unknown; name?: unknown; message?: unknown };
  return r.ok === true || (r.ok === false && typeof r.name === 'string' && typeof r.message === 'string');
}

function isMessage(value: unknown): value is SiteMessage {
  const m = value as { type?: unknown; endpoint?: unknown; version?: unknown } | null;
  if (typeof m !== 'object' || m === null) return false;
  if (m.type === 'push-register') return true;
  return m.type === 'push' && typeof m.endpoint === 'string' && (m.version === null || typeof m.version === 'number');
}

export function createSiteBridge(transport: SiteTransport): SiteBridge {
  let handler: ((m: SiteMessage) => void) | null = null;
  transport.onMessage((message) => {
    if (!handler || !isMessage(message)) return;
    try {
      handler(message);
    } catch {
      // The page's handler is the page's problem.
    }
  });
  const call = async (method: SiteMethod, args: unknown[]): Promise<SiteResult<unknown>> => {
    try {
      const result = await transport.call(method, args);
      return isResult(result) ? result : unavailable;
    } catch {
      return unavailable;
    }
  };
  const api: Record<string, unknown> = {};
  for (const method of SITE_METHODS) api[method] = (...args: unknown[]) => call(method, args);
  api.onMessage = (h: unknown) => {
    // Registered once by our page script at load; the site's own code cannot replace it.
    if (handler === null && typeof h === 'function') handler = h as (m: SiteMessage) => void;
  };
  return Object.freeze(api) as unknown as SiteBridge;
}
