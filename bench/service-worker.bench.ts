// The real-worker path beside Firefox ESR in the same run (issue 13): a push sent with web-push (VAPID) through the
// local push service to our engine wired as `push-agent listen` wires it (the engine with AgentBrowser, the agent's
// Chromium on its own profile under the data dir, src/cli/agent-browser.ts), whose site's own service worker handles
// `push` with `showNotification`; the clock stops when that notification reaches the notifier. Firefox ESR is
// subscribed to the same service and sent to by the same sender; warm rows interleave within each run.
//
// - warm: the worker running (keep-alive 30 s); p50 and p99 of sequential messages. Firefox stops its clock at its
//   worker's `push` event and draws no notification (tests/firefox/firefox-peer.ts), so it is measured on less work.
// - cold, browser running: the host stopped the worker (AgentBrowser.stop), then the push: the worker starts, is
//   held at its first statement while the service-worker script is evaluated, and handles the push.
// - cold, browser stopped: a new engine and AgentBrowser on the same data dir (the browser is not running, as after
//   listen's idle stop), connected; the push launches Chromium on the profile, which starts the worker.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PushEngine } from '../src/engine/engine.ts';
import { silentLogger, streamLogger } from '../src/engine/log.ts';
import type { Notifier } from '../src/engine/ports.ts';
import type { NotificationModel } from '../src/engine/notification.ts';
import { openJsonFileStore } from '../src/cli/json-file-store.ts';
import { openKeyFileSecretBox } from '../src/cli/key-file-secret-box.ts';
import { AgentBrowser } from '../src/cli/agent-browser.ts';
import { startPushService } from '../tools/push-service/index.ts';
import { sendWebPush, type VapidKeys } from '../tests/support/raw-push-client.ts';
import { findFirefox, measurePushLatency, startFirefoxPeer } from '../tests/firefox/firefox-peer.ts';
import { percentile, summarize, type BenchContext, type Figure } from './lib.ts';

const SW = `self.addEventListener('push', (e) => e.waitUntil(self.registration.showNotification('bench', { body: e.data ? e.data.text() : '' })));`;

/** The site's page: registers its worker, subscribes with the sender's VAPID key, closes its window. */
const PAGE = (key: string) => `<!doctype html><title>bench</title><script>
navigator.serviceWorker.register('/sw.js').then(() => navigator.serviceWorker.ready)
  .then((reg) => reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: ${JSON.stringify(key)} }))
  .finally(() => window.close());
</script>`;

const now = (): number => performance.timeOrigin + performance.now();

