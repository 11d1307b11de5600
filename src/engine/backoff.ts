// Reconnect backoff: 1 s doubling to 5 min with full jitter (docs/architecture.md "The delivery pipeline"), reset after
// a stable connection.
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  random?: () => number;
}

export class Backoff {
  #attempt = 0;
  readonly #opts: Required<BackoffOptions>;
  constructor(opts: BackoffOptions) {
    this.#opts = { random: Math.random, ...opts };
  }
  /** The delay before the next attempt: uniform in [0, min(max, initial * 2^attempt)]. */
  next(): number {
    const ceiling = Math.min(this.#opts.maxMs, this.#opts.initialMs * 2 ** Math.min(this.#attempt, 30));
    this.#attempt++;
    return Math.floor(this.#opts.random() * ceiling);
  }
  reset(): void {
    this.#attempt = 0;
  }
  get attempt(): number {
    return this.#attempt;
  }
}
