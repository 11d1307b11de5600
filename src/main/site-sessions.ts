// One Electron session per site origin, shared by its site window and its worker host (design.md §2), configured
// once: `/__push-agent__/` at that origin is served from dist/worker and every other request goes to the network
// unchanged (session.fetch, bypassing this handler); notifications are the only permission, and only for the
// origin, after the user agreed; everything else is denied.
import fs from 'node:fs/promises';
import { session, type Session } from 'electron';
import type { Logger } from '../engine/ports.ts';
import { routeSiteRequest } from './app-assets.ts';
import { sitePartition } from './partition.ts';
import type { SitePermissions } from '../engine/site-permissions.ts';

export class SiteSessions {
  readonly #workerDir: string;
  readonly #permissions: SitePermissions;
  readonly #logger: Logger;
  readonly #ready = new Map<string, Session>();

  constructor(opts: { workerDir: string; permissions: SitePermissions; logger: Logger }) {
    this.#workerDir = opts.workerDir;
    this.#permissions = opts.permissions;
    this.#logger = opts.logger;
  }

  /** The origin's session (`origin` already validated by url-policy's siteOrigin). */
  get(origin: string): Session {
    const existing = this.#ready.get(origin);
    if (existing) return existing;
    const ses = session.fromPartition(sitePartition(origin));
    const scheme = new URL(origin).protocol.slice(0, -1);
    ses.protocol.handle(scheme, async (request) => {
      const route = routeSiteRequest(request.url, request.method, origin, this.#workerDir);
      if (route.kind === 'network') return ses.fetch(request, { bypassCustomProtocolHandlers: true });
      if (route.kind === 'not-found') return new Response('', { status: 404 });
      try {
        return new Response(await fs.readFile(route.asset.file), { headers: route.asset.headers });
      } catch {
        this.#logger.error('worker runtime file missing (run the build)');
        return new Response('', { status: 500 });
      }
    });
    ses.setPermissionRequestHandler((_contents, permission, callback, details) => {
      if (permission !== 'notifications' || !sameOrigin(details.requestingUrl, origin)) return callback(false);
      this.#permissions.ask(origin).then(
        (answer) => callback(answer === 'granted'),
        () => callback(false),
      );
    });
    ses.setPermissionCheckHandler((_contents, permission, requestingOrigin) => permission === 'notifications' && sameOrigin(requestingOrigin, origin) && this.#permissions.state(origin) === 'granted');
    ses.setDevicePermissionHandler(() => false);
    ses.on('will-download', (event) => event.preventDefault());
    this.#ready.set(origin, ses);
    return ses;
  }
}

function sameOrigin(url: string, origin: string): boolean {
  try {
    return new URL(url).origin === origin;
  } catch {
    return false;
  }
}
