import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BudgetLedger,
  settle,
  STORE_KEY,
  type BudgetEntry,
  type BudgetRule,
} from '../../../src/engine/policy/budget.ts';
import { MemoryStore } from '../../support/memory-store.ts';

const MIN = 60_000;
const AC: BudgetRule = { cap: 16, refillMs: 30 * MIN };
const BATTERY: BudgetRule = { cap: 8, refillMs: 60 * MIN };
const LOW: BudgetRule = { cap: 2, refillMs: null };

const table: Array<[string, BudgetEntry | undefined, BudgetRule, number, BudgetEntry]> = [
  ['never seen: starts full', undefined, AC, 1000, { left: 16, since: 1000 }],
  ['no time passed', { left: 3, since: 0 }, AC, 0, { left: 3, since: 0 }],
  ['just under one refill period', { left: 3, since: 0 }, AC, 30 * MIN - 1, { left: 3, since: 0 }],
  ['one refill period: +1, remainder kept', { left: 3, since: 0 }, AC, 30 * MIN + 5, { left: 4, since: 30 * MIN }],
  ['three periods on battery', { left: 0, since: 0 }, BATTERY, 180 * MIN, { left: 3, since: 180 * MIN }],
  ['refill stops at the cap', { left: 15, since: 0 }, AC, 600 * MIN, { left: 16, since: 600 * MIN }],
  ['switching to battery clamps to the lower cap', { left: 16, since: 0 }, BATTERY, 1, { left: 8, since: 1 }],
  ['low: no refill', { left: 0, since: 0 }, LOW, 1000 * MIN, { left: 0, since: 1000 * MIN }],
  ['low: clamps to 2', { left: 7, since: 0 }, LOW, 10, { left: 2, since: 10 }],
  ['cap 0', { left: 5, since: 0 }, { cap: 0, refillMs: MIN }, 10, { left: 0, since: 10 }],
  ['clock went back: refill restarts from now', { left: 1, since: 5000 }, AC, 100, { left: 1, since: 100 }],
];
for (const [name, entry, rule, now, want] of table) {
  test(`budget refill rule: ${name}`, () => {
    assert.deepEqual(settle(entry, rule, now), want);
  });
}

test('charges down to 0, then refuses; refill fills to the cap; state persists', () => {
  const store = new MemoryStore();
  const ledger = new BudgetLedger(store);
  for (let i = 1; i <= 2; i++) assert.deepEqual(ledger.charge('s', LOW, i), { charged: true, left: 2 - i });
  assert.deepEqual(ledger.charge('s', LOW, 3), { charged: false, left: 0 });
  assert.deepEqual(ledger.get('s', LOW, 4), { left: 0, cap: 2 });
  assert.deepEqual(new BudgetLedger(store).get('s', LOW, 5), { left: 0, cap: 2 }, 'persisted under "budgets"');
  ledger.refill('s', AC, 6);
  assert.deepEqual(ledger.get('s', AC, 6), { left: 16, cap: 16 });
  ledger.forget('s');
  assert.deepEqual(store.get(STORE_KEY), {});
});

test('refill counts from the first unit spent below the cap, not from when the budget was last full', () => {
  const ledger = new BudgetLedger(new MemoryStore());
  ledger.get('s', AC, 0);
  ledger.charge('s', AC, 100 * MIN); // full until now
  assert.equal(ledger.get('s', AC, 129 * MIN).left, 15);
  assert.equal(ledger.get('s', AC, 130 * MIN).left, 16);
});

test('bad stored entries are dropped (the subscription starts full), good ones kept', () => {
  const store = new MemoryStore();
  store.set(STORE_KEY, { a: { left: 1, since: 0 }, b: { left: -1, since: 0 }, c: 'x', d: { left: 1.5, since: 0 } });
  const ledger = new BudgetLedger(store);
  assert.equal(ledger.get('a', AC, 0).left, 1);
  assert.equal(ledger.get('b', AC, 0).left, 16);
  assert.equal(ledger.get('c', AC, 0).left, 16);
  assert.equal(ledger.get('d', AC, 0).left, 16);
});
