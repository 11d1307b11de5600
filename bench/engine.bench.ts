// The push engine end to end, on loopback: added latency per message, backlog drain rate, and idle cost.
// Every sender-side cost (encryption, VAPID) is paid before timing starts: requests are built by web-push first.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import webpush from 'web-push';
import { decryptPush } from '../src/engine/crypto/index.ts';
import { startPushService, type PushService } from '../tools/push-service/index.ts';
import { startEngine, tempDir, waitFor } from '../tests/support/engine-harness.ts';
import type { SubscriptionInfo } from '../src/engine/subscription-record.ts';
import { percentile, summarize, type BenchContext, type Figure } from './lib.ts';

interface Prepared {
  endpoint: string;
  headers: Record<string, string>;
  body: Uint8Array<ArrayBuffer>;
}

function prepare(sub: SubscriptionInfo, payload: string, encoding: 'aes128gcm' | 'aesgcm' = 'aes128gcm'): Prepared {
  const d = webpush.generateRequestDetails({ endpoint: sub.endpoint, keys: sub.keys }, payload, { TTL: 600, contentEncoding: encoding });
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(d.headers)) headers[k] = String(v);
  return { endpoint: d.endpoint, headers, body: new Uint8Array(d.body as Buffer) };
}

async function post(p: Prepared): Promise<void> {
  const res = await fetch(p.endpoint, { method: 'POST', headers: p.headers, body: p.body });
  await res.arrayBuffer();
  if (res.status !== 201) throw new Error(`push service answered ${res.status}`);
}

/** 1,000 sequential messages: POST -> service forwards -> engine emits the notification. */
async function latency(ctx: BenchContext): Promise<Figure[]> {
  const count = ctx.quick ? 200 : 1000;
  const p50: number[] = [];
  const p99: number[] = [];
  const svc50: number[] = [];
  const svc99: number[] = [];
  for (let run = 0; run < ctx.runs; run++) {
    const service = await startPushService();
    const h = await startEngine(service.wsUrl);
    const sub = await h.engine.subscribe({ kind: 'endpoint', label: 'bench' });
    const prepared = Array.from({ length: count }, (_, i) => prepare(sub, `latency ${i} ${'x'.repeat(200)}`));
    const sentAt = new Map<string, number>();
    const shownAt = new Map<number, number>();
    service.events.on('notification-sent', (e: { version: string; at: number }) => sentAt.set(e.version, e.at));
    let current = -1;
    h.engine.on('notification', () => shownAt.set(current, performance.now()));
    const serviceMs: number[] = [];
    const addedMs: number[] = [];
    for (let i = 0; i < count; i++) {
      current = i;
      sentAt.clear();
      const t0 = performance.now();
      const shown = new Promise<void>((resolve) => h.engine.once('notification', () => resolve()));
      await post(prepared[i]!);
      await shown;
      const forwarded = [...sentAt.values()][0] ?? t0;
      serviceMs.push(forwarded - t0);
      addedMs.push(shownAt.get(i)! - forwarded);
    }
    p50.push(percentile(addedMs, 50));
    p99.push(percentile(addedMs, 99));
    svc50.push(percentile(serviceMs, 50));
    svc99.push(percentile(serviceMs, 99));
    await h.stop();
    await service.close();
  }
  const a50 = summarize(p50);
  const a99 = summarize(p99);
  return [
    {
      id: 'engine.latency.added.p50',
      title: `Agent's added latency, p50 (service forwarded -> notification emitted; ${count} sequential aes128gcm messages, fsync on)`,
      unit: 'ms',
      ...a50,
      bound: { label: 'push service forwarding time p50 (POST -> frame written), same run', ...summarize(svc50) },
      target: { text: 'p50 <= 1 ms added', met: a50.median <= 1 },
    },
    {
      id: 'engine.latency.added.p99',
      title: `Agent's added latency, p99 (${count} sequential messages)`,
      unit: 'ms',
      ...a99,
      bound: { label: 'push service forwarding time p99, same run', ...summarize(svc99) },
      target: { text: 'p99 <= 5 ms added', met: a99.median <= 5 },
    },
  ];
}

