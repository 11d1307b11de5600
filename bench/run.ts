// `npm run bench [-- <filter>]`: runs every bench/*.bench.ts, writes bench/results/latest.json and docs/PERFORMANCE.md.
import { readdirSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchContext, Figure } from './lib.ts';

/** One section per bench module (the id's first segment), with what it measures and how to read it. */
const AREAS: Array<{ prefix: string; heading: string; about: string }> = [
  {
    prefix: 'decrypt',
    heading: 'Decryption (RFC 8291 / draft aesgcm)',
    about:
      'Our decryptor against raw node:crypto doing the same primitives on the same messages: the bound is what one core can do at all.',
  },
  {
    prefix: 'push-service',
    heading: 'Local push service (src/push-service)',
    about:
      'The autopush-compatible service used by every test and benchmark (and embedded by `--service local`): throughput and latency with 1 and 100 connected clients, and the cost of an ack flood against a UAID with many stored messages. It sets the floor under the end-to-end figures below.',
  },
  {
    prefix: 'engine',
    heading: 'Push engine end to end',
    about:
      "The agent's added latency beside the service's own forwarding time, backlog drain beside its bound (the lower of single-core decryption and the service's own drain rate), and the idle cost of `push-agent listen`.",
  },
  {
    prefix: 'scale',
    heading: 'Scale: cost by number of subscriptions',
    about:
      '`push-agent listen` over a synthesized data dir of 100, 1,000 and 10,000 endpoint subscriptions registered at the local service, with the de-duplication memory of the inbox journal full (as after heavy traffic): memory, start-up, re-registration after a UAID reset, `list`.',
  },
  {
    prefix: 'policy',
    heading: 'Power policy',
    about:
      'A 20-message burst to one origin through the real pipeline (service -> engine -> Chromium worker) in each power state: worker wake-ups and CPU per message, against `low` without coalescing (what coalescing saves).',
  },
  {
    prefix: 'service-worker',
    heading: "Sites' own service workers beside Firefox ESR",
    about:
      "A push sent with web-push (VAPID) through the local service to the engine wired as `push-agent listen` wires it (AgentBrowser: the agent's Chromium on its profile, the site's own worker held at its first statement while our script is evaluated), the worker's showNotification reaching the notifier; Firefox ESR on the same service and sender in the same run (its clock stops at the worker's push event). " +
      'Warm: the worker running. Cold: the worker stopped by the host with the browser running, and with the browser stopped (a new agent on the same data dir; the push launches Chromium).',
  },
  {
    prefix: 'peer',
    heading: 'Peer: Firefox ESR beside Push Agent',
    about:
      "Debian's Firefox ESR and our engine subscribed to the same local service, same sender (web-push with VAPID), messages one at a time, rows interleaved within each run. " +
      'The bound is Firefox in the same run; ratio = Firefox / ours (>= 1: we are as fast or faster). ' +
      'Firefox stops the clock at the service-worker push event and shows no notification; ours at the notification emitted (with the worker: after its showNotification), so Firefox is measured on less work.',
  },
];

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(here);
const filter = process.argv[2];
const ctx: BenchContext = {
  runs: Number(process.env.BENCH_RUNS ?? 5),
  quick: process.env.BENCH_QUICK === '1',
  log: (line) => console.log(`  ${line}`),
};

const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => !filter || f.includes(filter))
  .sort();

const figures: Figure[] = [];
const failures: string[] = [];
/** Wall-clock seconds per module, so the suite's cost stays visible (target: BENCH_RUNS=3 under ~12 minutes). */
const seconds: Record<string, number> = {};
const loadBefore = os.loadavg();
const suiteStart = performance.now();
for (const file of files) {
  console.log(`== ${file}`);
  const start = performance.now();
  try {
    const mod = (await import(pathToFileURL(path.join(here, file)).href)) as {
      default: (c: BenchContext) => Promise<Figure[]>;
    };
    const got = await mod.default(ctx);
    for (const f of got)
      console.log(
        `  ${f.id}: ${fmt(f.median)} ${f.unit} [${fmt(f.min)}..${fmt(f.max)}]${f.ratio != null ? ` ratio ${f.ratio.toFixed(2)}` : ''}`,
      );
    figures.push(...got);
  } catch (err) {
    console.error(`  FAILED: ${(err as Error).stack ?? err}`);
    failures.push(file);
  }
  seconds[file] = Math.round((performance.now() - start) / 1000);
  console.log(`  (${seconds[file]} s)`);
}

