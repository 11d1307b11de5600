// The push engine end to end, on loopback: added latency per message, backlog drain rate, and idle cost.
// Every sender-side cost (encryption, VAPID) is paid before timing starts: requests are built by web-push first.
import { createECDH, randomBytes } from 'node:crypto';
import webpush from 'web-push';
import { decryptPush } from '../src/engine/crypto/index.ts';
import { startPushService } from '../tools/push-service/index.ts';
import { RawPushClient } from '../tests/support/raw-push-client.ts';
import { keysAtRest, startEngine, tempDir, waitFor } from '../tests/support/engine-harness.ts';
import type { SubscriptionInfo } from '../src/engine/subscription-record.ts';
import { percentile, summarize, type BenchContext, type Figure } from './lib.ts';
import { startServiceProcess, type ServiceProcess } from './service-process.ts';
import { startListen } from './cli-process.ts';
import { startWsFloor } from './idle-floor.ts';

interface Prepared {
  endpoint: string;
  headers: Record<string, string>;
  body: Uint8Array<ArrayBuffer>;
}

function prepare(sub: SubscriptionInfo, payload: string, encoding: 'aes128gcm' | 'aesgcm' = 'aes128gcm'): Prepared {
  const d = webpush.generateRequestDetails({ endpoint: sub.endpoint, keys: sub.keys }, payload, {
    TTL: 600,
    contentEncoding: encoding,
  });
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
      notes:
        'What dominates (step timestamps over 1,000 messages and a CPU profile, 2026-11-30, issue 19, load 0.4-1.2): ' +
        'before, 1.07 ms [1.03..1.12]: decryption 0.36 ms (ECDH about 60% of it), the journal fdatasync 0.26-0.29 ms ' +
        "(synchronous, before the ack and the show), the wait for the pipeline's flush 0.17 ms (this bench's own sender " +
        "handling the service's 201 on the agent's event loop), frame to pipeline 0.08, find and de-duplicate 0.03, " +
        'journal write 0.03, ack 0.04-0.05, steps 6-8 to the event 0.04. ' +
        'Since: a message on its own is shown while its fsync runs on the thread pool and acked 100 when the fsync ' +
        'completes (~0.3 ms after the event), and the hand-off to the pool (~0.05 ms of this thread) comes after the ' +
        'show: 0.67 ms [0.65..0.72] at load 1.2 (0.73 with the hand-off still before it). What remains: decryption ' +
        '(half the figure), the sender in this process ~0.14 (a real one is on another machine; a sender on its own ' +
        'thread measured 0.66 instead of 0.73 with a worse p99, so it stays), frame parsing and de-duplication ~0.05, the journal write ~0.04 (kept before the show: nothing is ' +
        'shown that is not journaled), steps 6-8 ~0.04. No logging or history write is on the path (history is saved ' +
        '1 s after a burst; the fate and done marker follow the event).',
    },
    {
      id: 'engine.latency.added.p99',
      title: `Agent's added latency, p99 (${count} sequential messages)`,
      unit: 'ms',
      ...a99,
      bound: { label: 'push service forwarding time p99, same run', ...summarize(svc99) },
      target: { text: 'p99 <= 5 ms added', met: a99.median <= 5 },
      notes:
        'Before (2026-11-30, load 0.4-0.5): 1.84 ms [1.54..2.36], the tail of the synchronous fdatasync included (its ' +
        'own p99 2.2 ms over the same 1,000 messages). Since the fsync runs beside the show (see p50): 1.27-1.39 ms ' +
        'at load 0.6-1.2, single runs up to 4.4 ms under load from other work on the machine.',
    },
  ];
}

/**
 * A 5,000-message offline backlog drained by the agent, beside its bound measured in the same run: the lower of
 * (a) single-core decryptPush on the same messages and (b) the service's own drain rate to a bare client that acks
 * each message the moment it arrives (no decryption, no disk). The service runs in its own process, as a real one
 * runs on another machine, so the agent does not share its event loop.
 */