/** Hands each shown notification's arrival time to whoever waits for its body. */
class TimingNotifier implements Notifier {
  #waiters = new Map<string, (at: number) => void>();
  show(n: NotificationModel): void {
    const at = now();
    const w = this.#waiters.get(n.body ?? '');
    this.#waiters.delete(n.body ?? '');
    w?.(at);
  }
  close(): void {}
  next(body: string, timeoutMs = 30_000): Promise<number> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.#waiters.delete(body);
        reject(new Error(`no notification within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters.set(body, (at) => {
        clearTimeout(t);
        resolve(at);
      });
    });
  }
}

interface Agent {
  engine: PushEngine;
  browser: AgentBrowser;
  notifier: TimingNotifier;
  stop(): Promise<void>;
}

/** The engine as `push-agent listen` builds it (src/cli/push-agent.ts), with a timing notifier. */
async function startAgent(serviceUrl: string, dataDir: string): Promise<Agent> {
  const notifier = new TimingNotifier();
  const store = openJsonFileStore(dataDir);
  const browser = new AgentBrowser({
    dataDir,
    browser: null,
    logger:
      process.env.PUSH_AGENT_DEBUG_HOST === '1' ? streamLogger((l) => process.stderr.write(l), 'debug') : silentLogger,
    available: () => engine.workerHostAvailable(),
  });
  const engine: PushEngine = new PushEngine({
    serviceUrl,
    dataDir,
    store,
    secrets: openKeyFileSecretBox(dataDir, store),
    notifier,
    logger: silentLogger,
    workerHost: browser,
    // Warm rows need the worker kept between messages while Firefox's row runs.
    worker: { keepAliveMs: 30_000 },
  });
  browser.attach(engine, store);
  await engine.start();
  await engine.whenConnected(10_000);
  return { engine, browser, notifier, stop: () => engine.stop() };
}

/** The same engine with no worker host, on its own data dir: the floor under the worker rows (same sender, service). */
async function startPlainAgent(
  serviceUrl: string,
  dataDir: string,
): Promise<Pick<Agent, 'engine' | 'notifier' | 'stop'>> {
  const notifier = new TimingNotifier();
  const store = openJsonFileStore(dataDir);
  const engine = new PushEngine({
    serviceUrl,
    dataDir,
    store,
    secrets: openKeyFileSecretBox(dataDir, store),
    notifier,
    logger: silentLogger,
  });
  await engine.start();
  await engine.whenConnected(10_000);
  return { engine, notifier, stop: () => engine.stop() };
}

/** ms from the send's start to the (worker's) notification; one message. */
async function timedPush(
  agent: Pick<Agent, 'engine' | 'notifier'>,
  endpoint: string,
  keys: { p256dh: string; auth: string },
  vapid: VapidKeys,
  label: string,
): Promise<number> {
  const text = `${label} ${Math.random()}`;
  const shown = agent.notifier.next(text);
  const sentAt = now();
  const res = await sendWebPush(
    endpoint,
    { p256dh: keys.p256dh, authB64: keys.auth, auth: Buffer.from(keys.auth, 'base64url'), ecdh: undefined as never },
    text,
    {
      TTL: 60,
      vapidDetails: vapid,
      contentEncoding: 'aes128gcm',
    },
  );
  if (res.statusCode !== 201) throw new Error(`send failed: ${res.statusCode}`);
  try {
    return (await shown) - sentAt;
  } catch (err) {
    // What became of it, in the agent's own words (the history entry holds no payload text).
    const last = agent.engine.history.list().at(0);
    throw new Error(
      `${(err as Error).message} (${label}; last fate: ${last ? `${last.fate} ${last.detail ?? ''}` : 'none'})`,
    );
  }
}

export default async function serviceWorkerBench(ctx: BenchContext): Promise<Figure[]> {
  if (!findFirefox()) throw new Error('firefox-esr is not installed: the comparison cannot run here');
  const count = ctx.quick ? 30 : 100;
  const warmup = 10;
  const coldCount = ctx.quick ? 3 : 8;
  const browserCount = ctx.quick ? 2 : 4;
  const cleanups: Array<() => Promise<unknown>> = [];
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'push-agent-bench-sw-'));
  cleanups.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
  try {
    const service = await startPushService({ maxMessagesPerSession: 1_000_000 });
    cleanups.push(() => service.close());
    const peer = await startFirefoxPeer(service.wsUrl);
    cleanups.push(() => peer.close());

    const site = http.createServer((req, res) => {
      if (req.url === '/sw.js')
        res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' }).end(SW);
      else res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE(peer.vapid.publicKey));
    });
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
    cleanups.push(async () => {
      site.closeAllConnections();
      await new Promise((r) => site.close(r));
    });
    const origin = `http://bench.localhost:${(site.address() as AddressInfo).port}`;

    let agent = await startAgent(service.wsUrl, dataDir);
    let live: Agent | null = agent;
    cleanups.push(() => live?.stop() ?? Promise.resolve());
    // `push-agent site add` as the product does it: the site's page in the agent's browser subscribes itself.
    await agent.browser.openSite(`${origin}/`, {
      headless: true,
      allowNotifications: true,
      prompt: null,
      closeAfterMs: 30_000,
    });
    const sub = agent.engine.list().find((s) => s.origin === origin);
    if (!sub) throw new Error('the site did not subscribe');

    const plainDir = fs.mkdtempSync(path.join(os.tmpdir(), 'push-agent-bench-plain-'));
    cleanups.push(async () => fs.rmSync(plainDir, { recursive: true, force: true }));
    const plain = await startPlainAgent(service.wsUrl, plainDir);
    cleanups.push(() => plain.stop());
    const plainSub = await plain.engine.subscribe({
      kind: 'endpoint',
      label: 'bench',
      applicationServerKey: peer.vapid.publicKey,
    });

    const ours = async (
      n: number,
      label: string,
      a: Pick<Agent, 'engine' | 'notifier'> = agent,
      to: { endpoint: string; keys: { p256dh: string; auth: string } } = sub,
    ) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) out.push(await timedPush(a, to.endpoint, to.keys, peer.vapid, `${label} ${i}`));
      await a.engine.idle();
      return out;
    };
    await ours(warmup, 'warm-up');
    await ours(warmup, 'warm-up', plain, plainSub);
    await measurePushLatency(peer, warmup, { contentEncoding: 'aes128gcm' });

    const warm = {
      ours50: [] as number[],
      ours99: [] as number[],
      ff50: [] as number[],
      ff99: [] as number[],
      plain50: [] as number[],
    };
    const coldRunning: number[] = [];
    for (let run = 0; run < ctx.runs; run++) {
      const ff = await measurePushLatency(peer, count, { contentEncoding: 'aes128gcm' });
      const us = await ours(count, `warm ${run}`);
      warm.plain50.push(percentile(await ours(count, `plain ${run}`, plain, plainSub), 50));
      warm.ff50.push(percentile(ff, 50));
      warm.ff99.push(percentile(ff, 99));
      warm.ours50.push(percentile(us, 50));
      warm.ours99.push(percentile(us, 99));
      const colds: number[] = [];
      for (let i = 0; i < coldCount; i++) {
        // The last event finished first (its notification is shown before the worker's answer arrives).
        await agent.engine.idle();
        await agent.browser.stop(origin);
        colds.push(await timedPush(agent, sub.endpoint, sub.keys, peer.vapid, `cold ${run} ${i}`));
      }
      coldRunning.push(percentile(colds, 50));
      ctx.log(
        `run ${run}: warm p50 ours ${warm.ours50.at(-1)!.toFixed(2)} ms (no worker ${warm.plain50.at(-1)!.toFixed(2)}) / Firefox ${warm.ff50.at(-1)!.toFixed(2)} ms, p99 ours ${warm.ours99.at(-1)!.toFixed(2)} / Firefox ${warm.ff99.at(-1)!.toFixed(2)} ms; cold (browser running) p50 ${coldRunning.at(-1)!.toFixed(1)} ms [${colds.map((c) => c.toFixed(0)).join(', ')}]`,
      );
    }
    await agent.stop();
    live = null;