/** A 5,000-message offline backlog drained through batch-of-10 gating, beside the single-core decryption rate. */
async function backlog(ctx: BenchContext): Promise<Figure[]> {
  const count = ctx.quick ? 500 : 5000;
  const rates: number[] = [];
  const decryptRates: number[] = [];
  for (let run = 0; run < ctx.runs; run++) {
    const service: PushService = await startPushService({ maxMessagesPerSession: count * 2, maxStoredPerChannel: count * 2 });
    let h = await startEngine(service.wsUrl);
    const sub = await h.engine.subscribe({ kind: 'endpoint', label: 'backlog' });
    const keys = h.engine.registry.keys(sub.id)!;
    await h.stop();
    const payload = 'b'.repeat(3 * 1024);
    const prepared = Array.from({ length: count }, () => prepare(sub, payload));
    for (let i = 0; i < count; i += 100) await Promise.all(prepared.slice(i, i + 100).map(post));
    // The bound: decrypting the same messages on one core, nothing else.
    const sample = prepared.slice(0, 500).map((p) => ({ data: Buffer.from(p.body), headers: { encoding: 'aes128gcm' } }));
    const t = performance.now();
    for (const m of sample) decryptPush(m, keys);
    decryptRates.push(sample.length / ((performance.now() - t) / 1000));
    const start = performance.now();
    h = await startEngine(service.wsUrl, {}, h.dataDir);
    await waitFor('backlog drained', () => h.notifier.shown.length >= count, 120_000, 5);
    await h.engine.idle();
    await waitFor('every message acked', () => service.stats().stored === 0, 10_000, 5);
    if (h.notifier.shown.length !== count) throw new Error(`backlog: ${h.notifier.shown.length} of ${count} shown`);
    rates.push(h.notifier.shown.length / ((performance.now() - start) / 1000));
    await h.stop();
    await service.close();
  }
  const r = summarize(rates);
  const b = summarize(decryptRates);
  return [
    {
      id: 'engine.backlog.drain',
      title: `Offline backlog of ${count} x 3 KiB aes128gcm drained (batch-of-10 gating, fsync per batch)`,
      unit: 'msg/s',
      ...r,
      bound: { label: 'single-core decryptPush rate on the same messages, same run', ...b },
      ratio: r.median / b.median,
      target: { text: '>= 0.5 of the single-core decryption bound, every message exactly once', met: r.median / b.median >= 0.5 },
    },
  ];
}

/** `push-agent listen` with 1,000 subscriptions on an idle connection: RSS and CPU over a window. */
async function idle(ctx: BenchContext): Promise<Figure[]> {
  const subs = 1000;
  const windowS = ctx.quick ? 10 : 60;
  const service = await startPushService({ maxChannelsPerUaid: subs * 2 });
  const dir = tempDir();
  const h = await startEngine(service.wsUrl, {}, dir);
  for (let i = 0; i < subs; i += 50) await Promise.all(Array.from({ length: 50 }, () => h.engine.subscribe({ kind: 'endpoint', label: 'idle' })));
  await h.stop();
  const rss: number[] = [];
  const cpu: number[] = [];
  const runs = Math.min(ctx.runs, ctx.quick ? 1 : 2); // a minute each
  for (let run = 0; run < runs; run++) {
    // The shipped bundle (npm run build), as users run it; the .ts source would add Node's type-stripping cost.
    const bundle = path.join(import.meta.dirname, '../dist/cli/push-agent.js');
    const cli = fs.existsSync(bundle) ? bundle : path.join(import.meta.dirname, '../src/cli/push-agent.ts');
    const proc = spawn(process.execPath, [cli, 'listen', '--json', '--data-dir', dir, '--service', service.wsUrl], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => proc.stdout.on('data', (c: Buffer) => c.toString().includes('"connected"') && resolve()));
    await new Promise((r) => setTimeout(r, 2000)); // start-up settles
    const before = procStat(proc.pid!);
    await new Promise((r) => setTimeout(r, windowS * 1000));
    const after = procStat(proc.pid!);
    rss.push(after.rssMiB);
    cpu.push(((after.cpuS - before.cpuS) / windowS) * 100);
    proc.kill('SIGTERM');
    await new Promise((r) => proc.on('exit', r));
  }
  await service.close();
  const r = summarize(rss);
  const c = summarize(cpu);
  return [
    { id: 'engine.idle.rss', title: `Idle push-agent listen with ${subs} subscriptions: RSS`, unit: 'MiB', ...r, target: { text: 'under 80 MiB', met: r.median < 80 } },
    { id: 'engine.idle.cpu', title: `Idle push-agent listen with ${subs} subscriptions: CPU over ${windowS} s`, unit: '% of a core', ...c, target: { text: 'under 0.1% of a core', met: c.median < 0.1 } },
  ];
}

function procStat(pid: number): { rssMiB: number; cpuS: number } {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = 100; // USER_HZ on Linux
  const cpuS = (Number(fields[11]) + Number(fields[12])) / ticks;
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { rssMiB: rssKiB / 1024, cpuS };
}

export default async function engineBench(ctx: BenchContext): Promise<Figure[]> {
  return [...(await latency(ctx)), ...(await backlog(ctx)), ...(await idle(ctx))];
}