const cpus = os.cpus();
const machine = {
  cpu: cpus[0]?.model ?? 'unknown',
  cores: cpus.length,
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  platform: `${os.platform()} ${os.release()}`,
  date: new Date().toISOString(),
  runs: ctx.runs,
  quick: ctx.quick,
  /** 1/5/15-minute load averages before and after the suite: other work on the machine shows in the ranges. */
  loadavgBefore: loadBefore.map((l) => Number(l.toFixed(2))),
  loadavgAfter: os.loadavg().map((l) => Number(l.toFixed(2))),
  totalSeconds: Math.round((performance.now() - suiteStart) / 1000),
  moduleSeconds: seconds,
};
mkdirSync(path.join(root, 'bench/results'), { recursive: true });
writeFileSync(
  path.join(root, 'bench/results/latest.json'),
  JSON.stringify({ machine, figures, failures }, null, 2) + '\n',
);
// Only a full, unfiltered run may replace the committed report; a quick or filtered one is previewed beside the JSON.
const report = !filter && !ctx.quick ? 'docs/PERFORMANCE.md' : 'bench/results/PERFORMANCE.preview.md';
writeFileSync(path.join(root, report), markdown(machine, figures, failures));
console.log(`\nwrote bench/results/latest.json and ${report}`);
if (failures.length) process.exit(1);

function fmt(n: number): string {
  if (Math.abs(n) >= 1000) return n.toFixed(0);
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(3);
}

function markdown(m: typeof machine, figs: Figure[], failed: string[]): string {
  const withTarget = figs.filter((f) => f.target);
  const met = withTarget.filter((f) => f.target!.met);
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' / ');
  const lines = [
    '# Performance',
    '',
    'Written by `npm run bench` (bench/run.ts); do not edit by hand. Each figure is the median over repeated runs, with the',
    'range [min..max] over those runs, beside the bound it is judged against (measured in the same run on the same',
    'machine, since a ratio is only meaningful at the same moment) and the target of its issue.',
    '',
    `**Targets met: ${met.length} of ${withTarget.length}**${
      withTarget.length > met.length
        ? ` (not met: ${withTarget
            .filter((f) => !f.target!.met)
            .map((f) => f.id)
            .join(', ')})`
        : ''
    }.` + (failed.length ? ` **Failed bench modules: ${failed.join(', ')}** (their figures are missing).` : ''),
    '',
    '## Machine',
    '',
    `- ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB RAM; ${m.platform}; Node ${m.node}`,
    `- ${m.runs} runs per figure${m.quick ? ' (BENCH_QUICK: smaller sizes, a smoke run, not a measurement)' : ''}; written ${m.date}; whole suite ${m.totalSeconds} s (${Object.entries(
      m.moduleSeconds,
    )
      .map(([k, v]) => `${k.replace('.bench.ts', '')} ${v} s`)
      .join(', ')})`,
    `- load average (1 / 5 / 15 min) before ${load(m.loadavgBefore)}, after ${load(m.loadavgAfter)}: the machine is shared, so wide ranges may be other work, not ours`,
  ];
  const sections = new Map<string, Figure[]>();
  for (const f of figs) {
    const prefix = f.id.split('.')[0]!;
    (sections.get(prefix) ?? sections.set(prefix, []).get(prefix)!).push(f);
  }
  const known = new Set(AREAS.map((a) => a.prefix));
  const areas = [
    ...AREAS,
    ...[...sections.keys()].filter((p) => !known.has(p)).map((p) => ({ prefix: p, heading: p, about: '' })),
  ];
  for (const area of areas) {
    const list = sections.get(area.prefix);
    if (!list?.length) continue;
    const areaTargets = list.filter((f) => f.target);
    lines.push('', `## ${area.heading}`, '');
    if (area.about) lines.push(area.about, '');
    if (areaTargets.length)
      lines.push(`Targets met: ${areaTargets.filter((f) => f.target!.met).length} of ${areaTargets.length}.`, '');
    lines.push('| figure | median | range | bound (same run) | ratio | target |', '|---|---|---|---|---|---|');
    for (const f of list) {
      const bound = f.bound
        ? `${f.bound.label}: ${fmt(f.bound.median)} [${fmt(f.bound.min)}..${fmt(f.bound.max)}]`
        : '—';
      const target = f.target ? `${f.target.met ? '✅ met' : '❌ **not met**'}: ${f.target.text}` : '—';
      lines.push(
        `| ${f.title} | ${fmt(f.median)} ${f.unit} | ${fmt(f.min)}..${fmt(f.max)} | ${bound} | ${f.ratio != null ? f.ratio.toFixed(2) : '—'} | ${target} |`,
      );
    }
    const notes = list.filter((f) => f.notes);
    if (notes.length) {
      lines.push('', 'Notes:', '');
      for (const f of notes) lines.push(`- **${f.title}**: ${f.notes}`);
    }
  }
  if (failed.length)
    lines.push('', `Failed bench modules: ${failed.join(', ')} (see the console output of \`npm run bench\`).`);
  return lines.join('\n') + '\n';
}
