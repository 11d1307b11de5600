// What passes between the hosts and the service-worker script (src/worker/service-worker-script.ts), the same on
// every host: the engine's event as plain data (push data as base64), a worker's error message cut to one short
// line, and the script's notification calls mapped onto the engine's WorkerClient with the per-event cap.
import type { WorkerClient, WorkerEvent } from './ports.ts';

/** Notifications one event may show; further calls resolve without showing. */
export const MAX_NOTIFICATIONS_PER_EVENT = 8;

/** What one event's notification calls have used: `reserved` while a call is in flight, `shown` once it returned. */
export interface EventNotifications {
  reserved: number;
  shown: number;
}

/**
 * The script's `showNotification`, `getNotifications` and `closeNotification` calls on `client`, for the event
 * whose count is `event`; `{ value }` is the answer for the script. Null for any other method: the host answers
 * those (`openWindow`, `focus` differ by host). A refused notification throws a TypeError with a short message
 * (the spec's rejection) and frees its place under the cap.
 */
export async function serveNotificationCall(client: WorkerClient, event: EventNotifications, method: string, args: unknown[]): Promise<{ value: unknown } | null> {
  switch (method) {
    case 'showNotification': {
      if (event.reserved >= MAX_NOTIFICATIONS_PER_EVENT) return { value: null };
      event.reserved++;
      try {
        await client.showNotification(String(args[0]), args[1]);
      } catch (err) {
        event.reserved--;
        throw new TypeError(shortMessage(err));
      }
      event.shown++;
      return { value: null };
    }
    case 'getNotifications':
      // Plain JSON: what crosses to the worker is data, never the engine's objects.
      return { value: JSON.parse(JSON.stringify(client.getNotifications(typeof args[0] === 'string' ? args[0] : undefined))) as unknown };
    case 'closeNotification':
      if (typeof args[0] === 'string') client.closeNotification?.(args[0]);
      return { value: null };
    default:
      return null;
  }
}

/** The engine's event in the shape the service-worker script dispatches (push data as base64). */
export function scriptEvent(event: WorkerEvent): unknown {
  if (event.type === 'push') {
    const data = event.data ? Buffer.from(event.data).toString('base64') : null;
    return event.notification ? { type: 'push', data, notification: JSON.parse(JSON.stringify(event.notification)) as unknown } : { type: 'push', data };
  }
  return JSON.parse(JSON.stringify(event)) as unknown;
}

/** The first line of an error's message, at most 512 characters: what a site's error may put in a log or an outcome. */
export const shortMessage = (err: unknown): string => String((err as Error)?.message ?? err).split('\n')[0]!.slice(0, 512);
