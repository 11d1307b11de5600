// Who may speak on which IPC channel (docs/architecture.md "Security model"): sender checks as pure functions of the sending frame's URL.
// The hub calls these with `event.senderFrame.url` on every message; nothing else about a sender is trusted.

import { SETTINGS_ORIGIN } from '../shared/ipc.ts';
import { WORKER_HOST_PAGE } from '../shared/worker-bridge.ts';
import { siteOrigin } from './url-policy.ts';

function parse(value: unknown): URL | null {
  if (typeof value !== 'string') return null;
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

/** True only for our settings page, served from the app's own scheme (never a site, never file://). */
export function isSettingsFrame(frameUrl: unknown): boolean {
  const url = parse(frameUrl);
  // `push-agent:` is registered as standard, so the URL has a host and `origin` is meaningful.
  return url !== null && url.protocol === 'push-agent:' && `${url.protocol}//${url.host}` === SETTINGS_ORIGIN;
}

/**
 * True when the frame is the worker host page of `expectedOrigin` exactly: the host page path at that origin.
 * A worker host window is bound to one origin when it is created; its frame may not speak for another.
 */
export function isWorkerHostFrame(frameUrl: unknown, expectedOrigin: string): boolean {
  const url = parse(frameUrl);
  if (!url || url.pathname !== WORKER_HOST_PAGE) return false;
  const origin = siteOrigin(url.href);
  return origin !== null && origin === expectedOrigin;
}
