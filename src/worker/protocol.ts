// The small message protocol between the worker host page and the origin's Web Worker (scope.ts), carried over a
// private MessageChannel (the site's script never sees it). Each side validates what it receives and drops the rest.

import type { BridgeEvent, BridgeNotificationOptions } from '../shared/worker-bridge.ts';

/** Lifecycle events the page sends besides the engine's events. */
export type WireEvent = BridgeEvent | { type: 'install' } | { type: 'activate' };

export type EventResult = { status: 'ok' } | { status: 'error'; code: 301 | 302; kind: 'handler-threw' | 'waituntil-rejected'; message: string };

export type ToWorker =
  | { t: 'init'; scriptURL: string; scope: string }
  | { t: 'event'; id: number; event: WireEvent }
  | { t: 'reply'; id: number; ok: true; value: unknown }
  | { t: 'reply'; id: number; ok: false; name: string; message: string };

export type WorkerCall =
  | { method: 'showNotification'; title: string; options: BridgeNotificationOptions }
  | { method: 'getNotifications'; tag?: string }
  | { method: 'openWindow'; url: string }
  | { method: 'getSubscription' };

export type FromWorker =
  | { t: 'loaded' }
  | { t: 'load-failed'; kind: 'script-fetch-failed' | 'script-error'; message: string }
  | { t: 'done'; id: number; result: EventResult }
  | ({ t: 'call'; id: number } & WorkerCall);

const EVENT_TYPES = new Set(['install', 'activate', 'push', 'pushsubscriptionchange', 'notificationclick', 'notificationclose']);
const MAX_MESSAGE_CHARS = 2048;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function isId(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
}

export function isToWorker(v: unknown): v is ToWorker {
  if (!isRecord(v)) return false;
  switch (v.t) {
    case 'init':
      return typeof v.scriptURL === 'string' && typeof v.scope === 'string';
    case 'event':
      return isId(v.id) && isRecord(v.event) && EVENT_TYPES.has(v.event.type as string);
    case 'reply':
      return isId(v.id) && (v.ok === true || (v.ok === false && typeof v.name === 'string' && typeof v.message === 'string'));
    default:
      return false;
  }
}

export function isFromWorker(v: unknown): v is FromWorker {
  if (!isRecord(v)) return false;
  switch (v.t) {
    case 'loaded':
      return true;
    case 'load-failed':
      return (v.kind === 'script-fetch-failed' || v.kind === 'script-error') && typeof v.message === 'string';
    case 'done': {
      if (!isId(v.id) || !isRecord(v.result)) return false;
      const r = v.result;
      if (r.status === 'ok') return true;
      return (
        r.status === 'error' &&
        ((r.code === 301 && r.kind === 'handler-threw') || (r.code === 302 && r.kind === 'waituntil-rejected')) &&
        typeof r.message === 'string'
      );
    }
    case 'call':
      if (!isId(v.id)) return false;
      switch (v.method) {
        case 'showNotification':
          return typeof v.title === 'string' && isRecord(v.options);
        case 'getNotifications':
          return v.tag === undefined || typeof v.tag === 'string';
        case 'openWindow':
          return typeof v.url === 'string';
        case 'getSubscription':
          return true;
        default:
          return false;
      }
    default:
      return false;
  }
}

/** A short, plain description of a thrown value (never the value itself: it may be large or hostile). */
export function describeError(err: unknown): string {
  let text: string;
  try {
    if (err instanceof Error || (isRecord(err) && typeof err.message === 'string')) {
      const e = err as { name?: unknown; message: string };
      text = `${typeof e.name === 'string' ? e.name : 'Error'}: ${e.message}`;
    } else {
      text = String(err);
    }
  } catch {
    text = 'unprintable error';
  }
  return text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS)}…` : text;
}
