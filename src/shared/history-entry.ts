// One entry of the notification history: a message and what became of it. The engine writes these (its history and
// the 'history' event); the settings window shows them (src/shared/settings-api.ts imports them). Types and the list
// of fates only.

/** What became of one message (docs/policies.md history); every message ends in exactly one. */
export type Fate =
  | 'shown'
  | 'shown-silently'
  | 'shown-by-worker'
  | 'generic-notification'
  | 'charged'
  | 'muted'
  | 'paused'
  | 'duplicate'
  | 'undecryptable'
  | 'unknown-subscription'
  | 'worker-error'
  | 'worker-timeout'
  | 'quiet-hours'
  /** The notifier refused it (or dispatch failed): nothing shown; the detail names the error kind. */
  | 'display-failed'
  /** Only in history written by earlier versions: a full inbox now leaves the message with the service, no fate. */
  | 'inbox-full';

export interface HistoryEntry {
  id: string;
  subscriptionId: string | null;
  origin: string | null;
  label: string | null;
  fate: Fate;
  /** A typed error kind or short reason in words; never key material or payload bytes. */
  detail: string | null;
  /** Title and body as shown (plain text), when a notification was shown. */
  title: string | null;
  body: string | null;
  receivedAt: number;
  at: number;
}

/** Every fate, for readers of stored history (an entry with another fate is not an entry). */
export const FATES: readonly Fate[] = [
  'shown',
  'shown-silently',
  'shown-by-worker',
  'generic-notification',
  'charged',
  'muted',
  'paused',
  'duplicate',
  'undecryptable',
  'unknown-subscription',
  'worker-error',
  'worker-timeout',
  'quiet-hours',
  'display-failed',
  'inbox-full',
];
