// The notification model: what a push turns into, whoever asked for it (a worker's showNotification,
// a declarative message, or the engine's own fallback). Validation follows the Notifications API
// (https://notifications.spec.whatwg.org/) where it says what is a TypeError; caps keep a hostile
// sender from flooding the desktop or memory.

import type { NotificationAction, NotificationRequest } from '../shared/notification-types.ts';

export type { NotificationAction, NotificationRequest };

/** A notification the engine has shown (or recorded), tied to its subscription. */
export interface NotificationModel extends NotificationRequest {
  id: string;
  subscriptionId: string;
  origin: string;
  /** Where it came from: a worker, a declarative payload, the engine's plain-payload display, or the policy. */
  source: 'worker' | 'declarative' | 'payload' | 'generic';
  shownAt: number;
  /**
   * The service worker that showed it outside a push event (src/engine/origin-notifications.ts): `subscriptionId` is
   * then '' and its click and close go to this worker.
   */
  worker?: { scope: string; scriptURL: string };
}

export const NOTIFICATION_LIMITS = {
  /** On screen (every notifier caps to these), and in what a worker's showNotification keeps. */
  titleChars: 256,
  bodyChars: 2048,
  /**
   * Title and body taken from a push payload are kept whole (`listen --json`, the history): a payload is at most
   * 4 KiB, so this only bounds what a payload can hold.
   */
  payloadTextChars: 4096,
  urlChars: 2048,
  tagChars: 256,
  actions: 2,
  dataBytes: 32 * 1024,
} as const;

export class NotificationOptionsError extends TypeError {
  readonly kind = 'invalid-notification-options';
}

function str(value: unknown, field: string, max: number): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new NotificationOptionsError(`${field} must be a string`);
  return value.length > max ? value.slice(0, max) : value;
}

/**
 * Only http(s) URLs may ever be opened or fetched; anything else is dropped, not an error (as browsers ignore bad
 * icons).
 */
export function httpUrl(value: unknown, base?: string): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > NOTIFICATION_LIMITS.urlChars) return undefined;
  try {
    const url = base ? new URL(value, base) : new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** The caps for title and body kept from a push payload (the on-screen caps apply later, in the notifier). */
export const PAYLOAD_TEXT_CAPS = {
  titleChars: NOTIFICATION_LIMITS.payloadTextChars,
  bodyChars: NOTIFICATION_LIMITS.payloadTextChars,
} as const;

/**
 * Validates `showNotification(title, options)` arguments the way the spec does, resolving relative URLs
 * against `base` (the origin or scope). Throws NotificationOptionsError for what the spec calls a TypeError.
 * `caps` bounds title and body: the on-screen limits by default, PAYLOAD_TEXT_CAPS for text from a payload.
 */
export function validateNotification(
  title: unknown,
  options: unknown,
  base: string,
  caps: { titleChars: number; bodyChars: number } = NOTIFICATION_LIMITS,
): NotificationRequest {
  if (typeof title !== 'string') throw new NotificationOptionsError('title must be a string');
  const o = (options ?? {}) as Record<string, unknown>;
  if (typeof o !== 'object' || Array.isArray(o)) throw new NotificationOptionsError('options must be an object');
  const tag = str(o.tag, 'tag', NOTIFICATION_LIMITS.tagChars) ?? '';
  if (o.renotify === true && tag === '') throw new NotificationOptionsError('renotify requires a non-empty tag');
  if (o.silent === true && o.vibrate !== undefined && o.vibrate !== null) {
    throw new NotificationOptionsError('silent notifications cannot vibrate');
  }
  let data: unknown = undefined;
  if (o.data !== undefined) {
    let json: string | undefined;
    try {
      json = JSON.stringify(o.data);
    } catch {
      throw new NotificationOptionsError('data must be serializable');
    }
    if (json !== undefined && json.length > NOTIFICATION_LIMITS.dataBytes) {
      throw new NotificationOptionsError(`data larger than ${NOTIFICATION_LIMITS.dataBytes} bytes`);
    }
    data = json === undefined ? undefined : JSON.parse(json);
  }
  const actions: NotificationAction[] = [];
  if (o.actions !== undefined) {
    if (!Array.isArray(o.actions)) throw new NotificationOptionsError('actions must be an array');
    for (const a of o.actions.slice(0, NOTIFICATION_LIMITS.actions)) {
      const action = a as Record<string, unknown>;
      if (typeof action !== 'object' || action === null) throw new NotificationOptionsError('action must be an object');
      const name = str(action.action, 'action.action', NOTIFICATION_LIMITS.tagChars);
      const actionTitle = str(action.title, 'action.title', NOTIFICATION_LIMITS.titleChars);
      if (name === undefined || actionTitle === undefined)
        throw new NotificationOptionsError('action needs action and title');
      actions.push({
        action: name,
        title: actionTitle,
        ...(httpUrl(action.navigate, base) ? { navigate: httpUrl(action.navigate, base)! } : {}),
        ...(httpUrl(action.icon, base) ? { icon: httpUrl(action.icon, base)! } : {}),
      });
    }
  }
  const dir = o.dir === 'ltr' || o.dir === 'rtl' ? o.dir : 'auto';
  const request: NotificationRequest = {
    title: title.slice(0, caps.titleChars),
    body: str(o.body, 'body', caps.bodyChars) ?? '',
    tag,
    renotify: o.renotify === true,
    requireInteraction: o.requireInteraction === true,
    silent: o.silent === true,
    dir,
  };
  for (const field of ['icon', 'badge', 'image', 'navigate'] as const) {
    const url = httpUrl(o[field], base);
    if (url) request[field] = url;
  }
  if (data !== undefined) request.data = data;
  if (actions.length) request.actions = actions;
  if (typeof o.timestamp === 'number' && Number.isFinite(o.timestamp)) request.timestamp = o.timestamp;
  const lang = str(o.lang, 'lang', 35);
  if (lang) request.lang = lang;
  return request;
}
