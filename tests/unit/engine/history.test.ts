import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { History, HISTORY_FILE } from '../../../src/engine/history.ts';
import { memoryLogger, tempDir } from '../../support/engine-harness.ts';
import type { HistoryEntry } from '../../../src/shared/history-entry.ts';
import { ManualClock } from '../../support/manual-clock.ts';

const entry = (i: number, sub = 's1'): HistoryEntry => ({
  id: `m${i}`,
  subscriptionId: sub,
  origin: 'https://a.example',
  label: 'A',
  fate: 'shown',
  detail: null,
  title: `t${i}`,
  body: `b${i}`,
  receivedAt: i,
  at: i,
});

test('keeps the last 500, newest first, filtered by subscription and limited', () => {
  const clock = new ManualClock();
  const h = new History({ dataDir: tempDir(), clock, logger: memoryLogger() });
  for (let i = 0; i < 510; i++) h.add(entry(i, i % 2 ? 's1' : 's2'));
  assert.equal(h.size, 500);
  const all = h.list();
  assert.equal(all[0]!.id, 'm509');
  assert.equal(all.at(-1)!.id, 'm10');
  assert.deepEqual(
    h.list({ subscriptionId: 's2', limit: 2 }).map((e) => e.id),
    ['m508', 'm506'],
  );
});

test('writes are debounced on the clock, flushed on demand, and read back', () => {
  const dir = tempDir();
  const clock = new ManualClock();
  const h = new History({ dataDir: dir, clock, logger: memoryLogger(), debounceMs: 1000 });
  h.add(entry(1));
  h.add(entry(2));
  assert.equal(fs.existsSync(path.join(dir, HISTORY_FILE)), false, 'nothing written yet');
  clock.advance(1000);
  assert.equal(new History({ dataDir: dir, clock, logger: memoryLogger() }).size, 2);
  assert.equal((fs.statSync(path.join(dir, HISTORY_FILE)).mode & 0o777).toString(8), '600');
  h.add(entry(3));
  h.flush();
  assert.deepEqual(
    new History({ dataDir: dir, clock, logger: memoryLogger() }).list().map((e) => e.id),
    ['m3', 'm2', 'm1'],
  );
});

test('clear empties it and is written at once', () => {
  const dir = tempDir();
  const clock = new ManualClock();
  const h = new History({ dataDir: dir, clock, logger: memoryLogger() });
  h.add(entry(1));
  h.clear();
  assert.equal(h.size, 0);
  assert.equal(new History({ dataDir: dir, clock, logger: memoryLogger() }).size, 0);
});

test('a corrupt file or bad entries never stop the engine: bad entries are skipped', () => {
  const dir = tempDir();
  const file = path.join(dir, HISTORY_FILE);
  fs.writeFileSync(file, '{not json');
  assert.equal(new History({ dataDir: dir, clock: new ManualClock(), logger: memoryLogger() }).size, 0);
  fs.writeFileSync(file, JSON.stringify({ entries: [entry(1), { id: 1 }, { ...entry(2), fate: 'exploded' }, null] }));
  const logger = memoryLogger();
  assert.deepEqual(
    new History({ dataDir: dir, clock: new ManualClock(), logger }).list().map((e) => e.id),
    ['m1'],
  );
  assert.ok(logger.lines.some((l) => l.includes('bad entries skipped')));
});

test('the unread count lives with the history: added entries count until the history is read or cleared', () => {
  const changes: number[] = [];
  const h = new History({
    dataDir: tempDir(),
    clock: new ManualClock(),
    logger: memoryLogger(),
    unreadChanged: (n) => changes.push(n),
  });
  assert.equal(h.unread, 0);
  h.add(entry(1));
  h.add(entry(2));
  assert.equal(h.unread, 2);
  h.markRead();
  h.markRead();
  assert.equal(h.unread, 0);
  h.add(entry(3));
  h.clear();
  assert.deepEqual(changes, [1, 2, 0, 1, 0], 'one call per change, none when nothing changed');
});
