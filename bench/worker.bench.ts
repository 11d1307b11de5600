// The worker runtime in Chromium (issue 5): cold start, warm dispatch and the memory of an idle worker host.
// Measured at the WorkerHost port (PlaywrightWorkerHost, the test twin of Electron's worker host): from `dispatch`
// of a push with a payload to the worker's showNotification reaching the engine side. The engine's own share
// (decryption, journal) is measured by engine.bench.ts and is not repeated here.
import http from 'node:http';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Browser, CDPSession } from 'playwright-core';
import type { WorkerClient, WorkerDispatch } from '../src/engine/ports.ts';
import { PlaywrightWorkerHost, buildWorkerAssets, launchChromium } from '../tests/support/playwright-worker-host.ts';
import { percentile, summarize, type BenchContext, type Figure } from './lib.ts';

const SW = `self.addEventListener('push', (e) => e.waitUntil(self.registration.showNotification('bench', { body: e.data ? e.data.text() : '' })));`;

function startFixture(): Promise<http.Server> {
  const server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' }).end(SW));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** A WorkerClient that records when the notification arrived. */
function timingClient(onShown: () => void): WorkerClient {
  return {
    showNotification: async () => onShown(),
    getNotifications: () => [],
    openWindow: async () => false,
    getSubscription: () => null,
  };
}

function request(origin: string, i: number, script = '/sw.js'): WorkerDispatch {
  return {
    origin,
    scope: `${origin}/`,
    scriptURL: `${origin}${script}`,
    event: { type: 'push', data: new TextEncoder().encode(`message ${i}`) },
    deadlineMs: 10_000,
    keepAliveMs: 600_000,
  };
}

/** ms from dispatch to the notification; throws unless the worker showed it. */
async function timedPush(host: PlaywrightWorkerHost, origin: string, i: number, script?: string): Promise<number> {
  let shownAt = 0;
  const t0 = performance.now();
  const outcome = await host.dispatch(request(origin, i, script), timingClient(() => (shownAt = performance.now())));
  if (outcome.status !== 'ok' || outcome.shown !== 1) throw new Error(`push not shown: ${JSON.stringify(outcome)}`);
  return shownAt - t0;
}

async function rendererPids(cdp: CDPSession): Promise<Set<number>> {
  const info = (await cdp.send('SystemInfo.getProcessInfo')) as { processInfo: Array<{ type: string; id: number }> };
  return new Set(info.processInfo.filter((p) => p.type === 'renderer').map((p) => p.id));
}

/** KiB from /proc/<pid>/smaps_rollup (Pss: shared pages split between sharers) and status (VmRSS). */
function processMemory(pid: number): { rssKiB: number; pssKiB: number } {
  const field = (text: string, name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { rssKiB: field(fs.readFileSync(`/proc/${pid}/status`, 'utf8'), 'VmRSS'), pssKiB: field(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'), 'Pss') };
}

export default async function workerBench(ctx: BenchContext): Promise<Figure[]> {
  const coldCount = ctx.quick ? 4 : 10;
  const warmCount = ctx.quick ? 40 : 200;
  const idleOrigins = ctx.quick ? 2 : 4;
  const fixture = await startFixture();
  const upstream = `http://127.0.0.1:${(fixture.address() as AddressInfo).port}`;
  await buildWorkerAssets();
  // No spare renderer: every renderer process that appears belongs to a host page we opened.
  const browser: Browser = await launchChromium(['--disable-features=SpareRendererForSitePerProcess']);
  const cdp = await browser.newBrowserCDPSession();
  const first: number[] = [];
  const cold: number[] = [];
  const workerOnly: number[] = [];
  const warm50: number[] = [];
  const warm99: number[] = [];
  const rss: number[] = [];
  const pss: number[] = [];
  try {
    for (let run = 0; run < ctx.runs; run++) {
      const host = new PlaywrightWorkerHost({ browser, upstream: () => upstream });
      try {
        // First start of a script at a new origin: host page, worker, script fetch, install + activate, the push.
        const origin = `https://run${run}.bench.test`;
        first.push(await timedPush(host, origin, 0));
        // Cold start of an installed script: the origin was stopped (as after the idle stop).
        const colds: number[] = [];
        for (let i = 0; i < coldCount; i++) {
          await host.stop(origin);
          colds.push(await timedPush(host, origin, i));
        }
        cold.push(percentile(colds, 50));
        // The Web Worker alone, in a host page that stays open: a different script URL makes the page terminate the
        // running worker and start a new one (with install + activate, as the URL is new to it).
        const fresh: number[] = [];
        for (let i = 0; i < coldCount; i++) fresh.push(await timedPush(host, origin, i, `/sw.js?v=${run}-${i}`));
        workerOnly.push(percentile(fresh, 50));
        // Warm: the worker is running.
        const warms: number[] = [];
        for (let i = 0; i < warmCount; i++) warms.push(await timedPush(host, origin, i));
        warm50.push(percentile(warms, 50));
        warm99.push(percentile(warms, 99));
        await host.stop(origin);
        await timedPush(host, origin, 0); // back to /sw.js before the next phase
        await host.stop(origin);
        // Idle hosts: each new origin's renderer process (its host page and its worker thread), after one event.
        const before = await rendererPids(cdp);
        const pssBefore = [...before].reduce((sum, pid) => sum + processMemory(pid).pssKiB, 0);
        for (let i = 0; i < idleOrigins; i++) await timedPush(host, `https://idle${run}-${i}.bench.test`, 0);
        await new Promise((r) => setTimeout(r, 1000)); // let processes left by navigations exit before reading
        const after = await rendererPids(cdp);
        const mem = [...after].map((pid) => ({ pid, ...processMemory(pid) }));
        const added = mem.filter((m) => !before.has(m.pid)).sort((a, b) => b.rssKiB - a.rssKiB);
        if (added.length !== idleOrigins) ctx.log(`expected ${idleOrigins} new renderer processes, saw ${added.length} (RSS MiB: ${added.map((m) => (m.rssKiB / 1024).toFixed(1)).join(', ')})`);
        // RSS: median over the new renderer processes. PSS: every renderer's growth, shared per origin.
        rss.push(percentile(added.map((m) => m.rssKiB / 1024), 50));
        pss.push((mem.reduce((sum, m) => sum + m.pssKiB, 0) - pssBefore) / idleOrigins / 1024);
        ctx.log(`run ${run}: first ${first.at(-1)!.toFixed(1)} ms, cold p50 ${cold.at(-1)!.toFixed(1)} ms, worker-only ${workerOnly.at(-1)!.toFixed(1)} ms, warm p50/p99 ${warm50.at(-1)!.toFixed(2)}/${warm99.at(-1)!.toFixed(2)} ms, idle RSS ${rss.at(-1)!.toFixed(1)} MiB`);
      } finally {
        await host.close();
      }
    }
  } finally {
    await cdp.detach().catch(() => undefined);
    await browser.close();
    fixture.close();
  }
  const c = summarize(cold);
  const w99 = summarize(warm99);
  return [
    {
      id: 'worker.cold-start.p50',
      title: `Worker cold start: push dispatched to a stopped origin -> its worker's notification (installed script; median of ${coldCount} per run)`,
      unit: 'ms',
      ...c,
      target: { text: 'cold <= 300 ms', met: c.median <= 300 },
      notes: 'Measured at the WorkerHost port on Chromium through Playwright: new host page, size check + fetch of the script, new Web Worker, the event.',
    },
    {
      id: 'worker.cold-start.worker-only.p50',
      title: `Cold start of the Web Worker alone in an open host page (new worker, script fetch, install + activate, the push; median of ${coldCount} per run)`,
      unit: 'ms',
      ...summarize(workerOnly),
      notes: 'What a cold start would cost if the idle stop terminated only the Web Worker and kept the host page (not done today).',
    },
    {
      id: 'worker.first-start',
      title: 'Worker first start in a new host: browser context, host page, install + activate, then the push',
      unit: 'ms',
      ...summarize(first),
    },
    {
      id: 'worker.warm.p50',
      title: `Warm dispatch p50: push to a running worker -> notification (${warmCount} sequential pushes)`,
      unit: 'ms',
      ...summarize(warm50),
    },
    {
      id: 'worker.warm.p99',
      title: `Warm dispatch p99 (${warmCount} sequential pushes)`,
      unit: 'ms',
      ...w99,
      target: { text: 'warm p99 <= 20 ms', met: w99.median <= 20 },
    },
    {
      id: 'worker.idle-host.rss',
      title: 'Memory of an idle worker host: RSS of its Chromium renderer process (host page + worker thread), after one event',
      unit: 'MiB',
      ...summarize(rss),
      notes: 'VmRSS from /proc of the renderer processes that appeared for the idle origins (CDP SystemInfo.getProcessInfo); RSS counts shared pages fully.',
    },
    {
      id: 'worker.idle-host.pss',
      title: 'Memory of an idle worker host: growth of all renderer processes\' PSS per idle origin (shared pages divided among sharers)',
      unit: 'MiB',
      ...summarize(pss),
      notes: 'Sum of /proc/<pid>/smaps_rollup Pss over renderer processes, after minus before opening the idle origins, divided by their number.',
    },
  ];
}
