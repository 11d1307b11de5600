// The commands a running `listen` does for the others, on its own engine: one handler per command name. Arguments
// come from another process and are checked here as any peer input. A new command (e.g. `site …`) adds a handler.
import { SubscribeError, type PushEngine } from '../engine/engine.ts';
import { statusReport, subscriptionOutput } from './command-output.ts';
import { ControlError } from './control-protocol.ts';
import type { ControlHandler } from './control-socket.ts';

export interface ListenerContext {
  engine: PushEngine;
  dataDir: string;
  /** The service URL as shown (no credentials). */
  serviceUrl: string;
  /** The connection state as `listen` last reported it. */
  state(): string;
  messagesHandled(): number;
}

/** How long subscribe and unsubscribe wait for the push service: as long as the one-shot commands do. */
const SERVICE_WAIT_MS = 15_000;

const optionalString = (args: Record<string, unknown>, name: string, valid: (v: string) => boolean, what: string): string | undefined => {
  const v = args[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || !valid(v)) throw new ControlError('bad-arguments', `${name} must be ${what}`);
  return v;
};

async function serviceReady(ctx: ListenerContext): Promise<void> {
  try {
    await ctx.engine.connection.whenReady(SERVICE_WAIT_MS);
  } catch {
    throw new ControlError('service-unavailable', `cannot reach the push service at ${ctx.serviceUrl}`);
  }
}

export function agentHandlers(ctx: ListenerContext): Record<string, ControlHandler> {
  return {
    async list() {
      return ctx.engine.list();
    },

    async status() {
      return statusReport({
        running: true,
        pid: process.pid,
        engine: ctx.engine.status(),
        live: { state: ctx.state(), messagesHandled: ctx.messagesHandled(), awaitingReregistration: ctx.engine.status().pendingReregistrations, serviceUrl: ctx.serviceUrl },
        dataDir: ctx.dataDir,
      });
    },

    async subscribe(args) {
      const label = optionalString(args, 'label', (v) => v.length >= 1 && v.length <= 200, '1 to 200 characters');
      const applicationServerKey = optionalString(args, 'applicationServerKey', (v) => /^[A-Za-z0-9_-]{86,87}=?$/.test(v), 'a base64url P-256 public key (65 bytes)');
      const origin = optionalString(args, 'origin', (v) => /^https?:\/\//.test(v) && v.length <= 2048, 'an http(s) URL');
      await serviceReady(ctx);
      try {
        const info = await ctx.engine.subscribe({
          kind: 'endpoint',
          ...(label ? { label } : {}),
          ...(applicationServerKey ? { applicationServerKey } : {}),
          ...(origin ? { origin } : {}),
        });
        return JSON.parse(subscriptionOutput(info)) as unknown;
      } catch (err) {
        if (err instanceof SubscribeError) {
          throw new ControlError(err.kind === 'invalid-key' || err.kind === 'invalid-origin' ? 'bad-arguments' : 'service-unavailable', err.message);
        }
        throw err;
      }
    },

    async unsubscribe(args) {
      const id = args.id;
      if (typeof id !== 'string' || id.length === 0 || id.length > 200) throw new ControlError('bad-arguments', 'id must be a subscription id');
      await serviceReady(ctx);
      if (!(await ctx.engine.unsubscribe(id))) throw new ControlError('not-found', `no subscription with id ${id} (see: push-agent list)`);
      return { id };
    },
  };
}
