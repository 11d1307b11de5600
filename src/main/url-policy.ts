// Which URLs the app will open, load or let a window navigate to. Pure: no Electron, unit-tested.
// Everything that reaches shell.openExternal, a site window or a worker host goes through one of these.

const MAX_URL_CHARS = 2048;
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

function parse(value: unknown): URL | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_URL_CHARS) return null;
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

/** An http(s) URL without credentials, safe to hand to the user's default browser; null otherwise. */
export function externalUrl(value: unknown): string | null {
  const url = parse(value);
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) return null;
  if (url.username || url.password) return null;
  return url.href;
}

/**
 * The origin of a site the app may host (site window, worker host): https, or http on loopback (a secure context
 * too, used by `npm run dev`). Null for anything else, including opaque origins.
 */
export function siteOrigin(value: unknown): string | null {
  const url = parse(value);
  if (!url || url.username || url.password) return null;
  if (url.protocol === 'https:') return url.origin;
  if (url.protocol === 'http:' && LOOPBACK.has(url.hostname)) return url.origin;
  return null;
}

/** A site window may navigate only within its own origin; everything else goes to the default browser or nowhere. */
export function isSameOrigin(target: unknown, origin: string): boolean {
  const url = parse(target);
  return url !== null && (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === origin;
}

export type NavigationDecision = { action: 'allow' } | { action: 'external'; url: string } | { action: 'deny' };

/** What a site window does with a navigation or `window.open` to `target`. */
export function decideNavigation(
  target: unknown,
  origin: string,
  kind: 'navigate' | 'window-open',
): NavigationDecision {
  if (kind === 'navigate' && isSameOrigin(target, origin)) return { action: 'allow' };
  const external = externalUrl(target);
  return external ? { action: 'external', url: external } : { action: 'deny' };
}
