// How cost grows with the number of subscriptions: `push-agent listen` (the shipped CLI) over a synthesized data
// dir of 100, 1,000 and 10,000 endpoint subscriptions whose de-duplication memory is full (bench/synthesize.ts).
// Per size: RSS and V8 heap once connected and settled, start-up (spawn -> connected), re-registration of every
// subscription after the service drops the UAID, and the wall time of `push-agent list --json`.
import fs from 'node:fs';
import { startPushService } from '../tools/push-service/index.ts';
import { tempDir } from '../tests/support/engine-harness.ts';
import { runCli, startListen } from './cli-process.ts';
import { synthesizeDataDir } from './synthesize.ts';
import { summarize, type BenchContext, type Figure } from './lib.ts';

const SIZES = [100, 1_000, 10_000];
/**
 * A full de-duplication memory: the inbox's shared window (inbox.ts, ringSize default), for any number of
 * subscriptions.
 */
const WINDOW_IDS = 16_384;

interface Sample {
  rssMiB: number;
  heapMiB: number;
  startupMs: number;
  reregisterMs: number;
  /** Re-registration did not finish within the cap: the time is projected from the rate so far. */
  projected: boolean;
  listMs: number;
}

export default async function scaleBench(ctx: BenchContext): Promise<Figure[]> {
  const runs = ctx.quick ? 1 : Math.min(ctx.runs, 2);
  // Re-registration is linear (a bounded number of state writes per round); the cap guards against a regression.
  const capMs = 60_000;
  const samples = new Map<number, Sample[]>();
  const notes: string[] = [];
  const version = await runCli(['--version']);
  if (version.code !== 0) throw new Error('push-agent --version failed');
  for (let run = 0; run < runs; run++) {
    for (const n of SIZES) {
      const s = await measure(n, capMs, ctx, notes);
      (samples.get(n) ?? samples.set(n, []).get(n)!).push(s);
      ctx.log(
        `${n} subscriptions: RSS ${s.rssMiB.toFixed(1)} MiB, heap ${s.heapMiB.toFixed(1)} MiB, start-up ${s.startupMs.toFixed(0)} ms, re-registration ${s.reregisterMs.toFixed(0)} ms${s.projected ? ' (projected)' : ''}, list ${s.listMs.toFixed(0)} ms`,
      );
    }
  }
  const figures: Figure[] = [];
  const sum = (n: number, k: keyof Omit<Sample, 'projected'>) => summarize(samples.get(n)!.map((s) => s[k]));
  for (const n of SIZES) {
    const projected = samples.get(n)!.some((s) => s.projected);
    figures.push(
      {
        id: `scale.${n}.rss`,
        title: `${n} subscriptions, de-duplication memory full: RSS of push-agent listen, connected and idle`,
        unit: 'MiB',
        ...sum(n, 'rssMiB'),
      },
      {
        id: `scale.${n}.heap`,
        title: `${n} subscriptions, de-duplication memory full: V8 heap used`,
        unit: 'MiB',
        ...sum(n, 'heapMiB'),
      },
      {
        id: `scale.${n}.startup`,
        title: `${n} subscriptions, de-duplication memory full: start-up (spawn -> connected)`,
        unit: 'ms',
        ...sum(n, 'startupMs'),
        bound: {
          label: '`push-agent --version` (process start and module load only), same run',
          median: version.ms,
          min: version.ms,
          max: version.ms,
        },
        ...(n === 10_000 ? { target: { text: 'under 1 s at 10,000', met: sum(n, 'startupMs').median < 1000 } } : {}),
      },
      {
        id: `scale.${n}.reregister`,
        title: `${n} subscriptions: re-registration of all after a UAID reset (reset -> last subscriptionchange)`,
        unit: 'ms',
        ...sum(n, 'reregisterMs'),
        ...(projected
          ? { notes: `Did not finish within the ${capMs / 1000} s cap: projected from the rate reached by then.` }
          : {}),
      },
      {
        id: `scale.${n}.list`,
        title: `${n} subscriptions: \`push-agent list --json\` wall time`,
        unit: 'ms',
        ...sum(n, 'listMs'),
      },
    );
  }
  const [small, , large] = SIZES as [number, number, number];
  const perSub = (k: 'rssMiB' | 'heapMiB') =>
    samples.get(small)!.map((s, i) => ((samples.get(large)![i]![k] - s[k]) * 1024) / (large - small));
  const rssPer = summarize(perSub('rssMiB'));
  figures.push({
    id: 'scale.per-subscription.rss',
    title: `Memory per subscription beyond the baseline: (RSS at ${large} - RSS at ${small}) / ${large - small}`,
    unit: 'KiB',
    ...rssPer,
    target: { text: 'under 2 KiB per subscription', met: rssPer.median < 2 },
    notes:
      `Heap per subscription, same runs: ${summarize(perSub('heapMiB')).median.toFixed(2)} KiB. De-duplication memory synthesized full (the shared window of ${WINDOW_IDS} ids, whatever the number of subscriptions). ` +
      'What dominates (measured 2026-11-30, issue 19): first, the per-subscription rings (1,000 ids each: ~100 KiB per subscription, 1 GiB and 7.6 s to start at 10,000); ' +
      "then (6.9 KiB per subscription) the young generation V8 grew to 32 MiB semi-spaces while start-up parsed the state and kept committed when idle (64 MiB of new space at 10,000, 16 at 1,000), now capped at 2 MiB (1 MiB since 2026-11-30) by the command's node flags, and four key views per subscription, now one buffer. " +
      "Then (~3.5 KiB, issue 19) ~1.2 KiB of records in the heap, ~0.8 KiB of state text and start-up's peak kept as RSS. " +
      "Measured 2026-11-30 (issue 19; /proc/<pid>/smaps, quick runs at load 0.3-1.5), then ~4 KiB, 100 -> 10,000: 73.6 -> 112.2 MiB. The baseline fell (77.3 in the committed run -> 73.6 MiB at 100: the command no longer optimizes Node's module loader at start, docs/architecture.md) but at 10,000 start-up's loop over the records still reaches TurboFan, whose machine code is paged in from the binary: 5.2 MiB (RssFile 51.4 vs 46.2 with --no-opt), ~0.5 KiB of the slope that a smaller size does not pay. " +
      "The rest at 10,000: V8 heap used 27-35 MiB (records ~1.2 KiB each; the store keeps each key's JSON text, ~0.75 KiB per subscription, a second copy: V8's JSON.parse copies strings, it does not slice its input, checked with %DebugPrint), and glibc's heap 11-12 MiB: readFileSync of the 7.5 MiB state is one malloc above 128 KiB, mmapped then freed, which raises malloc's mmap and trim thresholds. " +
      "Tried and not kept: reading the state in 64 KiB pieces (streaming TextDecoder) and writing it in surrogate-safe pieces: glibc's heap 11.7 -> 6.2 MiB, but the pieces' strings stay in the V8 heap as garbage an idle process never collects (heap used 35 -> 49 MiB at 2, 12 and 40 s): RSS 112.8-116.0 -> 116.4-117.1 MiB; writing alone in pieces changes nothing (the read has already raised the thresholds); a forced GC once connected would free that garbage (108.2 MiB with pieces, 112.2 without; at 1,000 a GC changed nothing, V8 keeps its pages). " +
      "Cut since (issue 19, 2026-11-30; BENCH_RUNS=1 scale at load 2.1-2.4, smaps and heap snapshots of the listener at load 1-6): the store holds values, not their JSON text (10,000: 113.8 -> ~102.4 MiB, the 7.5 MiB string gone); it reads the state into a WebAssembly.Memory, not readFileSync's malloc'd buffer (glibc [heap] 6.7 -> 5.7 MiB, RSS -> ~95.5); the opened secrets sit in one buffer of slots, not a Buffer each pinning its pool slice (heap snapshot 26.5 -> 24.6 MiB); loaded records are object literals (fields in the object, not a property array: -0.36 MiB). 4.07 -> 2.19 KiB (73.6 -> 94.8 MiB). " +
      "Then (~2.2 KiB, heap snapshot 24.6 MiB at 10,000): strings ~0.7 KiB (id as key and as value, channel id, endpoint, p256dh, sealed secret, label, and origin and scope, which an endpoint subscription derives from its id), two objects ~0.27 (the store's parsed value and the record), four Map tables ~0.18; glibc's heap +1.5 MiB and its per-thread arenas +2.6 MiB (V8's compiler and GC threads): MALLOC_ARENA_MAX=1 measured 1.92 KiB (73.0 -> 91.6 MiB), not adopted (one malloc lock for the decryption thread too, not measured on the drain). " +
      "Cut since (issue 19, 2026-11-30; a listener 2 s after connected over a synthesized data dir, heap snapshots, process.memoryUsage(), smaps; load 0.1-2.4): the store freezes what it parses and gives its held value itself on get, and set shares what is already frozen plain data; the registry's record is the stored object itself (sealed secret included), frozen, so the store and the registry hold one object per subscription, the sealed-secret Map is gone, and no get copies 10,000 objects as garbage (registry load, hasSealedRecords): heap snapshot 24.3 -> 22.4 MiB (objects 2.8 -> 1.5, Map tables 2.2 -> 1.7), heap used 26.7-27.2 -> 21.6-22.1 MiB, heap per subscription 1.63-1.77 -> 1.29-1.57 KiB in paired runs; load reserves the opened secrets' buffer once (the doubling left ~0.77 MiB of outgrown ArrayBuffers). RSS per subscription in paired runs (one data dir per size, builds interleaved, 3 runs each, two sessions at load 0.7-1.4): before 1.93-2.06 and 2.21-2.45 (medians 1.95, 2.36), after 1.74-2.28 and 2.04-2.08 (1.92, 2.07); with MALLOC_ARENA_MAX=1 on top 1.88-2.11 (2.01). The heap cut is about as large as RSS's run-to-run spread at 10,000 (87.8-95.8 MiB for one build, in glibc's heap 5.0-7.3 MiB and anonymous maps outside V8's heap 5.3-7.7 MiB: malloc'd memory of start-up's 10,000 secret openings and V8's compiler and GC threads, kept by glibc after it is freed). BENCH_RUNS=1 scale: 1.68 KiB (load 1.8-2.8); BENCH_RUNS=2: 1.96 [1.88..2.04] (load 2.2-2.4). " +
      "What is left at 10,000 (heap snapshot 22.4 MiB, ~1.2 KiB a subscription): strings ~0.7 KiB (as above; origin and scope stay in the record because the record is what the file holds), one object 0.14, three Map tables ~0.14 and the state object's own property table ~0.08, the opened secret 48 bytes; outside V8's heap ~0.5 KiB (glibc's heap and arenas, above). " +
      `Re-registration after a UAID reset stores a group per eighth of the round: linear. Since the store shares frozen records (2026-11-30) each set checked every held record's property descriptors again, 52 ms a set at 10,000; it remembers the records it has checked (a WeakSet; frozen data cannot change): 27 ms, re-registration at 10,000 4.93 -> 4.1-4.6 s, still above the 3.82 s before that change (not isolated: the 1 MiB semi-spaces of the same day are one suspect). ${notes.join(' ')}`.trim(),
  });
  return figures;
}

