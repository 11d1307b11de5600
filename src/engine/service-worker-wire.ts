// What passes between the hosts and the service-worker script (src/worker/service-worker-script.ts), the same on
// every host: the engine's event as plain data (push data as base64), a worker's error message cut to one short
// line, the script's notification calls mapped onto the engine's WorkerClient with the per-event cap, and its
// `registration.pushManager` calls mapped onto the origin's SiteService.
import type { WorkerClient, WorkerEvent } from './ports.ts';
import type { PushBridge } from '../shared/push-manager.ts';
import type { SiteResult } from '../shared/site-bridge.ts';

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
export async function serveNotificationCall(
  client: WorkerClient,
  event: EventNotifications,
  method: string,
  args: unknown[],
): Promise<{ value: unknown } | null> {
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
      return {
        value: JSON.parse(
          JSON.stringify(client.getNotifications(typeof args[0] === 'string' ? args[0] : undefined)),
        ) as unknown,
      };
    case 'closeNotification':
      if (typeof args[0] === 'string') client.closeNotification?.(args[0]);
      return { value: null };
    default:
      return null;
  }
}

const PUSH_METHODS = new Set(['permissionState', 'subscribe', 'getSubscription', 'unsubscribe']);

/**
 * The service worker a call came from, as its host knows it (the target, the ServiceWorkerMain): never the call's word.
 */
export interface CallingWorker {
  scope: string;
  scriptURL: string;
}

/**
 * The script's `registration.pushManager` calls (`permissionState`, `subscribe`, `getSubscription`, `unsubscribe`),
 * answered by `site`, the calling origin's SiteService (src/engine/services/site-service.ts), for the calling
 * worker's own registration: scope and script come from `worker`; of the call only the subscribe options and the
 * endpoint to unsubscribe are read. `{ value }` is the SiteResult the script's PushManager reads (never a
 * rejection). Null for any other method. Calls need no running event: a worker may subscribe in any of its events.
 */
export async function servePushManagerCall(
  site: PushBridge | undefined,
  worker: CallingWorker | undefined,
  method: string,
  args: unknown[],
): Promise<{ value: SiteResult<unknown> } | null> {
  if (!PUSH_METHODS.has(method)) return null;
  if (!site || !worker)
    return { value: { ok: false, name: 'AbortError', message: 'Registration failed - push service not available' } };
  switch (method) {
    case 'permissionState':
      return { value: await site.permissionState() };
    case 'subscribe': {
      // A worker has no window to ask from (Chromium's subscribe from a worker does not prompt either): the
      // permission must already be granted.
      const permission = await site.permissionState();
      if (!permission.ok || permission.value !== 'granted')
        return { value: { ok: false, name: 'NotAllowedError', message: 'Registration failed - permission denied' } };
      const o = args[0] && typeof args[0] === 'object' ? (args[0] as Record<string, unknown>) : {};
      const applicationServerKey = (o.applicationServerKey ?? null) as string | null; // checked by SiteService
      return {
        value: await site.subscribe({
          scope: worker.scope,
          workerScriptURL: worker.scriptURL,
          applicationServerKey,
          userVisibleOnly: o.userVisibleOnly === true,
        }),
      };
    }
    case 'getSubscription':
      return { value: await site.getSubscription(worker.scope) };
    default:
      return { value: await site.unsubscribe(worker.scope, args[0] as string) };
  }
}

/** The engine's event in the shape the service-worker script dispatches (push data as base64). */
export function scriptEvent(event: WorkerEvent): unknown {
  if (event.type === 'push') {
    const data = event.data ? Buffer.from(event.data).toString('base64') : null;
    return event.notification
      ? { type: 'push', data, notification: JSON.parse(JSON.stringify(event.notification)) as unknown }
      : { type: 'push', data };
  }
  return JSON.parse(JSON.stringify(event)) as unknown;
}

/** The first line of an error's message, at most 512 characters: what a site's error may put in a log or an outcome. */
export const shortMessage = (err: unknown): string =>
  String((err as Error)?.message ?? err)
    .split('\n')[0]!
    .slice(0, 512);
