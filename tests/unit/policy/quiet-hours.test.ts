import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isQuiet, msUntilEnd, QuietHoursTracker } from '../../../src/engine/policy/quiet-hours.ts';
import type { QuietHours } from '../../../src/shared/settings-api.ts';
import { ManualClock } from '../../support/manual-clock.ts';

const H = 3_600_000;
const at = (hhmm: string) => {
  const [h, m] = hhmm.split(':').map(Number);
  return (h! * 60 + m!) * 60_000;
};
const overnight: QuietHours = { enabled: true, start: '22:00', end: '07:00' };
const daytime: QuietHours = { enabled: true, start: '13:00', end: '14:30' };

const table: Array<[QuietHours, string, boolean]> = [
  [overnight, '21:59', false],
  [overnight, '22:00', true],
  [overnight, '23:59', true],
  [overnight, '00:00', true],
  [overnight, '06:59', true],
  [overnight, '07:00', false],
  [daytime, '12:59', false],
  [daytime, '13:00', true],
  [daytime, '14:29', true],
  [daytime, '14:30', false],
  [{ ...overnight, enabled: false }, '23:00', false],
  [{ enabled: true, start: '09:00', end: '09:00' }, '09:00', false],
];
for (const [q, time, want] of table) {
  test(`quiet hours ${q.enabled ? `${q.start}-${q.end}` : 'disabled'} at ${time}: ${want ? 'quiet' : 'not quiet'}`, () => {
    assert.equal(isQuiet(q, at(time)), want);
  });
}

test('time until the end of a period crossing midnight', () => {
  assert.equal(msUntilEnd(overnight, at('22:00')), 9 * H);
  assert.equal(msUntilEnd(overnight, at('06:30')), 30 * 60_000);
});

/** A tracker on a manual clock whose day is UTC (so the test does not depend on the machine's time zone). */
function tracker(settings: { q: QuietHours }, startAt: string) {
  const clock = new ManualClock(Date.UTC(2026, 0, 5) + at(startAt));
  const ends: number[] = [];
  const t = new QuietHoursTracker(
    clock,
    () => settings.q,
    (held) => ends.push(held),
    (now) => ((now % (24 * H)) + 24 * H) % (24 * H),
  );
  return { clock, ends, t };
}

test('one summary when quiet hours end, counting what was held back', () => {
  const settings = { q: overnight };
  const { clock, ends, t } = tracker(settings, '23:00');
  assert.equal(t.isQuiet(), true);
  t.hold();
  clock.advance(2 * H);
  t.hold();
  t.hold();
  assert.deepEqual(ends, []);
  clock.advance(6 * H - 1); // 06:59:59.999
  assert.deepEqual(ends, []);
  clock.advance(1);
  assert.deepEqual(ends, [3]);
  assert.equal(t.isQuiet(), false);
  clock.advance(24 * H);
  assert.deepEqual(ends, [3], 'one summary, not one a day');
});

test('no summary when nothing was held back', () => {
  const { clock, ends, t } = tracker({ q: overnight }, '23:00');
  clock.advance(10 * H);
  t.check();
  assert.deepEqual(ends, []);
});

test('turning quiet hours off ends the period at once (on the next check)', () => {
  const settings = { q: overnight };
  const { ends, t } = tracker(settings, '23:00');
  t.hold();
  settings.q = { ...overnight, enabled: false };
  t.check();
  assert.deepEqual(ends, [1]);
});

test('changing the end time is honoured by the pending timer', () => {
  const settings = { q: overnight };
  const { clock, ends, t } = tracker(settings, '23:00');
  t.hold();
  settings.q = { ...overnight, end: '01:00' };
  clock.advance(2 * H); // 01:00, but the timer was set for 07:00
  assert.deepEqual(ends, []);
  t.check();
  assert.deepEqual(ends, [1]);
});