async function backlog(ctx: BenchContext): Promise<Figure[]> {
  const count = ctx.quick ? 1000 : 5000;
  const rates: number[] = [];
  const decryptRates: number[] = [];
  const bareRates: number[] = [];
  const boundRates: number[] = [];
  const ratios: number[] = [];
  for (let run = 0; run < ctx.runs; run++) {
    const service = await startServiceProcess({
      maxMessagesPerSession: count * 2,
      maxStoredPerChannel: count * 2,
      maxStoredBytes: 512 * 2 ** 20,
    });
    try {
      let h = await startEngine(service.wsUrl);
      const sub = await h.engine.subscribe({ kind: 'endpoint', label: 'backlog' });
      const keys = (await keysAtRest(h.dataDir, sub.id))!;
      await h.stop();
      // Unique payloads, so that "every message exactly once" is checked message by message.
      const payload = (i: number) => `${String(i).padStart(6, '0')} ${'b'.repeat(3 * 1024 - 7)}`;
      const prepared = Array.from({ length: count }, (_, i) => prepare(sub, payload(i)));
      for (let i = 0; i < count; i += 100) await Promise.all(prepared.slice(i, i + 100).map(post));

      // (b) The service's own drain rate: the same number of same-sized messages to a bare client.
      bareRates.push(await bareDrain(service, count, payload(0)));
      // (a) Decrypting the same messages on one core, nothing else.
      const sample = prepared
        .slice(0, 500)
        .map((p) => ({ data: Buffer.from(p.body), headers: { encoding: 'aes128gcm' } }));
      const t = performance.now();
      for (const m of sample) decryptPush(m, keys);
      decryptRates.push(sample.length / ((performance.now() - t) / 1000));

      const start = performance.now();
      h = await startEngine(service.wsUrl, {}, h.dataDir);
      await waitFor('backlog drained', () => h.notifier.shown.length >= count, 120_000, 5);
      const elapsed = (performance.now() - start) / 1000;
      await h.engine.idle();
      await new Promise((r) => setTimeout(r, 300)); // a late duplicate, if any, shows up here
      const stats = await service.stats();
      if (stats.stored !== 0)
        throw new Error(`backlog: ${stats.stored} messages still stored at the service (not acked)`);
      const seen = new Set(h.notifier.shown.map((n) => (n.body ?? '').slice(0, 6)));
      if (h.notifier.shown.length !== count || seen.size !== count)
        throw new Error(`backlog: ${h.notifier.shown.length} shown, ${seen.size} distinct, of ${count}`);
      rates.push(count / elapsed);
      boundRates.push(Math.min(decryptRates.at(-1)!, bareRates.at(-1)!));
      ratios.push(rates.at(-1)! / boundRates.at(-1)!);
      ctx.log(
        `backlog run ${run + 1}: agent ${rates.at(-1)!.toFixed(0)} msg/s; decrypt ${decryptRates.at(-1)!.toFixed(0)}, bare client ${bareRates.at(-1)!.toFixed(0)} msg/s; ratio ${ratios.at(-1)!.toFixed(2)}`,
      );
      await h.stop();
    } finally {
      await service.stop();
    }
  }
  const r = summarize(rates);
  const b = summarize(boundRates);
  const f = (v: number[]) => summarize(v);
  const fmtRange = (v: number[]) => `${f(v).median.toFixed(0)} [${f(v).min.toFixed(0)}..${f(v).max.toFixed(0)}]`;
  return [
    {
      id: 'engine.backlog.drain',
      title: `Offline backlog of ${count} x 3 KiB aes128gcm drained (service in its own process)`,
      unit: 'msg/s',
      ...r,
      bound: {
        label:
          "lower of single-core decryptPush on the same messages and the service's drain to a bare client that acks at once, same run",
        ...b,
      },
      ratio: r.median / b.median,
      target: { text: '>= 0.8 of the bound, every message exactly once', met: r.median / b.median >= 0.8 },
      notes:
        `Bound parts, same runs: single-core decryptPush ${fmtRange(decryptRates)} msg/s; service drain to a bare client ${fmtRange(bareRates)} msg/s. ` +
        `Per-run ratios: ${ratios.map((x) => x.toFixed(2)).join(', ')}. Exactly once: every payload is distinct and each was shown once; nothing left stored at the service. ` +
        'What dominates (profiled 2026-11-30, issue 19): before, everything ahead of the ack was on the critical path of each batch of 10 (the service sends the next batch only when all are acked): decryption on the main thread (~220 of ~390 us of main-thread CPU per message) and a synchronous fdatasync. ' +
        'Then a backlog batch was acked once durable (fsync on the thread pool) and decrypted after, on a second thread: ~180-200 us of main-thread CPU per message, ratio 0.61-0.62 on a quiet machine. ' +
        'Since (issue 19, measured 2026-11-30 with process.threadCpuUsage and a CPU profile of the drain): posting each message to the decryption thread cloned the 8 KiB Buffer pools behind its keys and data (postMessage ~250 ms of main-thread time per 5,000 messages; now exact copies, the data transferred: ~60 ms); compaction waits for nothing pending (it took ~110 ms between batches). A journal written in place into zero-filled chunks allocated ahead was built and measured (batch fdatasync 0.36-0.39 ms median instead of 0.43-0.50 in isolation, ~1-2% of a drain, not visible in the ratio) and not kept: it added a second end-of-journal rule to the durability code for no measurable gain. ' +
        "Then (profiled 2026-11-30: a CPU profile of the drain, per-thread CPU and run-queue waits from /proc): ~145-155 us of main-thread CPU per message, by function: receiving frames (ws framing, JSON.parse, the base64url check) ~16; step 5 ~34 (the journal line ~19, of it JSON.stringify of the 4 KiB data ~8; admission ~7; a lone frame of a batch decrypted and fsync'd on the main thread ~6); the ack frames' writes ~13 (kernel); posting to the decryption thread ~14 (three key copies per message); the durable batch's bookkeeping ~9; the thread's replies ~5; dispatch ~23 (show ~7, the done marker's write ~8 with compaction, history and fate ~3); GC ~11. The decryption thread took 250-270 us per message (decryptPush alone: 205) and was the bound: busy 80-85% and waiting for a core another 13-16% of the drain, the main thread waiting 20-30%; on 2 cores the drain is CPU-bound (the agent's threads, V8's GC helpers ~50 us per message, the service process ~50). " +
        "Changes since: requests to the thread go in one postMessage per batch and come back in one, keys once per thread (its CPU 250 -> 217-220 us per message in isolation, the main thread's share 28 -> 10-13); a frame arriving alone during a drain joins the backlog (the service writes its batch frame by frame, and 120-170 of ~680 batches reached the agent as 1 + 9); the first frames of a batch wait up to 1 ms for the rest, so one fdatasync covers it (batches of 10: 340 -> 460-480 of ~530); once no frame has come for 20 ms (the drain's tail, when the thread worked alone for ~240 ms) the main thread decrypts part of what is left (the tail 240 -> 15-25 ms). Ratio 0.68-0.73 -> 0.76-0.78 (engine bench 0.77 [0.75..0.83]) -> engine bench 0.84 [0.63..0.91], load 0.3-0.6 (the 0.63 run had its own bound parts down: decryptPush 3,477 msg/s, bare client 12,842). Tried and not kept: a second decryption thread, at normal priority (it took the CPU from the main thread's journaling and acks: 0.57-0.68) and at nice 10 (0.81-0.82 in some runs; in paired runs not ahead of one thread). " +
        "Measured again for \"0.8 in every run\" (issue 19, 2026-11-30; per-thread run time and run-queue waits from /proc/<pid>/task/*/schedstat around the drain alone, the engine's start included, and an inspector CPU profile; load 0.2-3): the decryption thread ran 224-241 us per message (79-87% of the drain) and waited for a core another 117-232 ms (9-16%); the main thread 134-163 us per message (its profile by function as above); V8's platform threads 280-355 ms per drain (56-71 us per message; ~196 ms of it stays with --single-threaded-gc: the compiler working on a freshly started engine's code, not GC); libuv's pool ~75 ms (the fdatasyncs); the service ~40 us per message. That is ~500 us of CPU per message for 2 cores: even perfect overlap would cap the drain near 0.89 of decryptPush, and the ratio moves with whatever else the machine runs. The thread's own start (from new Worker to its first reply: 66-132 ms from the source, which this bench runs; 35-49 ms from the bundle the command runs) falls inside the drain, while the first ~250 acked messages wait. " +
        "Tried and not kept (backlog() alone, BENCH_RUNS=3, configurations alternating under the bench lock, load 1-2.5): the main thread decrypting held messages at each turn of its loop while the thread trails, beside the 20 ms quiet rule: from 1 held message ratio median 0.82 [0.39..0.91] (9 runs), from 30 0.82 [0.43..0.90] (24), from 60 0.84 [0.44..0.89] (15), against 0.83 [0.43..1.41] (24) as is; agent medians 3759, 3722, 3781 vs 3702 msg/s: within the noise. Starting the decryption thread with the engine, so its start overlaps the connection: 0.855 [0.53..0.89] vs 0.825 [0.46..0.87] (6 runs each; 3853 vs 3692 msg/s), suggestive only, and it would cost every start a second V8 heap for 5 s, against the idle-memory target. The main thread decrypting held messages while the thread is still starting (only then): agent median 3677 vs 3674 msg/s, ratio 0.815 [0.47..0.88] vs 0.85 [0.56..1.01] (6 runs each, load 1.2-3.2): nothing. A 16 MiB young generation for the thread (a scavenge every ~50 ms): its CPU per message unchanged (228-233 vs 226-233 us). The one-shot crypto.hash for the de-duplication key: 1.6 instead of 2.1 us a call, two calls per message, ~1 us of ~150: not measurable in the ratio. The runs below 0.8 in these sets (6 of 24 as is) are not all the machine's: the worst (0.43; 0.46 in the start-early set) had the bare client's bound down too (11,456 and 11,310 msg/s instead of 15,000-22,000), the others (0.69-0.79) did not show in the bound. " +
        "Caveat: this bench runs the engine in its own process with V8's default young generation, whereas the push-agent command caps it at 2 MiB semi-spaces (--max-semi-space-size=2; 1 MiB since the idle cut of the same day, measured through the command: 1,000 stored messages drained with 83 scavenges instead of 44, process CPU 0.72/0.75 -> 0.74/0.74 s): with the 2 MiB flag the same drain took 1445-1480 ms instead of 1381-1387 (2 runs each, load 2-3), ~5% slower. " +
        "What remains: the batch fdatasyncs (0.45-0.7 ms each, one per batch of 10, on the critical path: the service sends the next batch only once all 10 are acked) and the service's round trip (~0.6 ms) set the pace of the acks; the decryption thread, at ~230-250 us per message in the drain (contention for the 2 cores with the main thread, V8's GC helpers and the service), still trails them until the tail. Under load from other work on the machine the ratio falls to 0.4-0.7.",
    },
    {
      id: 'engine.backlog.bound.decrypt',
      title: 'Backlog bound (a): single-core decryptPush on the same messages',
      unit: 'msg/s',
      ...f(decryptRates),
    },
    {
      id: 'engine.backlog.bound.service',
      title: "Backlog bound (b): the service's drain to a bare client that acks each message at once",
      unit: 'msg/s',
      ...f(bareRates),
    },
  ];
}

