// The de-duplication memory: the most recent `capacity` message keys, oldest evicted first, in fixed memory.
//
// Keys are 12-byte digests (inbox.ts versionKey). They live in one Buffer used as a ring, indexed by an
// open-addressing hash table (linear probing, backward-shift deletion) of ring positions, so the memory is
// capacity x (12 + 8) bytes whatever the number of subscriptions: no per-key objects for the garbage collector.

export const KEY_BYTES = 12;

export class DedupWindow {
  readonly capacity: number;
  #keys: Buffer;
  /** Ring position + 1 of the key in each slot; 0 = empty. */
  #table: Int32Array;
  #mask: number;
  /** Position of the oldest key. */
  #head = 0;
  #size = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`de-duplication capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    this.#keys = Buffer.alloc(capacity * KEY_BYTES);
    let slots = 2;
    while (slots < capacity * 2) slots *= 2;
    this.#table = new Int32Array(slots);
    this.#mask = slots - 1;
  }

  get size(): number {
    return this.#size;
  }

  has(key: Uint8Array): boolean {
    return key.length === KEY_BYTES && this.#find(key, 0) >= 0;
  }

  /** Remembers `key` (no-op when remembered); when full, the oldest key is forgotten. */
  add(key: Uint8Array): void {
    if (key.length !== KEY_BYTES) throw new RangeError(`de-duplication keys are ${KEY_BYTES} bytes`);
    this.#add(key, 0);
  }

  /** Adds packed keys in order (as `packed()` returns them), without an object per key. */
  addPacked(keys: Uint8Array): void {
    if (keys.length % KEY_BYTES !== 0)
      throw new RangeError(`packed de-duplication keys are a multiple of ${KEY_BYTES} bytes`);
    for (let offset = 0; offset < keys.length; offset += KEY_BYTES) this.#add(keys, offset);
  }

  #add(bytes: Uint8Array, offset: number): void {
    if (this.#find(bytes, offset) >= 0) return;
    let pos: number;
    if (this.#size === this.capacity) {
      pos = this.#head;
      this.#remove(pos);
      this.#head = (this.#head + 1) % this.capacity;
    } else {
      pos = (this.#head + this.#size) % this.capacity;
      this.#size++;
    }
    for (let i = 0; i < KEY_BYTES; i++) this.#keys[pos * KEY_BYTES + i] = bytes[offset + i]!;
    let slot = this.#home(this.#keys, pos * KEY_BYTES);
    while (this.#table[slot] !== 0) slot = (slot + 1) & this.#mask;
    this.#table[slot] = pos + 1;
  }

  /** Every key, oldest first, packed (for the journal). */
  packed(): Buffer {
    const out = Buffer.alloc(this.#size * KEY_BYTES);
    for (let i = 0; i < this.#size; i++) {
      const pos = (this.#head + i) % this.capacity;
      this.#keys.copy(out, i * KEY_BYTES, pos * KEY_BYTES, pos * KEY_BYTES + KEY_BYTES);
    }
    return out;
  }

  /** Slot of the key at `bytes[offset]` in the table, or -1. */
  #find(bytes: Uint8Array, offset: number): number {
    let slot = this.#home(bytes, offset);
    for (;;) {
      const entry = this.#table[slot]!;
      if (entry === 0) return -1;
      if (this.#same(bytes, offset, (entry - 1) * KEY_BYTES)) return slot;
      slot = (slot + 1) & this.#mask;
    }
  }

  /** Deletes the table entry of ring position `pos`, shifting later entries of its probe run back. */
  #remove(pos: number): void {
    let i = this.#home(this.#keys, pos * KEY_BYTES);
    while (this.#table[i] !== pos + 1) i = (i + 1) & this.#mask;
    let j = i;
    for (;;) {
      j = (j + 1) & this.#mask;
      const entry = this.#table[j]!;
      if (entry === 0) break;
      const k = this.#home(this.#keys, (entry - 1) * KEY_BYTES);
      // The entry at j may move to i unless its home slot k lies cyclically in (i, j].
      const stays = i <= j ? i < k && k <= j : i < k || k <= j;
      if (!stays) {
        this.#table[i] = entry;
        i = j;
      }
    }
    this.#table[i] = 0;
  }

  #same(bytes: Uint8Array, offset: number, at: number): boolean {
    const keys = this.#keys;
    for (let i = 0; i < KEY_BYTES; i++) if (bytes[offset + i] !== keys[at + i]) return false;
    return true;
  }

  /** Keys are digests: their first four bytes are already uniform. */
  #home(bytes: Uint8Array, offset: number): number {
    return (
      ((bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)) >>> 0) &
      this.#mask
    );
  }
}
