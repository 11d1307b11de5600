// Turning a payload into a notification without running a worker (docs/architecture.md "The delivery pipeline",
// docs/protocol-notes.md §4):
// Declarative Web Push JSON, then our simple JSON form, then UTF-8 text, then binary.
// The result is data only: titles and bodies are plain text, never markup. Title and body are kept whole (a payload
// is at most 4 KiB); only the notifier caps them on screen.

import { httpUrl, PAYLOAD_TEXT_CAPS, validateNotification, type NotificationRequest } from '../notification.ts';

export interface DeclarativeMessage {
  notification: NotificationRequest;
  /** The worker may replace the declared notification (it still gets a push event). */
  mutable: boolean;
  appBadge: number | null;
}

/**
 * Parses a Declarative Web Push payload: `{"web_push": 8030, "notification": {"title": .., "navigate": ..}}`.
 * `mutable` and `app_badge` are accepted inside `notification` or at the top level (sources differ).
 * Returns null for anything that is not valid declarative JSON: it then takes the ordinary path.
 */
export function parseDeclarative(json: unknown, base: string): DeclarativeMessage | null {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return null;
  const top = json as Record<string, unknown>;
  if (top.web_push !== 8030) return null;
  const n = top.notification;
  if (typeof n !== 'object' || n === null || Array.isArray(n)) return null;
  const fields = n as Record<string, unknown>;
  if (typeof fields.title !== 'string' || !httpUrl(fields.navigate, base)) return null;
  let notification: NotificationRequest;
  try {
    notification = validateNotification(fields.title, fields, base, PAYLOAD_TEXT_CAPS);
  } catch {
    return null;
  }
  const mutable = fields.mutable === true || top.mutable === true;
  const badge = fields.app_badge ?? top.app_badge;
  const appBadge =
    typeof badge === 'number' && Number.isInteger(badge) && badge >= 0
      ? badge
      : typeof badge === 'string' && /^\d{1,9}$/.test(badge)
        ? Number(badge)
        : null;
  return { notification, mutable, appBadge };
}

export type PayloadDisplay =
  { kind: 'declarative'; message: DeclarativeMessage } | { kind: 'plain'; notification: NotificationRequest };

/**
 * What to show for a payload when no worker handles it. `fallbackTitle` is the subscription's label or origin.
 */
export function displayPayload(data: Uint8Array | null, fallbackTitle: string, base: string): PayloadDisplay {
  if (data === null || data.length === 0)
    return { kind: 'plain', notification: { title: fallbackTitle, body: 'New message' } };
  const text = decodeUtf8(data);
  if (text === null)
    return { kind: 'plain', notification: { title: fallbackTitle, body: `New message (${data.length} bytes)` } };
  const json = parseJson(text);
  const declarative = parseDeclarative(json, base);
  if (declarative) return { kind: 'declarative', message: declarative };
  if (
    typeof json === 'object' &&
    json !== null &&
    !Array.isArray(json) &&
    typeof (json as Record<string, unknown>).title === 'string'
  ) {
    const o = json as Record<string, unknown>;
    try {
      const notification = validateNotification(
        o.title,
        { body: o.body, icon: o.icon, tag: o.tag, data: o.data, navigate: o.navigate ?? o.url },
        base,
        PAYLOAD_TEXT_CAPS,
      );
      return { kind: 'plain', notification };
    } catch {
      // Fields of the wrong type: show it as text rather than lose it.
    }
  }
  return { kind: 'plain', notification: { title: fallbackTitle, body: text.slice(0, PAYLOAD_TEXT_CAPS.bodyChars) } };
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(data: Uint8Array): string | null {
  try {
    return strictUtf8.decode(data);
  } catch {
    return null;
  }
}

function parseJson(text: string): unknown {
  const first = text.trimStart()[0];
  if (first !== '{') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
