// The clock check that notices a suspend or a frozen process, on injected clocks: the timer's clock, the monotonic
// clock and the wall clock each move as the test says.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { watchClockJumps } from '../../../src/cli/clock-jump.ts';
import { ManualClock } from '../../support/manual-clock.ts';

function setup() {
  const clock = new ManualClock();
  let mono = 1_000;
  let wall = clock.now();
  const jumps: number[] = [];
  const watch = watchClockJumps({
    clock,
    periodMs: 5_000,
    thresholdMs: 10_000,
    monotonicNow: () => mono,
    wallNow: () => wall,
    onJump: (gap) => jumps.push(gap),
  });
  /** One tick of the watcher after `monoMs` of monotonic and `wallMs` of wall time went by. */
  const tick = (monoMs: number, wallMs: number) => {
    mono += monoMs;
    wall += wallMs;
    clock.advance(5_000);
  };
  return { jumps, tick, watch, clock };
}

test('ticks on time, or a few seconds late (a busy event loop), are not a jump', () => {
  const { jumps, tick } = setup();
  for (let i = 0; i < 10; i++) tick(5_000, 5_000);
  tick(12_000, 12_000); // 7 s late: under the 10 s threshold
  tick(5_000, 5_000);
  assert.deepEqual(jumps, []);
});

test('a suspend: the wall clock jumps while the monotonic clock stood still', () => {
  const { jumps, tick } = setup();
  tick(5_000, 5_000);
  tick(5_000, 3_600_000);
  assert.deepEqual(jumps, [3_595_000]);
  tick(5_000, 5_000);
  assert.equal(jumps.length, 1, 'once per freeze');
});

test('a stopped process (SIGSTOP): both clocks moved on by much more than the period', () => {
  const { jumps, tick } = setup();
  tick(40_000, 40_000);
  assert.deepEqual(jumps, [35_000]);
});

test('a monotonic clock that runs through suspend (Windows) still shows it', () => {
  const { jumps, tick } = setup();
  tick(600_000, 600_000);
  assert.deepEqual(jumps, [595_000]);
});

test('the wall clock stepped back (NTP, the user) is not a jump', () => {
  const { jumps, tick } = setup();
  tick(5_000, -3_600_000);
  tick(5_000, 5_000);
  assert.deepEqual(jumps, []);
});

test('stop() ends the watch', () => {
  const { jumps, tick, watch, clock } = setup();
  watch.stop();
  tick(60_000, 60_000);
  assert.deepEqual(jumps, []);
  assert.equal(clock.pending, 0);
});
