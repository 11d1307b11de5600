// Test sites for the Chromium host: one loopback HTTP server answers every `<name>.localhost` origin (Chromium
// treats *.localhost as loopback, so they are secure contexts that may register service workers) from a table of
// files per host name, and records every request. A site registers its worker in the host's browser the way a
// page does (`navigator.serviceWorker.register`), then subscribes at the engine.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChromiumWorkerHost } from '../../src/chromium-host/chromium-worker-host.ts';
import type { PushEngine } from '../../src/engine/engine.ts';
import type { SubscriptionInfo } from '../../src/engine/subscription-record.ts';

export interface SiteFile {
  type?: string;
  body: string;
  headers?: Record<string, string>;
}

export class SiteServer {
  readonly #files = new Map<string, Record<string, SiteFile>>();
  /** Every request seen, as `<name>/<path and query>` (name without `.localhost`). */
  readonly requests: string[] = [];
  /** Requests to `/hang` are held open until close(): a server that never answers. */
  readonly #held = new Set<http.ServerResponse>();
  readonly #server: http.Server;
  readonly port: number;

  private constructor(server: http.Server) {
    this.#server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  static async start(): Promise<SiteServer> {
    let self: SiteServer | null = null;
    const server = http.createServer((req, res) => self!.#answer(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self = new SiteServer(server);
    return self;
  }

  /** Serves `files` (path -> body or file) at http://<name>.localhost:<port>; returns that origin. */
  site(name: string, files: Record<string, string | SiteFile>): string {
    this.#files.set(
      name,
      Object.fromEntries(Object.entries(files).map(([p, f]) => [p, typeof f === 'string' ? { body: f } : f])),
    );
    return this.origin(name);
  }

  origin(name: string): string {
    return `http://${name}.localhost:${this.port}`;
  }

  /** How many requests `<name>` made for `path` (with or without a query). */
  count(name: string, path: string): number {
    return this.requests.filter((r) => r === `${name}${path}` || r.startsWith(`${name}${path}?`)).length;
  }

  close(): Promise<void> {
    for (const res of this.#held) res.destroy();
    // Keep-alive connections from the browser would hold the server (and the test process) open.
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #answer(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'unknown'}`);
    const name = url.hostname.replace(/\.localhost$/, '');
    this.requests.push(`${name}${url.pathname}${url.search}`);
    if (url.pathname === '/hang') {
      this.#held.add(res);
      return;
    }
    const file = this.#files.get(name)?.[url.pathname];
    if (file) {
      res
        .writeHead(200, {
          'content-type': file.type ?? 'text/javascript; charset=utf-8',
          'cache-control': 'no-store',
          ...file.headers,
        })
        .end(file.body);
    } else if (url.pathname === '/' || url.pathname.endsWith('.html')) {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>site</title>');
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  }
}

/**
 * Registers `script` at `scope` (both relative to `origin`) from a page of the host's browser and waits until the
 * worker is active, as a site does; the page is closed afterwards. Rejects with the page's error if registration fails.
 */
export async function registerWorker(
  host: ChromiumWorkerHost,
  origin: string,
  script = '/sw.js',
  scope = '/',
): Promise<void> {
  const page = await host.openPage(`${origin}/`);
  try {
    await page.evaluate(`(async () => {
      const reg = await navigator.serviceWorker.register(${JSON.stringify(script)}, { scope: ${JSON.stringify(scope)} });
      for (let i = 0; !reg.active; i++) {
        if (i > 1000) throw new Error('the worker did not activate within 20 s');
        await new Promise((r) => setTimeout(r, 20));
      }
      return true;
    })()`);
  } finally {
    await page.close();
  }
}

/** Registers the origin's worker (registerWorker) and subscribes for it at the engine, as the page script would. */
export async function subscribeSite(
  host: ChromiumWorkerHost,
  engine: PushEngine,
  origin: string,
  opts: { script?: string; scope?: string; userVisibleOnly?: boolean } = {},
): Promise<SubscriptionInfo> {
  const script = opts.script ?? '/sw.js';
  const scope = opts.scope ?? '/';
  await registerWorker(host, origin, script, scope);
  return engine.subscribe({
    kind: 'site',
    origin,
    scope: new URL(scope, `${origin}/`).href,
    applicationServerKey: null,
    userVisibleOnly: opts.userVisibleOnly ?? true,
    workerScriptURL: new URL(script, `${origin}/`).href,
  });
}