async function measure(n: number, capMs: number, ctx: BenchContext, notes: string[]): Promise<Sample> {
  // maxMessagesPerSession 1: two stored messages make the service drop the UAID at the next hello (autopush's reset).
  const service = await startPushService({ maxChannelsPerUaid: n * 2 + 10, maxMessagesPerSession: 1 });
  const dir = tempDir('push-agent-scale-');
  try {
    const t = performance.now();
    const synth = await synthesizeDataDir(dir, service.wsUrl, n, { windowIds: WINDOW_IDS });
    ctx.log(
      `${n}: synthesized in ${((performance.now() - t) / 1000).toFixed(1)} s (journal ${(synth.journalBytes / 2 ** 20).toFixed(1)} MiB, ${synth.ids} ids)`,
    );

    let agent = await startListen(dir, service.wsUrl);
    const startupMs = agent.startupMs;
    await new Promise((r) => setTimeout(r, 2000)); // start-up settles
    const { rssMiB } = agent.stat();
    const { heapUsedMiB } = await agent.heap();
    const list = await runCli(['list', '--json', '--data-dir', dir, '--service', service.wsUrl]);
    const listed = (JSON.parse(list.stdout) as unknown[]).length;
    if (listed !== n) throw new Error(`list printed ${listed} of ${n} subscriptions`);
    await agent.stop();

    // UAID reset: two messages wait while the agent is away; at its next hello the service drops the UAID.
    for (const endpoint of synth.endpoints.slice(0, 2)) {
      const res = await fetch(endpoint, { method: 'POST', headers: { TTL: '600' } });
      if (res.status !== 201) throw new Error(`push answered ${res.status}`);
    }
    let resetAt = 0;
    service.events.once('uaid-reset', (e: { at: number }) => (resetAt = e.at));
    agent = await startListen(dir, service.wsUrl);
    const changed = () => agent.lines.filter((l) => l.type === 'subscriptionchange').length;
    const deadline = performance.now() + capMs;
    while ((changed() < n || !resetAt) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const done = changed();
    const elapsed = performance.now() - resetAt;
    const projected = done < n;
    if (!resetAt) throw new Error('the service did not reset the UAID');
    if (projected) notes.push(`At ${n}: ${done} of ${n} re-registered within ${capMs / 1000} s.`);
    await agent.stop();
    return {
      rssMiB,
      heapMiB: heapUsedMiB,
      startupMs,
      reregisterMs: projected ? (elapsed * n) / Math.max(1, done) : elapsed,
      projected,
      listMs: list.ms,
    };
  } finally {
    await service.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
