// What the hosts hand the service-worker script (src/worker/service-worker-script.ts), the same on every host: the
// engine's event as plain data (push data as base64), and a worker's error message cut to one short line.
import type { WorkerEvent } from './ports.ts';

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