/**
 * A bare protocol client: one channel, offline while `count` messages are stored, then drains them acking each at once.
 */
async function bareDrain(service: ServiceProcess, count: number, payload: string): Promise<number> {
  const receiver = createECDH('prime256v1');
  receiver.generateKeys();
  const keys = { p256dh: receiver.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url') };
  let client = await RawPushClient.connect(service.wsUrl);
  await client.hello();
  const uaid = client.uaid!;
  const reg = await client.register();
  client.ws.close();
  await client.closed;
  const prepared = Array.from({ length: count }, () =>
    prepare({ endpoint: reg.pushEndpoint as string, keys } as SubscriptionInfo, payload),
  );
  for (let i = 0; i < count; i += 100) await Promise.all(prepared.slice(i, i + 100).map(post));
  client = await RawPushClient.connect(service.wsUrl);
  let received = 0;
  const start = performance.now();
  const done = new Promise<number>((resolve) => {
    client.ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as { messageType: string; channelID: string; version: string };
      if (msg.messageType !== 'notification') return;
      client.ws.send(
        JSON.stringify({
          messageType: 'ack',
          updates: [{ channelID: msg.channelID, version: msg.version, code: 100 }],
        }),
      );
      if (++received === count) resolve(performance.now());
    });
  });
  client.send({ messageType: 'hello', use_webpush: true, uaid });
  const end = await done;
  client.ws.close();
  await client.closed;
  return count / ((end - start) / 1000);
}

