// Validators for what a worker host page sends over IPC (src/shared/ipc.ts): its calls on behalf of the site's
// worker and its dispatch outcomes. The page runs the site's code, so everything is checked; the engine then
// validates notification options again (src/engine/notification.ts).

import { WORKER_METHODS, type WorkerCall, type WorkerMethod } from '../shared/ipc.ts';
import type { BridgeOutcome, BridgeNotificationOptions, DispatchErrorKind } from '../shared/worker-bridge.ts';
import { InvalidArgumentError } from '../shared/settings-validate.ts';

/** Structured-clone input larger than this is refused before the engine sees it. */
export const MAX_OPTIONS_JSON = 64 * 1024;
const MAX_STRING = 4096;

const fail = (message: string): never => {
  throw new InvalidArgumentError(message);
};

function shortString(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length > MAX_STRING) fail(`${what} must be a string`);
  return value as string;
}

export function validateWorkerCall(method: unknown, args: unknown): WorkerCall {
  if (typeof method !== 'string' || !(WORKER_METHODS as readonly string[]).includes(method)) return fail('unknown method');
  if (!Array.isArray(args) || args.length > 2) return fail('arguments must be a short array');
  const m = method as WorkerMethod;
  switch (m) {
    case 'showNotification': {
      const title = shortString(args[0], 'title');
      const options = args[1] ?? {};
      if (typeof options !== 'object' || options === null || Array.isArray(options)) return fail('options must be an object');
      let json: string;
      try {
        json = JSON.stringify(options);
      } catch {
        return fail('options must be plain data');
      }
      if (json.length > MAX_OPTIONS_JSON) fail('options too large');
      // A Date or boxed String passes `typeof object` but serializes to a string or null: only records are options.
      const parsed: unknown = JSON.parse(json);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return fail('options must be an object');
      return { method: m, args: [title, parsed as BridgeNotificationOptions] };
    }
    case 'getNotifications':
      return { method: m, args: args[0] === undefined ? [] : [shortString(args[0], 'tag')] };
    case 'openWindow':
      return { method: m, args: [shortString(args[0], 'url')] };
    case 'getSubscription':
      return { method: m, args: [] };
  }
}

const KINDS: readonly DispatchErrorKind[] = ['script-fetch-failed', 'script-error', 'install-failed', 'worker-crashed', 'worker-terminated', 'bridge-error'];

/** A dispatch outcome from the page; anything malformed becomes a 303 bridge-error (it is never trusted). */
export function validateOutcome(value: unknown): BridgeOutcome {
  const bad: BridgeOutcome = { status: 'error', code: 303, kind: 'bridge-error', message: 'malformed outcome from the worker host' };
  if (typeof value !== 'object' || value === null) return bad;
  const o = value as Record<string, unknown>;
  if (o.status === 'ok') return { status: 'ok' };
  if (o.status === 'timeout') return { status: 'timeout' };
  if (o.status !== 'error' || (o.code !== 301 && o.code !== 302 && o.code !== 303)) return bad;
  const kind = typeof o.kind === 'string' && (o.code !== 303 || KINDS.includes(o.kind as DispatchErrorKind)) ? o.kind.slice(0, 64) : 'bridge-error';
  const message = typeof o.message === 'string' ? o.message.slice(0, 512) : '';
  return { status: 'error', code: o.code, kind, message };
}

/** A dispatch id the hub issued: a positive safe integer. */
export function isDispatchId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}
