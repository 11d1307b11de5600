// Quiet hours (docs/policies.md). One job: whether now is inside the user's quiet period, and one summary when a quiet
// period in which something was held back ends. Notifications are never lost: they are in the history.
// Times are local wall-clock "HH:MM"; a period may cross midnight (22:00-07:00); start == end means none.

import type { Clock, TimerHandle } from '../ports.ts';
import type { QuietHours } from '../../shared/preferences.ts';

const DAY_MS = 24 * 60 * 60_000;

/** Local time of day in ms; injectable so tests do not depend on the machine's time zone. */
export type TimeOfDay = (now: number) => number;
export const localTimeOfDay: TimeOfDay = (now) => {
  const d = new Date(now);
  return ((d.getHours() * 60 + d.getMinutes()) * 60 + d.getSeconds()) * 1000 + d.getMilliseconds();
};

export function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

export function isQuiet(q: Readonly<QuietHours>, msOfDay: number): boolean {
  if (!q.enabled) return false;
  const start = minutesOf(q.start) * 60_000;
  const end = minutesOf(q.end) * 60_000;
  if (start === end) return false;
  return start < end ? msOfDay >= start && msOfDay < end : msOfDay >= start || msOfDay < end;
}

/** Milliseconds from `msOfDay` until the period's end (only meaningful inside it). */
export function msUntilEnd(q: Readonly<QuietHours>, msOfDay: number): number {
  const end = minutesOf(q.end) * 60_000;
  return (end - msOfDay + DAY_MS) % DAY_MS || DAY_MS;
}

export class QuietHoursTracker {
  #clock: Clock;
  #settings: () => Readonly<QuietHours>;
  #timeOfDay: TimeOfDay;
  #onEnd: (held: number) => void;
  #held = 0;
  #timer: TimerHandle | null = null;

  constructor(
    clock: Clock,
    settings: () => Readonly<QuietHours>,
    onEnd: (held: number) => void,
    timeOfDay: TimeOfDay = localTimeOfDay,
  ) {
    this.#clock = clock;
    this.#settings = settings;
    this.#onEnd = onEnd;
    this.#timeOfDay = timeOfDay;
  }

  isQuiet(): boolean {
    return isQuiet(this.#settings(), this.#timeOfDay(this.#clock.now()));
  }

  /** How many notifications the current period has held back. */
  get held(): number {
    return this.#held;
  }

  /** A notification was held back: count it and make sure the end of the period is noticed. */
  hold(): void {
    this.#held++;
    this.#schedule();
  }

  /** Re-evaluates now (settings changed, or the end timer fired): ends the period if it is over. */
  check(): void {
    if (this.#held === 0) return;
    if (this.isQuiet()) return this.#schedule();
    const held = this.#held;
    this.#held = 0;
    this.#clear();
    this.#onEnd(held);
  }

  close(): void {
    this.#clear();
  }

  #schedule(): void {
    this.#clear();
    const q = this.#settings();
    // Wall-clock time can jump (DST, suspend): the timer only prompts a re-check, which decides.
    const ms = isQuiet(q, this.#timeOfDay(this.#clock.now())) ? msUntilEnd(q, this.#timeOfDay(this.#clock.now())) : 0;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = null;
      this.check();
    }, ms);
    this.#timer.unref?.();
  }

  #clear(): void {
    if (this.#timer) this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
  }
}
