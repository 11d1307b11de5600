// The test sites and harness of the `push-agent site …` tests (tests/browser/site-cli*.test.ts): sites served on
// loopback under *.localhost names (a site that subscribes at load, its redirecting apex, a page that counts its
// origin's service workers, the unregister site, the Workbox app shell), the local push service, and the real
// `push-agent` as a one-shot command and as `listen`.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before } from 'node:test';
import webpush from 'web-push';
import { startPushService, type PushService } from '../../tools/push-service/index.ts';
import { waitFor } from './engine-harness.ts';
import { listen, type Listener } from './push-agent-process.ts';
import { runCli, type CliResult } from './cli.ts';
import { workboxShellPage, workboxShellWorker } from './workbox-shell-site.ts';

/** The application server's keys: the sites subscribe with its public key, the tests send with it. */
export const vapid = webpush.generateVAPIDKeys();

const SW = `
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));
self.addEventListener('push', (e) => {
  const text = e.data ? e.data.text() : '';
  e.waitUntil(self.registration.showNotification('worker: ' + text, { body: self.registration.scope }));
});
// A message from its page: a notification outside any push event (the origin's permission allows it).
self.addEventListener('message', (e) => {
  e.waitUntil(self.registration.showNotification('message: ' + e.data).then(() => 'shown', (err) => err.name).then((r) => e.source.postMessage(r)));
});
`;

/**
 * The sites' page script: subscribes at load (`?close` then closes its own window); with `?message` it then posts
 * "hello" to its worker and waits for its answer; with `?unregister` it unregisters its origin's service worker
 * instead (which ends its push subscription) and closes.
 */
const PAGE_SCRIPT = `
(async () => {
  if (location.search.includes('unregister')) {
    const reg = await navigator.serviceWorker.getRegistration('/');
    await fetch('/report?unregistered=' + (reg ? await reg.unregister() : 'none'));
    window.close();
    return;
  }
  const reg = await navigator.serviceWorker.register('/sw.js');
  await navigator.serviceWorker.ready;
  await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: ${JSON.stringify(vapid.publicKey)} });
  await fetch('/report?subscribed=' + location.host + location.pathname);
  if (location.search.includes('message')) {
    const answer = await new Promise((resolve) => {
      navigator.serviceWorker.onmessage = (e) => resolve(e.data);
      reg.active.postMessage('hello');
    });
    await fetch('/report?message=' + answer);
  }
  if (location.search.includes('close')) window.close();
})().catch((e) => fetch('/report?error=' + encodeURIComponent(e.message)));
`;
const APP = `<!doctype html><title>app</title><script>${PAGE_SCRIPT}</script>`;

/** Reports how many service workers its origin has registered, then closes. */
const CHECK = `<!doctype html><title>check</title><script>
navigator.serviceWorker.getRegistrations().then((r) => fetch('/report?registrations=' + r.length)).then(() => window.close());
</script>`;

/** What the sites' pages reported (`<host> <query>`), in order. */
export const reports: string[] = [];

function startSites(shellWorker: string): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    if (url.hostname.startsWith('shell')) {
      // The app shell: the network has only the shell and its worker; every other navigation is the worker's.
      if (url.pathname === '/sw.js')
        res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' }).end(shellWorker);
      else if (url.pathname === '/' || url.pathname === '/index.html')
        res.writeHead(200, { 'content-type': 'text/html' }).end(workboxShellPage(PAGE_SCRIPT));
      else if (url.pathname === '/report') {
        reports.push(`${url.hostname} ${decodeURIComponent(url.search.slice(1))}`);
        res.writeHead(204).end();
      } else res.writeHead(404, { 'content-type': 'text/plain' }).end('the network has no such page');
      return;
    }
    if (url.hostname.startsWith('apex.')) {
      res.writeHead(302, { location: `http://www.${url.host}${url.pathname}${url.search}` }).end();
      return;
    }
    if (url.pathname === '/sw.js')
      res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' }).end(SW);
    else if (url.pathname === '/report') {
      reports.push(`${url.hostname} ${decodeURIComponent(url.search.slice(1))}`);
      res.writeHead(204).end();
    } else if (url.pathname === '/check') res.writeHead(200, { 'content-type': 'text/html' }).end(CHECK);
    else res.writeHead(200, { 'content-type': 'text/html' }).end(APP);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

export interface SiteLine {
  id: string;
  endpoint: string;
  expirationTime: null;
  keys: { p256dh: string; auth: string };
  origin: string;
  scope: string;
}

export interface SiteCli {
  readonly service: PushService;
  /** The sites' port: `http://<name>.localhost:<port>`. */
  readonly port: number;
  /** A one-shot `push-agent <args>` on `dir` and the local push service. */
  cli(dir: string, args: string[], env?: NodeJS.ProcessEnv): Promise<CliResult>;
  /** `push-agent listen --json` on `dir`, once connected; stopped after the suite. */
  started(dir: string, env?: NodeJS.ProcessEnv): Promise<Listener>;
  /** Tracks a listener started otherwise, to stop it after the suite. */
  track(l: Listener): Listener;
  /** `site add <url> --headless --allow-notifications --close-after 60` on `dir` (the page closes itself first). */
  siteAdd(dir: string, url: string, env?: NodeJS.ProcessEnv): Promise<CliResult>;
}

/** The sites and the push service for the suite it is called in (its before/after hooks). */
export function siteCli(): SiteCli {
  let service: PushService;
  let sites: http.Server;
  let port: number;
  const listeners: Listener[] = [];
  before(async () => {
    service = await startPushService();
    sites = await startSites(await workboxShellWorker());
    port = (sites.address() as AddressInfo).port;
  });
  after(async () => {
    for (const l of listeners) await l.stop();
    await service.close();
    // Keep-alive connections from the browsers would hold the server (and this process) open.
    sites.closeAllConnections();
    sites.close();
  });
  const track = (l: Listener) => {
    listeners.push(l);
    return l;
  };
  const cli: SiteCli['cli'] = (dir, args, env = process.env) =>
    runCli([...args, '--data-dir', dir, '--service', service.wsUrl], { env, timeoutMs: 90_000 });
  return {
    get service() {
      return service;
    },
    get port() {
      return port;
    },
    cli,
    siteAdd: (dir, url, env) =>
      cli(dir, ['site', 'add', url, '--headless', '--allow-notifications', '--close-after', '60'], env),
    async started(dir, env) {
      const l = track(listen(dir, service.wsUrl, env ? { env } : {}));
      await waitFor(
        'listen connected',
        () => l.lines.some((x) => x.type === 'status' && x.state === 'connected'),
        20_000,
      );
      return l;
    },
    track,
  };
}

/** `site add`'s stdout, one subscription per line. */
export const parseSiteLines = (stdout: string): SiteLine[] =>
  stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as SiteLine);
