// The de-duplication window against a plain model (a Set and a FIFO), on random keys with many collisions of their
// hash slots (tiny capacities) and repeats: it must remember exactly the most recent `capacity` distinct keys.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { DedupWindow, KEY_BYTES } from '../../../src/engine/delivery/dedup-window.ts';

const key = (n: number) => createHash('sha256').update(String(n)).digest().subarray(0, KEY_BYTES);

test('remembers exactly the most recent distinct keys, oldest evicted first', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 40 }),
      fc.array(fc.integer({ min: 0, max: 120 }), { maxLength: 600 }),
      (capacity, adds) => {
        const w = new DedupWindow(capacity);
        const fifo: number[] = [];
        for (const n of adds) {
          w.add(key(n));
          if (!fifo.includes(n)) {
            fifo.push(n);
            if (fifo.length > capacity) fifo.shift();
          }
        }
        assert.equal(w.size, fifo.length);
        for (let n = 0; n <= 120; n++) assert.equal(w.has(key(n)), fifo.includes(n), `key ${n}`);
        assert.deepEqual(w.packed(), Buffer.concat(fifo.map(key)));
        const copy = new DedupWindow(capacity);
        copy.addPacked(w.packed());
        assert.deepEqual(copy.packed(), w.packed(), 'packed keys load back in the same order');
      },
    ),
    { numRuns: 300 },
  );
});

test('keys with the same hash slot are told apart by their full 12 bytes', () => {
  const w = new DedupWindow(4);
  const a = Buffer.alloc(KEY_BYTES, 1);
  const b = Buffer.from(a);
  b[11] = 2; // same first four bytes: same home slot
  w.add(a);
  assert.ok(w.has(a));
  assert.ok(!w.has(b));
  w.add(b);
  assert.ok(w.has(b));
});

test('a key of the wrong size or a bad capacity is refused with a RangeError', () => {
  assert.throws(() => new DedupWindow(0), RangeError);
  assert.throws(() => new DedupWindow(1.5), RangeError);
  assert.throws(() => new DedupWindow(4).add(Buffer.alloc(5)), RangeError);
});
