// `npm run bench [-- <filter>]`: runs every bench/*.bench.ts, writes bench/results/latest.json and docs/PERFORMANCE.md.
import { readdirSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchContext, Figure } from './lib.ts';

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
for (const file of files) {
  console.log(`== ${file}`);
  try {
    const mod = (await import(pathToFileURL(path.join(here, file)).href)) as { default: (c: BenchContext) => Promise<Figure[]> };
    const got = await mod.default(ctx);
    for (const f of got) console.log(`  ${f.id}: ${fmt(f.median)} ${f.unit} [${fmt(f.min)}..${fmt(f.max)}]${f.ratio != null ? ` ratio ${f.ratio.toFixed(2)}` : ''}`);
    figures.push(...got);
  } catch (err) {
    console.error(`  FAILED: ${(err as Error).stack ?? err}`);
    failures.push(file);
  }
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
};
mkdirSync(path.join(root, 'bench/results'), { recursive: true });
writeFileSync(path.join(root, 'bench/results/latest.json'), JSON.stringify({ machine, figures, failures }, null, 2) + '\n');
if (!filter && !ctx.quick) writeFileSync(path.join(root, 'docs/PERFORMANCE.md'), markdown(machine, figures, failures));
console.log(`\nwrote bench/results/latest.json${!filter && !ctx.quick ? ' and docs/PERFORMANCE.md' : ''}`);
if (failures.length) process.exit(1);

function fmt(n: number): string {
  if (Math.abs(n) >= 1000) return n.toFixed(0);
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(3);
}

function markdown(m: typeof machine, figs: Figure[], failed: string[]): string {
  const lines = [
    '# Performance',
    '',
    'Written by `npm run bench`; do not edit by hand. Medians over repeated runs, with the range [min..max].',
    'Each figure stands beside the bound it is judged against, measured in the same run on the same machine.',
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}; ${m.runs} runs; ${m.date}.`,
    '',
    '| figure | median | range | bound (same run) | ratio | target |',
    '|---|---|---|---|---|---|',
  ];
  for (const f of figs) {
    const bound = f.bound ? `${f.bound.label}: ${fmt(f.bound.median)} [${fmt(f.bound.min)}..${fmt(f.bound.max)}]` : '';
    const target = f.target ? `${f.target.met ? 'met' : '**not met**'}: ${f.target.text}` : '';
    lines.push(`| ${f.title} | ${fmt(f.median)} ${f.unit} | ${fmt(f.min)}..${fmt(f.max)} | ${bound} | ${f.ratio != null ? f.ratio.toFixed(2) : ''} | ${target} |`);
  }
  const notes = figs.filter((f) => f.notes);
  if (notes.length) {
    lines.push('', '## Notes', '');
    for (const f of notes) lines.push(`- **${f.title}**: ${f.notes}`);
  }
  if (failed.length) lines.push('', `Failed bench modules: ${failed.join(', ')}`);
  return lines.join('\n') + '\n';
}
