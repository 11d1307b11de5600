// Debian's firefox-esr as a real push client of a push service (docs/firefox-test-client.md):
// headless, throwaway profile and HOME, kept off the network, pointed at the service by prefs. A page served here
// registers a service worker and subscribes with a VAPID key; the worker reports every push event back over
// fetch. Used by the Firefox test and reusable by benchmarks (measurePushLatency).
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  sendWebPush,
  vapidKeys,
  type ReceiverKeys,
  type SendOptions,
  type VapidKeys,
} from '../support/raw-push-client.ts';

export interface PushReport {
  /** event.data.text(), or null for a push without data. */
  text: string | null;
  /** performance.timeOrigin + performance.now() in the worker at the push event (epoch ms, sub-ms precision). */
  swTime: number;
  /** Epoch ms when the report reached the test server. */
  reportedAt: number;
}

export interface FirefoxPeer {
  pid: number;
  /** The subscription as the page's PushSubscription.toJSON() gave it. */
  subscription: { endpoint: string; keys: { p256dh: string; auth: string } };
  /** PushManager.supportedContentEncodings as Firefox reports them. */
  encodings: string[];
  vapid: VapidKeys;
  /** The next push the service worker saw. */
  nextPush(timeoutMs?: number): Promise<PushReport>;
  /** Sends with web-push through the service to this Firefox (VAPID included). */
  send(payload: string | null, options?: SendOptions): Promise<{ statusCode: number; sentAt: number }>;
  /** Lines the page logged (errors while subscribing etc.). */
  log: string[];
  close(): Promise<void>;
}

export interface StartOptions {
  /** Whole start-up budget: launch, service worker, subscribe. Default 90 s. */
  timeoutMs?: number;
  /** `dom.push.loglevel` Debug and Firefox's stderr forwarded (slows Firefox: never while timing). */
  debug?: boolean;
}

/** Path of the Firefox ESR binary, or undefined when it is not installed. */
export function findFirefox(): string | undefined {
  for (const name of ['firefox-esr', 'firefox']) {
    try {
      return execFileSync('which', [name], { encoding: 'utf8' }).trim() || undefined;
    } catch {
      // not on PATH
    }
  }
  return undefined;
}

export async function startFirefoxPeer(serviceWsUrl: string, opts: StartOptions = {}): Promise<FirefoxPeer> {
  const binary = findFirefox();
  if (!binary) throw new Error('firefox-esr is not installed');
  const timeoutMs = opts.timeoutMs ?? 90_000;
  const vapid = vapidKeys();
  const root = mkdtempSync(path.join(tmpdir(), 'firefox-peer-'));
  const cleanups: Array<() => Promise<void> | void> = [() => rmSync(root, { recursive: true, force: true })];
  const cleanup = async (): Promise<void> => {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch {
        // best effort
      }
    }
  };

  try {
    // A proxy that refuses everything: whatever Firefox tries to reach off the machine stays here.
    const refuser = net.createServer((s) => s.destroy());
    await new Promise<void>((r) => refuser.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => refuser.close(() => r())));
    const proxyPort = (refuser.address() as net.AddressInfo).port;

    const page = await startPageServer(vapid.publicKey);
    cleanups.push(() => page.close());

    const profile = path.join(root, 'profile');
    const home = path.join(root, 'home');
    const tmp = path.join(root, 'tmp');
    for (const d of [profile, home, tmp]) mkdirSync(d, { recursive: true });
    writeFileSync(path.join(profile, 'user.js'), userJs(serviceWsUrl, proxyPort, opts.debug ?? false));

    const child = spawn(binary, ['--headless', '--no-remote', '--new-instance', '--profile', profile, page.url], {
      detached: true, // its own process group: stopped by PID with all its children, never by name
      stdio: ['ignore', 'ignore', opts.debug ? 'inherit' : 'ignore'],
      env: { ...process.env, HOME: home, TMPDIR: tmp, MOZ_HEADLESS: '1', MOZ_CRASHREPORTER_DISABLE: '1' },
    });
    cleanups.push(() => killGroup(child));
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code, sig) => reject(new Error(`firefox exited early (${code ?? sig})`))),
    );
    exited.catch(() => {});

    const deadline = new Promise<never>((_, reject) => {
      const t = setTimeout(
        () => reject(new Error(`firefox did not subscribe within ${timeoutMs} ms; page log: ${page.log.join(' | ')}`)),
        timeoutMs,
      );
      t.unref();
    });
    const sub = await Promise.race([page.subscription, exited, deadline]);

    return {
      pid: child.pid!,
      subscription: sub.subscription,
      encodings: sub.encodings,
      vapid,
      log: page.log,
      nextPush: (t = 10_000) => page.nextPush(t),
      async send(payload, options = {}) {
        const keys = receiverKeysOf(sub.subscription);
        const sentAt = performance.timeOrigin + performance.now();
        const res = await sendWebPush(sub.subscription.endpoint, keys, payload, {
          TTL: 60,
          vapidDetails: vapid,
          ...options,
        });
        return { statusCode: res.statusCode, sentAt };
      },
      close: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** Send -> service-worker push event latencies (ms), one message at a time. */
export async function measurePushLatency(
  peer: FirefoxPeer,
  count: number,
  options: SendOptions = {},
): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const text = `latency ${i} ${Math.random()}`;
    const { statusCode, sentAt } = await peer.send(text, options);
    if (statusCode !== 201) throw new Error(`send failed: ${statusCode}`);
    let report = await peer.nextPush();
    while (report.text !== text) report = await peer.nextPush();
    out.push(report.swTime - sentAt);
  }
  return out;
}

