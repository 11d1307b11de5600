// A site window on real Chromium: the in-page Push API (src/page/push-api.ts, bundled as the production build does)
// is injected before the page's scripts, and its bridge (src/shared/site-bridge.ts) is one Playwright binding to
// a real SiteService on a real engine. Electron's site-window preload plays this role in the app.

import type { Page } from 'playwright-core';
import type { SiteService } from '../../src/engine/services/site-service.ts';
import type { SiteMessage } from '../../src/shared/site-bridge.ts';
import { bundlePageScript } from './bundle-page.ts';

let script: Promise<string> | null = null;

export function buildPageScript(): Promise<string> {
  script ??= bundlePageScript('src/page/push-api.ts');
  return script;
}

// Runs before the page script: the bridge object over the `__pushAgentSiteCall` binding, and the receiver the host
// calls for Simple Push messages.
const BRIDGE_INIT_SCRIPT = `(() => {
  const call = (method, args) => globalThis.__pushAgentSiteCall(method, args);
  let handler = null;
  const bridge = Object.freeze({
    permissionState: () => call('permissionState', []),
    subscribe: (request) => call('subscribe', [request]),
    getSubscription: (scope) => call('getSubscription', [scope]),
    unsubscribe: (scope, endpoint) => call('unsubscribe', [scope, endpoint]),
    legacyRegister: () => call('legacyRegister', []),
    legacyUnregister: (endpoint) => call('legacyUnregister', [endpoint]),
    legacyRegistrations: () => call('legacyRegistrations', []),
    onMessage: (h) => { handler = h; },
  });
  Object.defineProperty(globalThis, 'pushAgentSite', { value: bridge });
  Object.defineProperty(globalThis, '__pushAgentSiteDeliver', { value: (m) => { if (handler) handler(m); } });
})();`;

const METHODS = new Set([
  'permissionState',
  'subscribe',
  'getSubscription',
  'unsubscribe',
  'legacyRegister',
  'legacyUnregister',
  'legacyRegistrations',
]);

/**
 * Binds the page's bridge to whatever `service()` returns at call time (tests restart engines). Like the Electron
 * hub, the host accepts calls only from a frame at the service's origin.
 */
export async function bindSiteBridge(page: Page, service: () => SiteService): Promise<void> {
  await page.exposeBinding('__pushAgentSiteCall', async (source, method: unknown, args: unknown) => {
    const s = service();
    let frameOrigin = '';
    try {
      frameOrigin = new URL(source.frame.url()).origin;
    } catch {
      // about:blank and the like: no origin, refused below.
    }
    if (frameOrigin !== s.origin) return { ok: false, name: 'SecurityError', message: "not this window's origin" };
    if (typeof method !== 'string' || !METHODS.has(method) || !Array.isArray(args))
      return { ok: false, name: 'InvalidAccessError', message: 'unknown bridge call' };
    return (s as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[method]!(...args);
  });
  await page.addInitScript(BRIDGE_INIT_SCRIPT);
  await page.addInitScript(await buildPageScript());
}

/** Forwards the service's Simple Push messages to the page; returns the function that stops forwarding. */
export function forwardSiteMessages(page: Page, service: SiteService): () => void {
  return service.listen((m: SiteMessage) => {
    page
      .evaluate(
        (msg) =>
          (globalThis as unknown as { __pushAgentSiteDeliver?: (m: unknown) => void }).__pushAgentSiteDeliver?.(msg),
        m,
      )
      .catch(() => undefined);
  });
}
