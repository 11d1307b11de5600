// The subscriptions' opened secrets (private scalar, then auth secret: 48 bytes each), held in one buffer of slots.
//
// A Buffer per subscription costs a ~100-byte object in the V8 heap and pins the 8 KiB pool slice it was cut from,
// with whatever else was cut beside it (the sealed text's decoded bytes at start-up): ~0.25 KiB per subscription in
// all at 10,000 (issue 19, memory per subscription). Here a subscription costs a slot number in a Map.
// `get` returns a copy, so a caller's key stays what it was when the slot is wiped and reused.

export const SECRET_BYTES = 48;
const FIRST_SLOTS = 64;

export class OpenedSecrets {
  #slots = new Map<string, number>();
  #bytes = Buffer.alloc(0);
  #free: number[] = [];
  #used = 0;

  get size(): number {
    return this.#slots.size;
  }

  /** How many secrets fit before the buffer grows again. */
  get capacity(): number {
    return this.#bytes.length / SECRET_BYTES;
  }

  /**
   * Makes room for `count` more secrets in one allocation: a load that knows how many it will open does not double
   * its way there, leaving each outgrown buffer (half the final size, a quarter...) as garbage an idle process keeps
   * (~0.77 MiB at 10,000 subscriptions; issue 19).
   */
  reserve(count: number): void {
    const needed = this.#used - this.#free.length + count;
    if (needed * SECRET_BYTES > this.#bytes.length) this.#resize(needed);
  }

  set(id: string, secret: Uint8Array): void {
    if (secret.length !== SECRET_BYTES)
      throw new TypeError(`an opened secret is ${SECRET_BYTES} bytes, not ${secret.length}`);
    let slot = this.#slots.get(id);
    if (slot === undefined) {
      slot = this.#free.pop() ?? this.#grow();
      this.#slots.set(id, slot);
    }
    this.#bytes.set(secret, slot * SECRET_BYTES);
  }

  get(id: string): Buffer | undefined {
    const slot = this.#slots.get(id);
    if (slot === undefined) return undefined;
    return Buffer.from(this.#bytes.subarray(slot * SECRET_BYTES, (slot + 1) * SECRET_BYTES));
  }

  /** Forgets the id and wipes its slot. */
  delete(id: string): void {
    const slot = this.#slots.get(id);
    if (slot === undefined) return;
    this.#slots.delete(id);
    this.#bytes.fill(0, slot * SECRET_BYTES, (slot + 1) * SECRET_BYTES);
    this.#free.push(slot);
  }

  /** A new slot at the end, doubling the buffer when it is full. */
  #grow(): number {
    if (this.#used * SECRET_BYTES === this.#bytes.length) this.#resize(Math.max(FIRST_SLOTS, this.#used * 2));
    return this.#used++;
  }

  /** Moves the slots to a buffer of `slots` slots (the old one is wiped before it is let go). */
  #resize(slots: number): void {
    const bigger = Buffer.alloc(slots * SECRET_BYTES);
    this.#bytes.copy(bigger);
    this.#bytes.fill(0);
    this.#bytes = bigger;
  }
}
