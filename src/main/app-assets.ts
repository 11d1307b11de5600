// What the app serves from its own files: the settings window's scheme (site sessions serve nothing: their requests
// go to the network). Pure: maps a request URL to a file and headers, or null (404).

import path from 'node:path';
import { SETTINGS_ORIGIN } from '../shared/ipc.ts';

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