    const coldBrowser: number[] = [];
    for (let run = 0; run < ctx.runs; run++) {
      const samples: number[] = [];
      for (let i = 0; i < browserCount; i++) {
        agent = await startAgent(service.wsUrl, dataDir);
        live = agent;
        try {
          samples.push(await timedPush(agent, sub.endpoint, sub.keys, peer.vapid, `browser ${run} ${i}`));
        } finally {
          await agent.stop();
          live = null;
        }
      }
      coldBrowser.push(percentile(samples, 50));
      ctx.log(
        `run ${run}: cold (browser stopped) p50 ${coldBrowser.at(-1)!.toFixed(0)} ms [${samples.map((c) => c.toFixed(0)).join(', ')}]`,
      );
    }

    const ff50 = summarize(warm.ff50);
    const ff99 = summarize(warm.ff99);
    const o50 = summarize(warm.ours50);
    const o99 = summarize(warm.ours99);
    const c = summarize(coldRunning);
    const ffNote =
      "Firefox stops its clock at its worker's push event and draws no notification (tests/firefox/firefox-peer.ts): it is measured on less work.";
    return [
      {
        id: 'service-worker.firefox.warm.p50',
        title: `Firefox ESR: send start -> service worker push event, p50 (${count} sequential aes128gcm messages, web-push with VAPID)`,
        unit: 'ms',
        ...ff50,
        notes: `${count} messages per row per run after ${warmup} warm-up messages, rows interleaved in each run. ${ffNote}`,
      },
      {
        id: 'service-worker.firefox.warm.p99',
        title: `Firefox ESR: send start -> service worker push event, p99 (${count} sequential aes128gcm messages)`,
        unit: 'ms',
        ...ff99,
      },
      {
        id: 'service-worker.agent.warm.p50',
        title: `Push Agent, the site's own worker on the agent's Chromium: send start -> its showNotification reaching the notifier, p50 (${count} sequential aes128gcm messages, worker running)`,
        unit: 'ms',
        ...o50,
        bound: { label: 'Firefox ESR p50, same run, same service and sender', ...ff50 },
        ratio: ff50.median / o50.median,
        target: { text: 'p50 <= 0.5x Firefox ESR p50', met: o50.median <= 0.5 * ff50.median },
      },
      {
        id: 'service-worker.agent.warm.p99',
        title: `Push Agent, the site's own worker on the agent's Chromium: send start -> its notification, p99 (${count} sequential aes128gcm messages, worker running)`,
        unit: 'ms',
        ...o99,
        bound: { label: 'Firefox ESR p99, same run, same service and sender', ...ff99 },
        ratio: ff99.median / o99.median,
        target: { text: 'p99 <= Firefox ESR p99', met: o99.median <= ff99.median },
      },
      {
        id: 'service-worker.agent-no-worker.warm.p50',
        title: `Push Agent with no worker (an endpoint subscription, same sender and service): send start -> notification emitted, p50 (${count} sequential aes128gcm messages)`,
        unit: 'ms',
        ...summarize(warm.plain50),
        notes:
          "The floor under the worker rows: the sender's encryption and VAPID signature, the local service, the engine's decryption, journal fsync and ack. The worker row minus this is what the worker path adds.",
      },
      {
        id: 'service-worker.agent.cold-worker.p50',
        title: `Push Agent, cold with the browser running and the worker stopped by the host: send start -> the worker's notification (median of ${coldCount} per run)`,
        unit: 'ms',
        ...c,
        target: { text: 'cold <= 300 ms', met: c.median <= 300 },
        notes:
          'ServiceWorker.startWorker, a new worker target held by the auto-attach at its first statement while the service-worker script is evaluated, resumed, the push event.',
      },
      {
        id: 'service-worker.agent.cold-browser.p50',
        title: `Push Agent, cold with the browser stopped: send start -> the worker's notification, Chromium launched on the agent's profile by the push (median of ${browserCount} per run)`,
        unit: 'ms',
        ...summarize(coldBrowser),
        notes:
          'Reported, no target. A new engine and AgentBrowser on the same data dir, connected before the send; the push launches Chromium, which starts the worker.',
      },
    ];
  } finally {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch {
        // best effort: one failed teardown must not hide the figures or the others
      }
    }
  }
}