function receiverKeysOf(sub: { keys: { p256dh: string; auth: string } }): ReceiverKeys {
  // web-push only needs the public halves; the private key stays in Firefox.
  return {
    p256dh: sub.keys.p256dh,
    authB64: sub.keys.auth,
    auth: Buffer.from(sub.keys.auth, 'base64url'),
    ecdh: undefined as never,
  };
}

async function killGroup(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      // group already gone
    }
  };
  if (child.exitCode === null && child.signalCode === null) {
    const gone = new Promise<void>((r) => child.once('exit', () => r()));
    signal('SIGTERM');
    await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
  }
  signal('SIGKILL'); // content processes that outlived the parent
}

interface PageServer {
  url: string;
  log: string[];
  subscription: Promise<{ subscription: FirefoxPeer['subscription']; encodings: string[] }>;
  nextPush(timeoutMs: number): Promise<PushReport>;
  close(): Promise<void>;
}

async function startPageServer(applicationServerKey: string): Promise<PageServer> {
  const log: string[] = [];
  const pushes: PushReport[] = [];
  const waiters: Array<(r: PushReport) => void> = [];
  let resolveSub!: (s: Awaited<PageServer['subscription']>) => void;
  const subscription = new Promise<Awaited<PageServer['subscription']>>((r) => (resolveSub = r));

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = req.url ?? '/';
      if (url === '/') {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(PAGE(applicationServerKey));
      } else if (url === '/sw.js') {
        res.writeHead(200, { 'Content-Type': 'text/javascript', 'Cache-Control': 'no-store' }).end(SERVICE_WORKER);
      } else if (url === '/subscription' && req.method === 'POST') {
        resolveSub(JSON.parse(body) as Awaited<PageServer['subscription']>);
        res.writeHead(204).end();
      } else if (url === '/push' && req.method === 'POST') {
        const r = { ...(JSON.parse(body) as Omit<PushReport, 'reportedAt'>), reportedAt: Date.now() };
        const w = waiters.shift();
        if (w) w(r);
        else pushes.push(r);
        res.writeHead(204).end();
      } else if (url === '/log' && req.method === 'POST') {
        log.push(body.slice(0, 500));
        res.writeHead(204).end();
      } else {
        res.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    log,
    subscription,
    nextPush(timeoutMs) {
      const queued = pushes.shift();
      if (queued) return Promise.resolve(queued);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => {
          waiters.splice(waiters.indexOf(done), 1);
          reject(new Error(`no push event within ${timeoutMs} ms`));
        }, timeoutMs);
        const done = (r: PushReport) => {
          clearTimeout(t);
          resolve(r);
        };
        waiters.push(done);
      });
    },
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

