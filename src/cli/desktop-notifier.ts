// Desktop notifications for the headless command, through the freedesktop notification service on the session
// bus (`gdbus`, part of GLib, so nothing extra to install). Without a session bus it does nothing.
import { execFile } from 'node:child_process';
import type { Logger, Notifier } from '../engine/ports.ts';
import { NOTIFICATION_LIMITS, type NotificationModel } from '../engine/notification.ts';

/**
 * GVariant text literal: gdbus parses each argument, so quote and escape rather than rely on its fallback. A
 * process argument cannot hold a NUL byte (execFile would refuse the whole call), so NUL shows as U+FFFD.
 */
function gv(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\0/g, '\uFFFD')}"`;
}

/** Servers that support body markup would render tags: payload text is escaped so it always shows as text. */
function escapeMarkup(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * What to log about a failed gdbus call: its exit code or signal. Never the error's message, which quotes the
 * whole command line and so the notification's text.
 */
function failure(err: unknown): { code: string | number; signal?: string } {
  const e = err as { code?: string | number; signal?: string | null };
  return { code: e.code ?? 'unknown', ...(e.signal ? { signal: e.signal } : {}) };
}

/** gdbus could not hand the notification to the server; `kind` names it for the history, never its text. */
export class DesktopNotificationError extends Error {
  readonly kind = 'notification-server-unavailable';
  constructor(code: string | number) {
    super(`the desktop notification server did not take the notification (gdbus ${code})`);
    this.name = 'DesktopNotificationError';
  }
}

/** One method call on the notification server (org.freedesktop.Notifications), its GVariant arguments as given. */
function callNotifications(
  method: 'Notify' | 'CloseNotification',
  args: string[],
  env: NodeJS.ProcessEnv,
  done: (err: Error | null, stdout: string) => void,
): void {
  execFile(
    'gdbus',
    [
      'call',
      '--session',
      '--dest',
      'org.freedesktop.Notifications',
      '--object-path',
      '/org/freedesktop/Notifications',
      '--method',
      `org.freedesktop.Notifications.${method}`,
      ...args,
    ],
    // The bus the notifier was given, not necessarily this process's.
    { timeout: 5000, env },
    done,
  );
}

export function desktopNotifier(logger: Logger, env: NodeJS.ProcessEnv = process.env): Notifier | null {
  if (!env.DBUS_SESSION_BUS_ADDRESS) return null;
  const ids = new Map<string, number>();
  return {
    show(n: NotificationModel) {
      const hints = n.silent ? '{"suppress-sound": <true>}' : '{}';
      // Typed, so that gdbus does not read a bare "-1" (the server's default expiry) as an unknown option and exit.
      const timeout = n.requireInteraction ? 'int32 0' : 'int32 -1';
      // On screen, text is capped; the model (and `listen --json`) carries it whole.
      const title = n.title.slice(0, NOTIFICATION_LIMITS.titleChars);
      const body = (n.body ?? '').slice(0, NOTIFICATION_LIMITS.bodyChars);
      // Resolves once the notification server took it: a server that is not there fails the display (its fate).
      return new Promise<void>((resolve, reject) =>
        callNotifications(
          'Notify',
          [gv('Push Agent'), 'uint32 0', gv(''), gv(title), gv(escapeMarkup(body)), '@as []', hints, timeout],
          env,
          (err, stdout) => {
            if (err) {
              logger.warn('desktop notification failed', failure(err));
              return reject(new DesktopNotificationError(failure(err).code));
            }
            const m = /uint32 (\d+)/.exec(stdout);
            if (m) ids.set(n.id, Number(m[1]));
            resolve();
          },
        ),
      );
    },
    close(id: string) {
      const serverId = ids.get(id);
      if (serverId === undefined) return;
      ids.delete(id);
      callNotifications('CloseNotification', [`uint32 ${serverId}`], env, () => {});
    },
  };
}
