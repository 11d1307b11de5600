// What the window says about states and fates, in words users understand.

import type { ConnectionStateView, FateView, SubscriptionView } from '../shared/settings-api.ts';

export const CONNECTION_WORDS: Record<ConnectionStateView, string> = {
  connected: 'Connected',
  connecting: 'Connecting…',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
  suspended: 'Paused while the computer sleeps',
  stopped: 'Stopped',
};

/** Short label and a tone for the badge. */
export const FATE_WORDS: Record<FateView, { label: string; tone: 'ok' | 'quiet' | 'warn' | 'bad' }> = {
  shown: { label: 'Shown', tone: 'ok' },
  'shown-silently': { label: 'Shown silently', tone: 'ok' },
  'shown-by-worker': { label: 'Shown by the site', tone: 'ok' },
  'generic-notification': { label: 'Generic notice shown', tone: 'warn' },
  charged: { label: 'Handled in the background', tone: 'quiet' },
  muted: { label: 'Not shown: muted', tone: 'quiet' },
  paused: { label: 'Not shown: paused', tone: 'warn' },
  duplicate: { label: 'Duplicate ignored', tone: 'quiet' },
  undecryptable: { label: 'Could not be decrypted', tone: 'bad' },
  'unknown-subscription': { label: 'For an old subscription', tone: 'quiet' },
  'worker-error': { label: 'The site’s code failed', tone: 'bad' },
  'worker-timeout': { label: 'The site’s code took too long', tone: 'bad' },
  'quiet-hours': { label: 'Held for quiet hours', tone: 'quiet' },
  'display-failed': { label: 'Could not be shown', tone: 'bad' },
  'inbox-full': { label: 'Left with the service: too many waiting', tone: 'warn' },
};

export function fateWords(fate: string): { label: string; tone: string } {
  return FATE_WORDS[fate as FateView] ?? { label: fate, tone: 'quiet' };
}

export function stateOf(sub: SubscriptionView): { label: string; tone: 'ok' | 'quiet' | 'warn' } {
  if (sub.paused) return { label: 'Paused', tone: 'warn' };
  if (sub.muted) return { label: 'Muted', tone: 'quiet' };
  return { label: 'Active', tone: 'ok' };
}

/** The host of an origin for display; synthetic origins have none. */
export function hostOf(origin: string | null): string {
  if (!origin) return '';
  try {
    return new URL(origin).host || origin;
  } catch {
    return origin;
  }
}
