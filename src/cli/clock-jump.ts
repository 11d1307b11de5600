// Notices that this process was frozen: a timer with a short period that finds much more time gone by than its
// period. A suspended machine shows it on the wall clock (the monotonic clock stops during suspend on Linux and
// macOS); a stopped process (SIGSTOP, a debugger, a frozen cgroup) on both. Either way the push service's socket may
// be dead without a word, so the caller reconnects. Works everywhere, with or without a system bus (logind-sleep.ts).
import type { Clock } from '../engine/ports.ts';
import { systemClock } from '../engine/clock.ts';

export interface ClockJumpOptions {
  /** How often to look. */
  periodMs?: number;
  /** How much later than its period a tick may come before it counts as a freeze (event-loop lag stays under it). */
  thresholdMs?: number;
  onJump: (gapMs: number) => void;
  clock?: Clock;
  monotonicNow?: () => number;
  wallNow?: () => number;
}

export const CLOCK_JUMP_PERIOD_MS = 5_000;
export const CLOCK_JUMP_THRESHOLD_MS = 10_000;

export function watchClockJumps(opts: ClockJumpOptions): { stop(): void } {
  const period = opts.periodMs ?? CLOCK_JUMP_PERIOD_MS;
  const threshold = opts.thresholdMs ?? CLOCK_JUMP_THRESHOLD_MS;
  const clock = opts.clock ?? systemClock;
  const mono = opts.monotonicNow ?? (() => performance.now());
  const wall = opts.wallNow ?? (() => Date.now());
  let lastMono = mono();
  let lastWall = wall();
  let timer = schedule();
  let stopped = false;

  function schedule() {
    const t = clock.setTimeout(tick, period);
    t.unref?.(); // watching is no reason to stay alive
    return t;
  }
  function tick(): void {
    if (stopped) return;
    const m = mono();
    const w = wall();
    // A wall clock stepped back (NTP, the user) gives a negative gap: not a freeze.
    const gap = Math.max(m - lastMono, w - lastWall) - period;
    lastMono = m;
    lastWall = w;
    timer = schedule();
    if (gap > threshold) opts.onJump(gap);
  }
  return {
    stop() {
      stopped = true;
      clock.clearTimeout(timer);
    },
  };
}
