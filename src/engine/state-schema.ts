// The persisted state's shape and its migrations. Every host stores the same document through the Store port,
// so migrations live here, not in a host. A store written by a newer version is refused, never rewritten.

import type { Store } from './ports.ts';
import type { NotificationModel } from './notification.ts';
import type { SubscriptionRecord } from './subscription-record.ts';

export const SCHEMA_VERSION = 1;

/** A subscription as stored: the record plus its sealed secrets (private key and auth secret). */
export interface StoredSubscription extends SubscriptionRecord {
  sealed: string;
}

export class StateError extends Error {
  readonly kind: 'newer-schema' | 'corrupt';
  constructor(kind: StateError['kind'], message: string) {
    super(message);
    this.name = 'StateError';
    this.kind = kind;
  }
}

/**
 * Migrations from version N to N+1, applied in order. Each takes and returns the raw document (keys of the store).
 * Version 0 is a store with no `schemaVersion`: a fresh one, or written before versioning (none was released).
 */
const MIGRATIONS: Array<(doc: Record<string, unknown>) => Record<string, unknown>> = [
  // 0 -> 1: introduce the versioned layout; nothing older exists to convert.
  (doc) => ({ ...doc, subscriptions: doc.subscriptions ?? {}, uaid: doc.uaid ?? null }),
];

const KEYS = ['schemaVersion', 'uaid', 'serviceUrl', 'subscriptions', 'quarantine', 'notifications'] as const;

export function migrate(store: Store, migrations = MIGRATIONS, target = SCHEMA_VERSION): { from: number; to: number } {
  const raw = store.get('schemaVersion');
  const from = raw === undefined ? 0 : raw;
  if (typeof from !== 'number' || !Number.isInteger(from) || from < 0)
    throw new StateError('corrupt', 'schemaVersion is not a version number');
  if (from > target)
    throw new StateError(
      'newer-schema',
      `data written by a newer Push Agent (schema ${from}, this build knows ${target}); refusing to touch it`,
    );
  if (from === target) return { from, to: target };
  let doc: Record<string, unknown> = {};
  for (const k of KEYS) if (store.get(k) !== undefined) doc[k] = store.get(k);
  for (let v = from; v < target; v++) {
    const step = migrations[v];
    if (!step) throw new StateError('corrupt', `no migration from schema ${v}`);
    doc = step(doc);
  }
  for (const [k, value] of Object.entries(doc)) store.set(k, value);
  store.set('schemaVersion', target);
  return { from, to: target };
}

const ORIGIN_KINDS = new Set(['site', 'endpoint', 'legacy']);

/** Checks one stored subscription's shape; a bad one is kept aside by the registry as it is, never dropped. */
export function isStoredSubscription(v: unknown): v is StoredSubscription {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Record<string, unknown>;
  return (
    typeof s.id === 'string' &&
    typeof s.channelID === 'string' &&
    typeof s.kind === 'string' &&
    ORIGIN_KINDS.has(s.kind) &&
    typeof s.origin === 'string' &&
    typeof s.scope === 'string' &&
    typeof s.endpoint === 'string' &&
    typeof s.p256dh === 'string' &&
    typeof s.sealed === 'string' &&
    typeof s.label === 'string' &&
    typeof s.userVisibleOnly === 'boolean' &&
    typeof s.createdAt === 'number'
  );
}

const NOTIFICATION_SOURCES = new Set(['worker', 'declarative', 'payload', 'generic']);

/**
 * Checks one kept notification (`notifications.json`, notification-center.ts): what routing a click needs. The rest
 * of the model was validated when it was shown.
 */
export function isStoredNotification(v: unknown): v is NotificationModel {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const n = v as Record<string, unknown>;
  return (
    typeof n.id === 'string' &&
    typeof n.subscriptionId === 'string' &&
    typeof n.origin === 'string' &&
    typeof n.title === 'string' &&
    typeof n.source === 'string' &&
    NOTIFICATION_SOURCES.has(n.source) &&
    typeof n.shownAt === 'number' &&
    (n.actions === undefined || Array.isArray(n.actions)) &&
    (n.worker === undefined || isWorkerOfNotification(n.worker))
  );
}

function isWorkerOfNotification(v: unknown): boolean {
  const w = v as { scope?: unknown; scriptURL?: unknown } | null;
  return typeof w === 'object' && w !== null && typeof w.scope === 'string' && typeof w.scriptURL === 'string';
}

/**
 * True when the store holds any sealed secret (a subscription, or one kept aside earlier): its key must not be
 * replaced.
 */
export function hasSealedRecords(store: Store): boolean {
  for (const key of ['subscriptions', 'quarantine']) {
    const v = store.get(key);
    if (typeof v !== 'object' || v === null) continue;
    for (const entry of Object.values(v as Record<string, unknown>)) {
      const e = entry as { sealed?: unknown; value?: { sealed?: unknown } } | null;
      if (typeof e?.sealed === 'string' || typeof e?.value?.sealed === 'string') return true;
    }
  }
  return false;
}

/**
 * Runs one access to a JSON store file; a file that does not parse (torn, edited) becomes StateError naming it.
 * The store libraries re-read the file on each access, so every access goes through this.
 */
export function namingStoreFile<T>(file: string, access: () => T): T {
  try {
    return access();
  } catch (err) {
    if (err instanceof SyntaxError)
      throw new StateError(
        'corrupt',
        `${file} is not valid JSON (${err.message}); it was left as it is: repair or move it`,
      );
    throw err;
  }
}
