// Asking the service for messages the agent left unacked. The service redelivers unacked messages only on a new
// connection, so without this a message refused for want of disk or inbox room would wait for the next natural
// reconnect, hours later. Two triggers:
// - a journal write failed (a full disk): reconnect after a backoff (1 s doubling to 30 s, full jitter), again after
//   each further failure, so a message is shown within a minute of space coming back;
// - the inbox was full: reconnect once, when it has drained below a low-water mark (half its capacity).

import { Backoff } from '../backoff.ts';
import type { Clock, Logger, TimerHandle } from '../ports.ts';

export interface RedeliveryOptions {
  clock: Clock;
  logger: Logger;
  /** Drop the connection and open a new one (PushConnection.reconnect). */
  reconnect(reason: string): void;
  /** Pending messages at or below which a refused backlog is asked for again. */
  lowWater: number;
  /** Delay bounds after a failed journal write (defaults 1 s and 30 s). */
  initialMs?: number;
  maxMs?: number;
}

export class Redelivery {
  #timer: TimerHandle | null = null;
  #refusedFull = false;
  #backoff: Backoff;
  readonly #opts: RedeliveryOptions;

  constructor(opts: RedeliveryOptions) {
    this.#opts = opts;
    this.#backoff = new Backoff({ initialMs: opts.initialMs ?? 1_000, maxMs: opts.maxMs ?? 30_000 });
  }

  /** A journal write failed: the messages were left unacked; ask again after the backoff. */
  writeFailed(): void {
    if (this.#timer) return;
    const delay = this.#backoff.next();
    this.#timer = this.#opts.clock.setTimeout(() => {
      this.#timer = null;
      this.#opts.reconnect('journal write failed');
    }, delay);
  }

  /** A batch reached the disk: the next failure starts the backoff from the beginning. */
  writeSucceeded(): void {
    if (this.#backoff.attempt !== 0) this.#backoff.reset();
  }

  /** Messages were left with the service because the inbox was full. */
  refusedFull(): void {
    this.#refusedFull = true;
  }

  /** The inbox now holds `pending` messages (after one was done). */
  drained(pending: number): void {
    if (!this.#refusedFull || pending > this.#opts.lowWater) return;
    this.#refusedFull = false;
    this.#opts.reconnect('inbox below its low-water mark');
  }

  close(): void {
    if (this.#timer) this.#opts.clock.clearTimeout(this.#timer);
    this.#timer = null;
  }
}
