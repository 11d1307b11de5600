// One Electron session per site origin, shared by its site window and its service workers (docs/architecture.md
// "The Electron host"), configured once: the site's requests go to the network as in a browser (no protocol
// handler: redirects, CORS and will-redirect are Chromium's); the service-worker preload is registered for the
// session (Electron 35+ `registerPreloadScript`); notifications are the only permission, and only for the origin,
// after the user agreed; everything else is denied.
import { session, type Session } from 'electron';
import { sitePartition } from './partition.ts';
import type { SitePermissions } from '../engine/site-permissions.ts';

export class SiteSessions {
  readonly #serviceWorkerPreload: string;
  readonly #permissions: SitePermissions;
  readonly #ready = new Map<string, Session>();

  /** `serviceWorkerPreload`: absolute path of dist/preload/service-worker.cjs. */
  constructor(opts: { serviceWorkerPreload: string; permissions: SitePermissions }) {
    this.#serviceWorkerPreload = opts.serviceWorkerPreload;
    this.#permissions = opts.permissions;
  }

  /** The origin's session (`origin` already validated by url-policy's siteOrigin). */
  get(origin: string): Session {
    const existing = this.#ready.get(origin);
    if (existing) return existing;
    const ses = session.fromPartition(sitePartition(origin));
    // Runs in every service worker of the session before the site's script (docs/api/session.md, v45).
    ses.registerPreloadScript({ type: 'service-worker', filePath: this.#serviceWorkerPreload });
    ses.setPermissionRequestHandler((_contents, permission, callback, details) => {
      if (permission !== 'notifications' || !sameOrigin(details.requestingUrl, origin)) return callback(false);
      this.#permissions.ask(origin).then(
        (answer) => callback(answer === 'granted'),
        () => callback(false),
      );
    });
    ses.setPermissionCheckHandler(
      (_contents, permission, requestingOrigin) =>
        permission === 'notifications' &&
        sameOrigin(requestingOrigin, origin) &&
        this.#permissions.state(origin) === 'granted',
    );
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
