// The commands a running `listen` does for the others, on its own engine: one handler per command name. Arguments
// come from another process and are checked here as any peer input. A new command (e.g. `site …`) adds a handler.
import { SubscribeError, type PushEngine } from '../engine/engine.ts';
import { statusReport, subscriptionOutput } from './command-output.ts';
import { ControlError } from './control-protocol.ts';
import type { ControlHandler, ControlPeer } from './control-socket.ts';
import { SiteWindowError, type AgentBrowser } from './agent-browser.ts';
import { addSite, removeSite, siteLines, SiteNotFoundError } from './site-commands.ts';

export interface ListenerContext {
  engine: PushEngine;
  /** The agent's browser: sites' service workers and `site add` windows. */
  browser: AgentBrowser;
  dataDir: string;
  /** The service URL as shown (no credentials). */
  serviceUrl: string;
  /** The connection state as `listen` last reported it. */
  state(): string;
  messagesHandled(): number;
}

/** How long subscribe and unsubscribe wait for the push service: as long as the one-shot commands do. */
const SERVICE_WAIT_MS = 15_000;

const optionalString = (
  args: Record<string, unknown>,
  name: string,
  valid: (v: string) => boolean,
  what: string,
): string | undefined => {
  const v = args[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || !valid(v)) throw new ControlError('bad-arguments', `${name} must be ${what}`);
  return v;
};

async function serviceReady(ctx: ListenerContext): Promise<void> {
  try {
    await ctx.engine.whenConnected(SERVICE_WAIT_MS);
  } catch {
    throw new ControlError('service-unavailable', `cannot reach the push service at ${ctx.serviceUrl}`);
  }
}

/** The site's notification request, asked of the `site add` client's user: true/false, or throws when not asked. */
async function askClient(peer: ControlPeer, origin: string): Promise<boolean> {
  const answer = await peer.ask({ kind: 'notification-permission', origin });
  if (typeof answer !== 'boolean') throw new Error('the command had no terminal to ask on');
  return answer;
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
        live: {
          state: ctx.state(),
          messagesHandled: ctx.messagesHandled(),
          awaitingReregistration: ctx.engine.status().pendingReregistrations,
          serviceUrl: ctx.serviceUrl,
        },
        dataDir: ctx.dataDir,
      });
    },

    async subscribe(args) {
      const label = optionalString(args, 'label', (v) => v.length >= 1 && v.length <= 200, '1 to 200 characters');
      const applicationServerKey = optionalString(
        args,
        'applicationServerKey',
        (v) => /^[A-Za-z0-9_-]{86,87}=?$/.test(v),
        'a base64url P-256 public key (65 bytes)',
      );
      const origin = optionalString(
        args,
        'origin',
        (v) => /^https?:\/\//.test(v) && v.length <= 2048,
        'an http(s) URL',
      );
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
          throw new ControlError(
            err.kind === 'invalid-key' || err.kind === 'invalid-origin' ? 'bad-arguments' : 'service-unavailable',
            err.message,
          );
        }
        throw err;
      }
    },

    async 'site-list'() {
      return siteLines(ctx.engine);
    },

    // The window is `listen`'s (its browser, its profile). `listen` has no terminal to ask on: with `prompt` the
    // client asks its user and answers (control-protocol.ts); the engine's permission store keeps the decision.
    // Without `prompt` or `allowNotifications`, or with a null answer, a request is denied and not remembered.
    async 'site-add'(args, peer) {
      const url = optionalString(
        args,
        'url',
        (v) => /^https?:\/\//.test(v) && v.length <= 2048 && URL.canParse(v),
        'an http(s) URL',
      );
      if (!url) throw new ControlError('bad-arguments', 'url must be an http(s) URL');
      const closeAfterMs = args.closeAfterMs;
      if (
        closeAfterMs !== undefined &&
        closeAfterMs !== null &&
        !(typeof closeAfterMs === 'number' && closeAfterMs > 0 && closeAfterMs <= 86_400_000)
      ) {
        throw new ControlError('bad-arguments', 'closeAfterMs must be a number of ms, above 0 and at most 86400000');
      }
      await serviceReady(ctx);
      try {
        return await addSite(ctx.engine, ctx.browser, url, {
          headless: args.headless === true,
          allowNotifications: args.allowNotifications === true,
          prompt: args.prompt === true ? (origin) => askClient(peer, origin) : null,
          closeAfterMs: typeof closeAfterMs === 'number' ? closeAfterMs : null,
        });
      } catch (err) {
        if (err instanceof SiteWindowError) throw new ControlError('failed', err.message);
        throw err;
      }
    },

    async 'site-remove'(args) {
      const origin = optionalString(
        args,
        'origin',
        (v) => URL.canParse(v) && new URL(v).origin === v && /^https?:/.test(v),
        'an http(s) origin',
      );
      if (!origin) throw new ControlError('bad-arguments', 'origin must be an http(s) origin');
      await serviceReady(ctx);
      try {
        return await removeSite(ctx.engine, ctx.browser, origin);
      } catch (err) {
        if (err instanceof SiteNotFoundError) throw new ControlError('not-found', err.message);
        throw new ControlError('failed', (err as Error).message);
      }
    },

    async unsubscribe(args) {
      const id = args.id;
      if (typeof id !== 'string' || id.length === 0 || id.length > 200)
        throw new ControlError('bad-arguments', 'id must be a subscription id');
      await serviceReady(ctx);
      if (!(await ctx.engine.unsubscribe(id)))
        throw new ControlError('not-found', `no subscription with id ${id} (see: push-agent list)`);
      return { id };
    },
  };
}
