// Shared benchmark harness. Each bench module exports `default async function (ctx: BenchContext): Promise<Figure[]>`.
// Figures are medians over repeated runs with their range, set beside a bound measured in the same run where the
// figure has one (a ratio is only meaningful against a bound from the same machine at the same moment).

export interface Figure {
  /** Stable id, e.g. "decrypt.aes128gcm.3KiB.single-core". */
  id: string;
  /** What was measured, in words. */
  title: string;
  unit: string;
  /** Median over runs. */
  median: number;
  min: number;
  max: number;
  runs: number;
  /** The bound measured in the same run (same unit), if the figure has one. */
  bound?: { label: string; median: number; min: number; max: number };
  /** median / bound.median (or the inverse for lower-is-better figures, so >= 1 is always "as good as the bound"). */
  ratio?: number;
  /** The target, in words, and whether it was met. */
  target?: { text: string; met: boolean };
  notes?: string;
}

export interface BenchContext {
  /** Repeat count requested (BENCH_RUNS, default 5). */
  runs: number;
  /** Quick mode for smoke-running benchmarks (BENCH_QUICK=1): smaller sizes, same code paths. */
  quick: boolean;
  log: (line: string) => void;
}

export function median(values: number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of nothing');
  const s = [...values].sort((a, b) => a - b);
  const idx = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[idx]!;
}

export function summarize(values: number[]): { median: number; min: number; max: number; runs: number } {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), runs: values.length };
}

/** Runs `fn` `runs` times and summarises the numbers it returns. */
export async function repeat(runs: number, fn: (run: number) => Promise<number> | number) {
  const values: number[] = [];
  for (let i = 0; i < runs; i++) values.push(await fn(i));
  return summarize(values);
}
