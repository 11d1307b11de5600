// Restart backoff for a crashed worker host (per origin): after a crash the origin's host is not restarted before
// a growing delay, so a page that crashes on load cannot spin the CPU. A clean event resets it. Pure.

export const RESTART_DEFAULTS = { initialMs: 1_000, maxMs: 5 * 60_000 } as const;

export class RestartBackoff {
  #crashes = 0;
  #notBefore = 0;
  readonly #initialMs: number;
  readonly #maxMs: number;

  constructor(opts: { initialMs?: number; maxMs?: number } = {}) {
    this.#initialMs = opts.initialMs ?? RESTART_DEFAULTS.initialMs;
    this.#maxMs = opts.maxMs ?? RESTART_DEFAULTS.maxMs;
  }

  /** Records a crash at `now`; returns the delay before the next start is allowed. */
  crashed(now: number): number {
    const delay = Math.min(this.#maxMs, this.#initialMs * 2 ** Math.min(this.#crashes, 30));
    this.#crashes++;
    this.#notBefore = now + delay;
    return delay;
  }

  /** Milliseconds to wait before starting again (0 = now). */
  waitMs(now: number): number {
    return Math.max(0, this.#notBefore - now);
  }

  succeeded(): void {
    this.#crashes = 0;
    this.#notBefore = 0;
  }

  get crashes(): number {
    return this.#crashes;
  }
}
