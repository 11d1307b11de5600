// What the app serves from its own files: the settings window's scheme and the worker host's
// `/__push-agent__/` path at a site's origin. Pure: maps a request URL to a file and headers, or null (404).

import path from 'node:path';
import { SETTINGS_ORIGIN } from '../shared/ipc.ts';
import { WORKER_HOST_PAGE, WORKER_HOST_PATH, WORKER_HOST_SCRIPT, WORKER_SCOPE_SCRIPT } from '../shared/worker-bridge.ts';

/** The settings window's CSP: only its own scheme, no inline script, no eval, no network, no framing. */
export const SETTINGS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
  "base-uri 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

export interface Asset {
  file: string;
  headers: Record<string, string>;
}

/** A settings-scheme URL -> a file under `rendererDir`, or null (unknown host, traversal, unknown type). */
export function settingsAsset(requestUrl: string, rendererDir: string): Asset | null {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return null;
  }
  if (`${url.protocol}//${url.host}` !== SETTINGS_ORIGIN) return null;
  let name: string;
  try {
    name = decodeURIComponent(url.pathname).replace(/^\/+/, '') || 'settings.html';
  } catch {
    return null;
  }
  // Flat directory: one file name, no separators, no dot files.
  if (!/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(name)) return null;
  const type = TYPES[path.extname(name)];
  if (!type) return null;
  const headers: Record<string, string> = {
    'content-type': type,
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
  };
  if (type.startsWith('text/html')) {
    headers['content-security-policy'] = SETTINGS_CSP;
    headers['x-frame-options'] = 'DENY';
    headers['referrer-policy'] = 'no-referrer';
  }
  return { file: path.join(rendererDir, name), headers };
}

const WORKER_FILES: Record<string, [string, string]> = {
  [WORKER_HOST_PAGE]: ['host.html', 'text/html; charset=utf-8'],
  [WORKER_HOST_SCRIPT]: ['host.js', 'text/javascript; charset=utf-8'],
  [WORKER_SCOPE_SCRIPT]: ['scope.js', 'text/javascript; charset=utf-8'],
};

/** `/__push-agent__/<file>` at a site's origin -> a file under `workerDir`, or null for any other path. */
export function workerAsset(pathname: string, workerDir: string): Asset | null {
  const entry = WORKER_FILES[pathname];
  if (!entry) return null;
  return { file: path.join(workerDir, entry[0]), headers: { 'content-type': entry[1], 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' } };
}

export type SiteRoute = { kind: 'asset'; asset: Asset } | { kind: 'not-found' } | { kind: 'network' };

/**
 * What a site's session does with a request: `/__push-agent__/` at the session's own origin is ours (GET of the
 * three runtime files, else 404); everything else, including that path at any other origin, goes to the network.
 */
export function routeSiteRequest(requestUrl: string, method: string, origin: string, workerDir: string): SiteRoute {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return { kind: 'network' };
  }
  if (url.origin !== origin || !url.pathname.startsWith(WORKER_HOST_PATH)) return { kind: 'network' };
  const asset = method === 'GET' ? workerAsset(url.pathname, workerDir) : null;
  return asset ? { kind: 'asset', asset } : { kind: 'not-found' };
}