const PAGE = (key: string) => `<!doctype html>
<meta charset="utf-8"><title>push peer</title>
<script>
const post = (path, data) => fetch(path, { method: 'POST', body: typeof data === 'string' ? data : JSON.stringify(data) }).catch(() => {});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function main() {
  const reg = await navigator.serviceWorker.register('/sw.js');
  await navigator.serviceWorker.ready;
  // Firefox starts its push service a little after launch; a subscribe() made before that never settles.
  for (let attempt = 1; ; attempt++) {
    const settled = reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: '${key}' })
      .then((s) => ({ s }), (e) => ({ e: String(e) }));
    const r = await Promise.race([settled, sleep(2000).then(() => null)]);
    if (r && r.s) {
      await post('/subscription', { subscription: r.s.toJSON(), encodings: PushManager.supportedContentEncodings });
      return;
    }
    if (r && r.e) { post('/log', 'subscribe attempt ' + attempt + ': ' + r.e); await sleep(2000); }
  }
}
main().catch((e) => post('/log', 'page: ' + e));
</script>`;

const SERVICE_WORKER = `
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));
self.addEventListener('push', (e) => {
  const swTime = performance.timeOrigin + performance.now();
  const text = e.data ? e.data.text() : null;
  e.waitUntil(fetch('/push', { method: 'POST', body: JSON.stringify({ text, swTime }) }));
});
`;

function userJs(serviceWsUrl: string, proxyPort: number, debug: boolean): string {
  const prefs: Record<string, string | number | boolean> = {
    'dom.push.enabled': true,
    'dom.push.connection.enabled': true,
    'dom.push.serverURL': serviceWsUrl,
    'dom.push.testing.allowInsecureServerURL': true,
    'dom.push.testing.ignorePermission': true,
    'dom.push.maxQuotaPerSubscription': 100000,
    // Reconnect quickly after the service drops the connection (default backoff starts at 60 s).
    'dom.push.retryBaseInterval': 500,
    'dom.push.loglevel': debug ? 'Debug' : 'Error',
    'dom.serviceWorkers.enabled': true,
    'dom.serviceWorkers.idle_timeout': 600000,
    'permissions.default.desktop-notification': 1,
    'alerts.useSystemBackend': false,
    'network.manage-offline-status': false,
    'dom.security.https_first': false,
    'privacy.reduceTimerPrecision': false,
    // Off the network: everything non-local goes to a proxy that refuses it.
    'network.proxy.type': 1,
    'network.proxy.http': '127.0.0.1',
    'network.proxy.http_port': proxyPort,
    'network.proxy.ssl': '127.0.0.1',
    'network.proxy.ssl_port': proxyPort,
    'network.proxy.no_proxies_on': '127.0.0.1,localhost',
    'network.captive-portal-service.enabled': false,
    'network.connectivity-service.enabled': false,
    'network.dns.disablePrefetch': true,
    'network.prefetch-next': false,
    'network.http.speculative-parallel-limit': 0,
    'browser.safebrowsing.malware.enabled': false,
    'browser.safebrowsing.phishing.enabled': false,
    'browser.safebrowsing.downloads.enabled': false,
    'browser.safebrowsing.update.enabled': false,
    'toolkit.telemetry.enabled': false,
    'toolkit.telemetry.unified': false,
    'toolkit.telemetry.reportingpolicy.firstRun': false,
    'datareporting.policy.dataSubmissionEnabled': false,
    'datareporting.healthreport.uploadEnabled': false,
    'app.update.enabled': false,
    'app.update.auto': false,
    'app.normandy.enabled': false,
    'app.shield.optoutstudies.enabled': false,
    'extensions.update.enabled': false,
    'extensions.getAddons.cache.enabled': false,
    'browser.shell.checkDefaultBrowser': false,
    'browser.startup.homepage_override.mstone': 'ignore',
    'browser.aboutwelcome.enabled': false,
    'browser.newtabpage.enabled': false,
    'browser.topsites.contile.enabled': false,
    'browser.newtabpage.activity-stream.feeds.topsites': false,
    'browser.ping-centre.telemetry': false,
    'services.settings.server': `http://127.0.0.1:${proxyPort}/v1`,
    'media.gmp-manager.url': '',
    'browser.region.network.url': '',
    'geo.provider.network.url': '',
  };
  return (
    Object.entries(prefs)
      .map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});`)
      .join('\n') + '\n'
  );
}
