import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BurstGrace,
  genericNotificationTitle,
  judgeSilentPush,
  type SilentPush,
  type SilentVerdict,
} from '../../../src/engine/policy/accounting.ts';

const base: SilentPush = { hasBudget: true, userVisibleOnly: false, inGrace: false, left: 5 };
const table: Array<[string, Partial<SilentPush>, SilentVerdict]> = [
  [
    'a user-made endpoint has no budget: never charged',
    { hasBudget: false, left: 0 },
    { kind: 'free', reason: 'no-budget' },
  ],
  ['inside the burst grace: not charged', { inGrace: true, left: 0 }, { kind: 'free', reason: 'burst-grace' }],
  ['budget left: charged', {}, { kind: 'charge', pauseAfter: false }],
  ['last unit: charged and paused', { left: 1 }, { kind: 'charge', pauseAfter: true }],
  ['nothing left (cap 0): paused', { left: 0 }, { kind: 'charge', pauseAfter: true }],
  [
    'userVisibleOnly with budget: spends it, never paused',
    { userVisibleOnly: true, left: 1 },
    { kind: 'charge', pauseAfter: false },
  ],
  ['userVisibleOnly without budget: the generic notification', { userVisibleOnly: true, left: 0 }, { kind: 'generic' }],
  [
    'userVisibleOnly in grace: free',
    { userVisibleOnly: true, left: 0, inGrace: true },
    { kind: 'free', reason: 'burst-grace' },
  ],
];
for (const [name, over, want] of table) {
  test(`silent push rule: ${name}`, () => assert.deepEqual(judgeSilentPush({ ...base, ...over }), want));
}

const grace: Array<[string, number | null, number, number, boolean]> = [
  ['nothing shown yet', null, 1000, 3000, false],
  ['shown 1 s before', 0, 1000, 3000, true],
  ['shown exactly 3 s before', 0, 3000, 3000, true],
  ['shown 3.001 s before', 0, 3001, 3000, false],
  ['grace 0, same instant', 0, 0, 0, true],
  ['a shown time in the future (clock jump) does not count', 5000, 1000, 3000, false],
];
for (const [name, shownAt, now, graceMs, want] of grace) {
  test(`burst grace: ${name}`, () => {
    const g = new BurstGrace();
    if (shownAt !== null) g.shown('https://a.example', shownAt);
    assert.equal(g.inGrace('https://a.example', now, graceMs), want);
    assert.equal(g.inGrace('https://other.example', now, graceMs), false, 'per origin');
  });
}

test('the generic notification names the site', () => {
  assert.equal(genericNotificationTitle('news.example'), 'news.example updated in the background');
});
