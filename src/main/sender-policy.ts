// Who may speak on which IPC channel (docs/architecture.md "Security model"): sender checks as pure functions of the
// sending frame's URL.
// The hub calls these with `event.senderFrame.url` on every message; nothing else about a sender is trusted.

import { SETTINGS_ORIGIN } from '../shared/ipc.ts';

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
