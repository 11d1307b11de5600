// The one way out of the window: `window.pushAgent` (src/shared/settings-api.ts). Errors become sentences.

import type { PushAgentApi } from '../shared/settings-api.ts';

declare global {
  interface Window {
    pushAgent?: PushAgentApi;
  }
}

export function api(): PushAgentApi {
  const a = window.pushAgent;
  if (!a) throw new Error('window.pushAgent is missing: the settings window must be opened by Push Agent.');
  return a;
}

const WORDS: Record<string, string> = {
  'service-unreachable': 'The push service cannot be reached right now. Check your connection and try again.',
  'service-refused': 'The push service refused the request. Try again later.',
  'not-found': 'That item no longer exists. The list has been refreshed.',
  unavailable: 'This is not available in this version yet.',
  unsupported: 'This works only in the desktop app.',
};

/** The user-facing sentence for a failed call: the service's message when it is one of ours, else a generic one. */
export function errorText(err: unknown): string {
  const e = err as { kind?: unknown; message?: unknown } | null;
  const kind = typeof e?.kind === 'string' ? e.kind : '';
  const message = typeof e?.message === 'string' ? e.message : '';
  // Our bridge's errors carry a kind and a message written for users; anything else is a bug, not a sentence.
  if (kind && message && message.length < 300) return message;
  return WORDS[kind] ?? 'Something went wrong. Try again; if it keeps happening, restart Push Agent.';
}

export function errorKind(err: unknown): string {
  const k = (err as { kind?: unknown } | null)?.kind;
  return typeof k === 'string' ? k : '';
}
