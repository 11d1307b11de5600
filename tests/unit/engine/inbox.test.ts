import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Inbox, type InboxMessage } from '../../../src/engine/inbox.ts';
import { silentLogger } from '../../../src/engine/log.ts';
import { tempDir } from '../../support/engine-harness.ts';

const msg = (i: number, sub = 's1'): InboxMessage => ({ id: `m${i}`, subscriptionId: sub, version: `v${i}`, receivedAt: i, data: null, headers: {} });

test('accepted messages survive a restart until done; the de-duplication ring survives too', () => {
  const file = path.join(tempDir(), 'inbox.jsonl');
  const a = new Inbox({ file, logger: silentLogger });
  a.accept([msg(1), msg(2), msg(3)]);
  a.done('m2');
  a.close();
  const b = new Inbox({ file, logger: silentLogger });
  assert.deepEqual(b.pending().map((m) => m.id), ['m1', 'm3']);
  assert.ok(b.isDuplicate('s1', 'v2'), 'a done message is still remembered');
  assert.ok(!b.isDuplicate('s2', 'v2'), 'rings are per subscription');
  b.close();
  assert.equal((fs.statSync(file).mode & 0o777).toString(8), '600');
});

test('a torn last line (crash mid-write) is ignored', () => {
  const file = path.join(tempDir(), 'inbox.jsonl');
  const a = new Inbox({ file, logger: silentLogger });
  a.accept([msg(1)]);
  a.close();
  fs.appendFileSync(file, '{"t":"m","id":"m2","subscr');
  const b = new Inbox({ file, logger: silentLogger });
  assert.deepEqual(b.pending().map((m) => m.id), ['m1']);
  b.close();
});

test('the ring is bounded and compaction keeps only rings and pending messages', () => {
  const file = path.join(tempDir(), 'inbox.jsonl');
  const a = new Inbox({ file, logger: silentLogger, ringSize: 5, compactAfter: 20 });
  for (let i = 0; i < 100; i++) {
    a.accept([msg(i)]);
    if (i !== 99) a.done(`m${i}`);
  }
  assert.ok(!a.isDuplicate('s1', 'v90'), 'old versions fall out of the ring');
  assert.ok(a.isDuplicate('s1', 'v97'));
  a.close();
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n').length;
  assert.ok(lines < 50, `journal compacted (${lines} lines)`);
  const b = new Inbox({ file, logger: silentLogger, ringSize: 5 });
  assert.deepEqual(b.pending().map((m) => m.id), ['m99']);
  assert.ok(b.isDuplicate('s1', 'v96'));
  b.close();
});

test('a full inbox reports no room', () => {
  const a = new Inbox({ file: path.join(tempDir(), 'inbox.jsonl'), logger: silentLogger, maxPending: 2 });
  a.accept([msg(1), msg(2)]);
  assert.equal(a.hasRoom(1), false);
  a.done('m1');
  assert.equal(a.hasRoom(1), true);
  a.close();
});
