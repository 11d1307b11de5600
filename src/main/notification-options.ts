// Maps the engine's NotificationModel onto Electron's Notification options, per platform. Pure.
// Text is passed as plain text: Linux notification servers interpret a little markup in the body, so it is escaped.

import type { NotificationConstructorOptions } from 'electron';
import { NOTIFICATION_LIMITS, type NotificationModel } from '../engine/notification.ts';

export type Platform = NodeJS.Platform;

/** Platforms where Electron shows notification action buttons. */
export function supportsActions(platform: Platform): boolean {
  return platform === 'darwin' || platform === 'win32';
}

/** The Linux notification spec allows <b>, <i>, <a>, <img>: escape so payload text stays text. */
export function escapeLinuxMarkup(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export interface MappedNotification {
  options: Omit<NotificationConstructorOptions, 'icon'>;
  /** Action ids in button order: Electron reports the clicked button by index. */
  actionIds: string[];
  /** The icon URL to fetch (https, through the icon cache), if any. */
  iconUrl: string | null;
}

export function mapNotification(n: NotificationModel, platform: Platform, subtitle: string): MappedNotification {
  const linux = platform === 'linux';
  const text = (s: string) => (linux ? escapeLinuxMarkup(s) : s);
  const actions = supportsActions(platform) ? (n.actions ?? []) : [];
  const options: MappedNotification['options'] = {
    // The model keeps a payload's text whole; on screen it is capped.
    title: n.title.slice(0, NOTIFICATION_LIMITS.titleChars),
    body: text((n.body ?? '').slice(0, NOTIFICATION_LIMITS.bodyChars)),
    silent: n.silent === true,
    // requireInteraction: stay until dismissed where the platform allows (Linux, Windows); macOS decides itself.
    timeoutType: n.requireInteraction ? 'never' : 'default',
    ...(linux && n.requireInteraction ? { urgency: 'critical' as const } : {}),
    ...(platform === 'darwin' ? { subtitle } : {}),
    // The toast's tag on Windows (and the request id on macOS): Windows' activation arguments carry it back.
    ...(platform === 'darwin' || platform === 'win32' ? { id: n.id } : {}),
    ...(actions.length ? { actions: actions.map((a) => ({ type: 'button' as const, text: a.title })) } : {}),
  };
  return { options, actionIds: actions.map((a) => a.action), iconUrl: n.icon ?? null };
}

/** The site's host shown with the notification (macOS subtitle; elsewhere the app name shows). */
export function originLabel(origin: string): string {
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.host : 'Push Agent';
  } catch {
    return 'Push Agent';
  }
}
