import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FixedPowerSource, PowerPolicy } from '../../../src/engine/policy/power.ts';
import { defaultPolicy } from '../../../src/engine/preferences-service.ts';
import { silentLogger } from '../../../src/engine/log.ts';
import type { PowerSource, PowerState } from '../../../src/engine/ports.ts';

const table: Array<
  [
    PowerState,
    { cap: number; refillMs: number | null; deadline: number; keepAlive: number; coalesce: number; urgency: string },
  ]
> = [
  ['ac', { cap: 16, refillMs: 30 * 60_000, deadline: 30_000, keepAlive: 30_000, coalesce: 0, urgency: 'very-low' }],
  ['battery', { cap: 8, refillMs: 60 * 60_000, deadline: 30_000, keepAlive: 10_000, coalesce: 0, urgency: 'low' }],
  ['low', { cap: 2, refillMs: null, deadline: 10_000, keepAlive: 0, coalesce: 10_000, urgency: 'high' }],
];
for (const [state, want] of table) {
  test(`power state ${state}: the design's numbers`, () => {
    const p = new PowerPolicy(new FixedPowerSource(state), defaultPolicy, silentLogger, () => {});
    assert.equal(p.state, state);
    assert.deepEqual(p.budgetRule(), { cap: want.cap, refillMs: want.refillMs });
    assert.equal(p.deadlineMs(), want.deadline);
    assert.equal(p.keepAliveMs(), want.keepAlive);
    assert.equal(p.coalesceMs(), want.coalesce);
    assert.equal(p.minUrgency(), want.urgency);
  });
}

const transitions: Array<[PowerState, PowerState, boolean]> = [
  ['ac', 'battery', true],
  ['battery', 'low', true],
  ['low', 'ac', true],
  ['ac', 'ac', false],
];
for (const [from, to, fires] of transitions) {
  test(`power transition ${from} -> ${to} ${fires ? 'is reported' : 'is not news'}`, () => {
    const source = new FixedPowerSource(from);
    const seen: PowerState[] = [];
    const p = new PowerPolicy(source, defaultPolicy, silentLogger, (s) => seen.push(s));
    source.set(to);
    assert.equal(p.state, to);
    assert.deepEqual(seen, fires ? [to] : []);
    p.close();
    source.set(from === 'ac' ? 'low' : 'ac');
    assert.equal(seen.length, fires ? 1 : 0, 'closed: no more events');
  });
}

test('numbers are read live from the preferences', () => {
  const policy = defaultPolicy();
  const p = new PowerPolicy(
    new FixedPowerSource('low'),
    () => policy,
    silentLogger,
    () => {},
  );
  policy.lowPowerCoalesceSeconds = 2;
  policy.budgetCap.low = 5;
  assert.equal(p.coalesceMs(), 2000);
  assert.equal(p.budgetRule().cap, 5);
});

test('a power source reporting nonsense or throwing cannot crash the engine: the last good state stays', () => {
  let listener: ((s: PowerState) => void) | null = null;
  const bad: PowerSource = {
    current: () => {
      throw new Error('no battery API');
    },
    onChange: (l) => {
      listener = l;
      return () => {};
    },
  };
  const p = new PowerPolicy(bad, defaultPolicy, silentLogger, () => {});
  assert.equal(p.state, 'ac');
  listener!('battery');
  listener!('solar' as PowerState);
  assert.equal(p.state, 'battery');
});
