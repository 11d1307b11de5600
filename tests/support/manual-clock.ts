// A Clock (src/engine/ports.ts) that only moves when the test says so: time-based rules are tested by advancing it,
// never by sleeping. Timers fire in due order, each seeing `now()` equal to its due time.

import type { Clock, TimerHandle } from '../../src/engine/ports.ts';

interface Timer extends TimerHandle {
  due: number;
  seq: number;
  fn: () => void;
}

export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  #timers = new Set<Timer>();

  constructor(start = Date.UTC(2026, 0, 5, 12, 0, 0)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const t: Timer = { due: this.#now + Math.max(0, ms), seq: this.#seq++, fn, unref() {} };
    this.#timers.add(t);
    return t;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle as Timer);
  }

  /** Timers still pending. */
  get pending(): number {
    return this.#timers.size;
  }

  /** Whether a timer falls due exactly `ms` from now (tests wait for a specific timer to be set before advancing). */
  hasTimerDueIn(ms: number): boolean {
    for (const t of this.#timers) if (t.due === this.#now + ms) return true;
    return false;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way (including ones they schedule). */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      let next: Timer | null = null;
      for (const t of this.#timers)
        if (t.due <= target && (!next || t.due < next.due || (t.due === next.due && t.seq < next.seq))) next = t;
      if (!next) break;
      this.#timers.delete(next);
      this.#now = Math.max(this.#now, next.due);
      next.fn();
    }
    this.#now = target;
  }

  /** Sets the time (forward only), firing due timers. */
  set(at: number): void {
    if (at > this.#now) this.advance(at - this.#now);
  }
}
