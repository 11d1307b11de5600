import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
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
  assert.ok(!b.isDuplicate('s1', 'v9'), 'an id never received is not a duplicate');
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

test('de-duplication memory is one window for all subscriptions: it does not grow with their number', () => {
  const file = path.join(tempDir(), 'inbox.jsonl');
  const a = new Inbox({ file, logger: silentLogger, ringSize: 100, compactAfter: 50 });
  // 50 subscriptions x 10 messages: 500 ids; a per-subscription memory would keep all of them.
  let n = 0;
  for (let round = 0; round < 10; round++) {
    for (let s = 0; s < 50; s++) {
      a.accept([msg(n, `s${s}`)]);
      a.done(`m${n}`);
      n++;
    }
  }
  const remembered = (inbox: Inbox) => Array.from({ length: n }, (_, i) => inbox.isDuplicate(`s${i % 50}`, `v${i}`)).filter(Boolean).length;
  assert.equal(remembered(a), 100, 'the 100 most recent ids, across subscriptions');
  assert.ok(a.isDuplicate('s49', `v${n - 1}`) && !a.isDuplicate('s0', 'v0'));
  a.compact();
  a.close();
  assert.ok(fs.statSync(file).size < 4096, `compacted journal holds 100 ids, not 500 (${fs.statSync(file).size} bytes)`);
  const b = new Inbox({ file, logger: silentLogger, ringSize: 100 });
  assert.equal(remembered(b), 100, 'the same window after a restart');
  assert.ok(b.isDuplicate('s49', `v${n - 1}`));
  b.close();
});

test('a journal from before the shared window (per-subscription rings) is still honoured', () => {
  const file = path.join(tempDir(), 'inbox.jsonl');
  const a = new Inbox({ file, logger: silentLogger });
  a.accept([msg(1, 'a'), msg(2, 'b')]);
  a.done('m1');
  a.done('m2');
  a.close();
  // The old compaction's format: one `r` line per subscription with its keys.
  const keyOf = (v: string) => createHash('sha256').update(v).digest('base64url').slice(0, 16);
  fs.writeFileSync(file, `${JSON.stringify({ t: 'r', sub: 'a', ids: [keyOf('v1'), keyOf('v7')] })}\n${JSON.stringify({ t: 'r', sub: 'b', ids: [keyOf('v2')] })}\n`);
  const b = new Inbox({ file, logger: silentLogger });
  assert.ok(b.isDuplicate('a', 'v1') && b.isDuplicate('a', 'v7') && b.isDuplicate('b', 'v2'));
  assert.ok(!b.isDuplicate('a', 'v3'));
  b.close();
});

test('acceptAsync: durable when it resolves, remembered, replayed after a restart', async () => {
  const file = path.join(tempDir(), 'inbox.jsonl');
  const a = new Inbox({ file, logger: silentLogger });
  const p = a.acceptAsync([msg(1), msg(2)]);
  assert.ok(!a.isDuplicate('s1', 'v1'), 'not remembered before it is durable');
  await p;
  assert.ok(a.isDuplicate('s1', 'v1') && a.isDuplicate('s1', 'v2'));
  a.done('m1');
  a.close();
  const b = new Inbox({ file, logger: silentLogger });
  assert.deepEqual(b.pending().map((m) => m.id), ['m2']);
  assert.ok(b.isDuplicate('s1', 'v1'));
  b.close();
});

test('acceptAsync on a full disk rejects and leaves no trace: not pending, not remembered, file cut back', async (t) => {
  const mnt = tempDir('inbox-tmpfs-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt], { stdio: 'pipe' });
  } catch (err) {
    console.log(`SKIPPED: cannot mount a tmpfs here (${(err as Error).message.split('\n')[0]})`);
    t.skip('mount refused');
    return;
  }
  try {
    const file = path.join(mnt, 'inbox.jsonl');
    const a = new Inbox({ file, logger: silentLogger });
    await a.acceptAsync([msg(1)]);
    const size = fs.statSync(file).size;
    const big = { ...msg(2), data: 'x'.repeat(100 * 1024) };
    await assert.rejects(a.acceptAsync([big, msg(3)]), /ENOSPC|short write/);
    assert.equal(fs.statSync(file).size, size, 'file cut back to before the batch');
    assert.deepEqual(a.pending().map((m) => m.id), ['m1']);
    assert.ok(!a.isDuplicate('s1', 'v2') && !a.isDuplicate('s1', 'v3'), 'a redelivery will be accepted');
    await a.acceptAsync([msg(3)]);
    a.close();
    const b = new Inbox({ file, logger: silentLogger });
    assert.deepEqual(b.pending().map((m) => m.id), ['m1', 'm3']);
    b.close();
  } finally {
    execFileSync('umount', ['-l', mnt]);
  }
});