/**
 * `push-agent listen` with 1,000 endpoint subscriptions (no sites, so no browser) on an idle connection: RSS, heap,
 * CPU.
 */
async function idle(ctx: BenchContext): Promise<Figure[]> {
  const subs = 1000;
  const windowS = ctx.quick ? 10 : 60;
  const service = await startPushService({ maxChannelsPerUaid: subs * 2 });
  const dir = tempDir();
  const h = await startEngine(service.wsUrl, {}, dir);
  for (let i = 0; i < subs; i += 50)
    await Promise.all(Array.from({ length: 50 }, () => h.engine.subscribe({ kind: 'endpoint', label: 'idle' })));
  await h.stop();
  const rss: number[] = [];
  const floorRss: number[] = [];
  const heap: number[] = [];
  const cpu: number[] = [];
  const runs = Math.min(ctx.runs, ctx.quick ? 1 : 2); // a minute each
  for (let run = 0; run < runs; run++) {
    // The floor idles beside the listener over the same window: both are idle, so neither disturbs the other.
    const floor = await startWsFloor(service.wsUrl);
    const agent = await startListen(dir, service.wsUrl);
    await new Promise((r) => setTimeout(r, 2000)); // start-up settles
    const before = agent.stat();
    await new Promise((r) => setTimeout(r, windowS * 1000));
    const after = agent.stat();
    rss.push(after.rssMiB);
    floorRss.push(floor.stat().rssMiB);
    cpu.push(((after.cpuS - before.cpuS) / windowS) * 100);
    heap.push((await agent.heap()).heapUsedMiB);
    await agent.stop();
    await floor.stop();
  }
  await service.close();
  const r = summarize(rss);
  const f = summarize(floorRss);
  const c = summarize(cpu);
  const above = rss.map((x, i) => x - floorRss[i]!);
  ctx.log(
    `idle: listener ${r.median.toFixed(1)} MiB, floor ${f.median.toFixed(1)} MiB, above the floor ${above.map((x) => x.toFixed(1)).join(', ')} MiB`,
  );
  return [
    {
      id: 'engine.idle.rss',
      title: `Idle push-agent listen with ${subs} subscriptions: RSS`,
      unit: 'MiB',
      ...r,
      bound: { label: 'floor (Node + ws, one connection)', ...f },
      ratio: f.median / r.median,
      target: { text: 'under 60 MiB', met: r.median < 60 },
      notes:
        'What it is, beside its floor (measured 2026-11-30, issue 19; /proc/<pid>/smaps, process.memoryUsage(), v8.getHeapSpaceStatistics() and a heap snapshot of the listener 8 s after connecting, ws://, 1,000 subscriptions, load 0.6-2.8): 72.3 MiB = RssAnon 26.3 + RssFile 46.0, 11 threads; the floor (engine.idle.floor, same flags and service): 56.1 = 14.1 + 42.0, 7 threads. ' +
        "Above the floor, file pages +4.0: the node binary's read-only data +2.5 (the sources and code cache of the 65 more built-in modules the listener loads: fs/promises with readline and the REPL history, assert (the D-Bus client, the proxy agent), tty (debug), child_process with dgram and cluster, worker_threads, perf_hooks, parse_args...; each ~0.4 MiB in a bare process) and its text +1.4 (more of Node and V8 run). " +
        "Anonymous +12.2: the V8 heap's committed pages +7.5 (new space 4.0 vs 2.0: start-up touched both 2 MiB semi-spaces; old space 7.75 vs 4.5: per-subscription strings ~0.75 MiB (ids as key and value, channel ids, the origin twice, endpoints, keys, sealed secrets: bench/scale.bench.ts) and the records, our code's functions and bytecode (trusted space +0.5); large objects 2.06 vs 0.25: the bundle's source, a string of 0.87 MiB held for lazy compilation, its line-end table 0.2, a 0.25 MiB array, and 0.74 MiB dead: the state file's text, which no GC collects in an idle process); glibc's main heap +1.5; the rest ~+3, not attributed one by one: the libuv thread pool (4 threads, fs calls) and the V8 compiler threads' malloc arenas, the de-duplication window (320 KiB) and the opened secrets' buffer (arrayBuffers 0.70 vs 0.21 MiB). external 4.2 MiB is mostly Node's built-in sources, counted in the binary's file pages, not anonymous memory. The state file's WebAssembly.Memory (7a8848c) is not alive: the heap snapshot (which collects first) holds no buffer of its size; whether its pages stay mapped until a GC was not measured. 0 subscriptions: 65.2 MiB (1,000 add 7.1: heap +3, external +0.9, the rest outside V8's heap, likely the compiler threads' arenas after start-up's loop over the records). " +
        "One run in two or three reached TurboFan at start-up and paged in +4.5 MiB more of the binary's text (77.1 MiB); after the per-subscription merge every start did (the first full run of the day read 73.6 MiB [73.5..73.7]): --trace-opt named the state store's freezeParsed, called once per parsed value (~15 per subscription), and since it recurses only into objects no start-up function reaches TurboFan at 1,000 subscriptions (75.4-76.0 -> 70.2-70.6 MiB over 7 starts). " +
        "Cut 2026-11-30 (issue 19): `listen` without --json printed each notification's time with toLocaleTimeString(), whose first call pages in ICU's locale data for good: after one message 80.0/80.6 -> 73.5/74.1 MiB (now HH:MM:SS from the Date's fields; this row runs --json, so it did not see it); the command's semi-spaces 2 -> 1 MiB: 72.3-72.9 -> 70.3-70.5 MiB (draining 1,000 stored messages through the command: 83 scavenges instead of 44, the same CPU, 0.72-0.75 s). The D-Bus client's xml2js, sax and xmlbuilder, loaded at start for an introspection the agent never does, now load on first use (bundle only): heap used 12.27-12.28 -> 11.74-11.79 MiB, RSS -0.2 to -1.0 (70.2-70.4 -> 69.4-70.2). " +
        "Earlier cuts (issue 19): conf loaded ajv, ajv-formats and semver (~20 MiB) and rings held 1,000 ids per subscription, replaced by a JSON file store and one fixed 320 KiB de-duplication window (82 -> 74.7 MiB); an ES import of node:http evaluated its lazy WebSocket/EventSource exports, loading undici, http2 and perf_hooks (-2 to -3 MiB, now process.getBuiltinModule); ws, the D-Bus client and the proxy agent resolved from node_modules file by file made V8 optimize Node's module loader (-6 MiB, now inside the bundle). " +
        "Tried and not kept (2026-11-30, same measure): a GC once connected (heap total 16.1 -> 12.1 MiB, RSS -0.5: V8 keeps the freed pages); requiring Node's built-ins in the bundle instead of importing them (an ES namespace reads every lazy export), and loading child_process, worker_threads and readline at first use: no change (72.5-73.1 MiB; the packages require most of them anyway); fs.promises replaced by callbacks at start (fs/promises, readline, REPL history): -0.2, noise; a whitespace-minified bundle: -0.5/-0.7 MiB (source 0.87 -> 0.6 MiB, no line table) for stack traces that point at column numbers of line 1; --no-opt --no-maglev: -3.6 MiB but every message in the interpreter. " +
        'After the cuts, BENCH_RUNS=1 (60 s window, load 0.9-1.0): 69.6 MiB, its floor 55.6, 14.0 above it, heap used 11.7 MiB, CPU 0.017% of a core; BENCH_QUICK=1 (10 s, load 1.0-1.2): 69.5 MiB, floor 55.7, 13.9 above (the same quick run before them: 72.2 MiB, 18.1 above a floor measured then as a CommonJS script, 54.1). ' +
        'Under 60 MiB is not reachable: the floor, with nothing of ours loaded, is 55.8-57 MiB over ws:// (53.9 as a CommonJS script: the ES module loader is ~1.9 of it) and ~3 MiB more over wss://, which users connect with.',
    },
    {
      id: 'engine.idle.floor',
      title: 'Floor under it: Node with the same node flags and ws holding one connection to the same service, idle',
      unit: 'MiB',
      ...f,
      notes:
        'Measured beside the listener, same window, same service (ws://), an ES module as the command is. Nothing of ours is loaded: what the listener holds above this is the bundle, its 1,000 subscriptions and what running them leaves behind. ws is required from node_modules (the listener carries it in its bundle).',
    },
    {
      id: 'engine.idle.above-floor',
      title: `Idle push-agent listen with ${subs} subscriptions: RSS above the floor (same run)`,
      unit: 'MiB',
      ...summarize(above),
    },
    {
      id: 'engine.idle.heap',
      title: `Idle push-agent listen with ${subs} subscriptions: V8 heap used`,
      unit: 'MiB',
      ...summarize(heap),
    },
    {
      id: 'engine.idle.cpu',
      title: `Idle push-agent listen with ${subs} subscriptions: CPU over ${windowS} s`,
      unit: '% of a core',
      ...c,
      target: { text: 'under 0.05% of a core', met: c.median < 0.05 },
    },
  ];
}

export default async function engineBench(ctx: BenchContext): Promise<Figure[]> {
  return [...(await latency(ctx)), ...(await backlog(ctx)), ...(await idle(ctx))];
}
