// Decrypting a backlog's messages after their ack (pipeline.ts, #backlog): on the decryption thread, a few batches
// in flight at a time and the rest held here; and once no frame has arrived for a few milliseconds (the service has
// sent everything it held: the drain's tail), on this thread too, one message per event-loop turn, so that the tail
// is decrypted on both cores instead of one. While frames arrive this thread is left to them: parsing, journaling
// and acking are what the service waits for before it sends the next batch.
import { decryptPush, type EncryptedPush } from '../crypto/index.ts';
import { DecryptThread } from '../crypto/decrypt-thread.ts';
import type { SubscriptionKeys } from '../crypto/keys.ts';

// Node's timers and performance.now(), not the engine's Clock, on purpose (as for the pipeline's BATCH_WAIT_MS):
// the quiet check measures real time since the service's last frame. A test's manual clock would not advance on
// its own, and the main thread would never help with the drain's tail; only which thread decrypts depends on it.

/** Messages given to the thread at a time: enough that it never waits for the next (three batches of 10). */
const IN_FLIGHT = 30;
/**
 * No frame for this long: the drain's tail, and this thread helps. The service's round trip is ~1-2 ms; at 5 ms
 * this thread also helped in the pauses of a drain (a GC, another program) and slowed its acks.
 */
const QUIET_MS = 20;

interface Held {
  msg: EncryptedPush;
  keys: SubscriptionKeys;
  resolve: (plaintext: Buffer | null) => void;
  reject: (err: unknown) => void;
}

export class BacklogDecryption {
  readonly #thread = new DecryptThread();
  /** Waiting for the thread, oldest first. */
  #held: Held[] = [];
  #lastFrameAt = 0;
  #helpScheduled = false;

  /** A frame arrived: the service is still sending. */
  noteFrame(): void {
    this.#lastFrameAt = performance.now();
  }

  /** Same contract as decryptPush: the plaintext (null for no data), or a DecryptError. */
  decrypt(msg: EncryptedPush, keys: SubscriptionKeys): Promise<Buffer | null> {
    return new Promise((resolve, reject) => {
      this.#held.push({ msg, keys, resolve, reject });
      this.#feed();
      this.#scheduleHelp();
    });
  }

  #feed(): void {
    while (this.#held.length && this.#thread.pending < IN_FLIGHT) {
      const h = this.#held.shift()!;
      this.#thread.decrypt(h.msg, h.keys).then(
        (plaintext) => {
          h.resolve(plaintext);
          this.#feed();
        },
        (err: unknown) => {
          h.reject(err);
          this.#feed();
        },
      );
    }
  }

  #scheduleHelp(): void {
    if (this.#helpScheduled || !this.#held.length) return;
    this.#helpScheduled = true;
    const quietIn = QUIET_MS - (performance.now() - this.#lastFrameAt);
    const help = () => {
      this.#helpScheduled = false;
      this.#help();
    };
    if (quietIn > 0) setTimeout(help, Math.ceil(quietIn)).unref();
    else setImmediate(help);
  }

  /** One held message decrypted here, if no frame came for QUIET_MS; then the next, a turn of the loop later. */
  #help(): void {
    if (!this.#held.length) return;
    if (performance.now() - this.#lastFrameAt >= QUIET_MS) {
      // From the newest end: the thread works from the oldest, so the two meet in the middle.
      const h = this.#held.pop()!;
      try {
        h.resolve(decryptPush(h.msg, h.keys));
      } catch (err) {
        h.reject(err);
      }
    }
    this.#scheduleHelp();
  }
}
