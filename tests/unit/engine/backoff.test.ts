import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Backoff } from '../../../src/engine/backoff.ts';

test('backoff doubles from 1 s to 5 min with full jitter, and resets', () => {
  const top = new Backoff({ initialMs: 1000, maxMs: 300_000, random: () => 0.999999 });
  const ceilings = Array.from({ length: 12 }, () => top.next());
  assert.deepEqual(
    ceilings.map((c) => Math.round(c / 1000)),
    [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300],
  );
  const bottom = new Backoff({ initialMs: 1000, maxMs: 300_000, random: () => 0 });
  assert.equal(bottom.next(), 0, 'full jitter reaches zero');
  top.reset();
  assert.equal(Math.round(top.next() / 1000), 1);
});
