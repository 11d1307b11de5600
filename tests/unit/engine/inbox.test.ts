import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Inbox, InboxWriteError, type InboxMessage } from '../../../src/engine/delivery/inbox.ts';
import { silentLogger } from '../../../src/engine/log.ts';
import { memoryLogger, tempDir } from '../../support/engine-harness.ts';
import { tmpfsForTest } from '../../support/tmpfs.ts';
import { heldFdatasync } from '../../support/held-fdatasync.ts';

const msg = (i: number, sub = 's1'): InboxMessage => ({
  id: `m${i}`,
  subscriptionId: sub,
  version: `v${i}`,
  receivedAt: i,
  data: null,
  headers: {},
});

test('accepted messages survive a restart until done; the de-duplication ring survives too', () => {
  const file = path.join(tempDir(), 'inbox.jsonl');
  const a = new Inbox({ file, logger: silentLogger });
  a.write([msg(1), msg(2), msg(3)]);
  a.done('m2');
  a.close();
  const b = new Inbox({ file, logger: silentLogger });
  assert.deepEqual(
    b.pending().map((m) => m.id),
    ['m1', 'm3'],
  );
  assert.ok(b.isDuplicate('s1', 'v2'), 'a done message is still remembered');
  assert.ok(!b.isDuplicate('s1', 'v9'), 'an id never received is not a duplicate');
  b.close();
  assert.equal((fs.statSync(file).mode & 0o777).toString(8), '600');
});

test('a torn last line (crash mid-write) is ignored', () => {
  const file = path.join(tempDir(), 'inbox.jsonl');
  const a = new Inbox({ file, logger: silentLogger });
  a.write([msg(1)]);
  a.close();
  fs.appendFileSync(file, '{"t":"m","id":"m2","subscr');
  const b = new Inbox({ file, logger: silentLogger });
  assert.deepEqual(
    b.pending().map((m) => m.id),
    ['m1'],
  );
  b.close();
});

test('the ring is bounded and compaction keeps only rings and pending messages', () => {
  const file = path.join(tempDir(), 'inbox.jsonl');
  const a = new Inbox({ file, logger: silentLogger, ringSize: 5, compactAfter: 20 });
  for (let i = 0; i < 100; i++) {
    a.write([msg(i)]);
    if (i !== 99) a.done(`m${i}`);
  }
  assert.ok(!a.isDuplicate('s1', 'v90'), 'old versions fall out of the ring');
  assert.ok(a.isDuplicate('s1', 'v97'));
  a.close();
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n').length;
  assert.ok(lines < 50, `journal compacted (${lines} lines)`);
  const b = new Inbox({ file, logger: silentLogger, ringSize: 5 });
  assert.deepEqual(
    b.pending().map((m) => m.id),
    ['m99'],
  );
  assert.ok(b.isDuplicate('s1', 'v96'));
  b.close();
});

test('a full inbox reports no room', () => {
  const a = new Inbox({ file: path.join(tempDir(), 'inbox.jsonl'), logger: silentLogger, maxPending: 2 });
  a.write([msg(1), msg(2)]);
  assert.equal(a.hasRoom(1), false);
  a.done('m1');
  assert.equal(a.hasRoom(1), true);
  a.close();
});

// A nearly full disk, simulated at the write call (a real full disk is in tests/integration/faults/).
type WriteFn = (fd: number, data: Buffer) => number;
const realWrite: WriteFn = (fd, data) => fs.writeSync(fd, data);
/** A write function that can be told to fail with ENOSPC or to write only part of the data (for real). */
function faultyWrite(): WriteFn & { mode: 'ok' | 'enospc' | 'short' } {
  const fn = ((fd: number, data: Buffer) => {
    if (fn.mode === 'enospc')
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    if (fn.mode === 'short') return fs.writeSync(fd, data, 0, Math.floor(data.length / 2));
    return realWrite(fd, data);
  }) as WriteFn & { mode: 'ok' | 'enospc' | 'short' };
  fn.mode = 'ok';
  return fn;
}

for (const mode of ['enospc', 'short'] as const) {
  test(`a batch whose write ${mode === 'short' ? 'is short' : 'fails with ENOSPC'} leaves no trace: not pending, not in the ring, not on disk`, () => {
    const file = path.join(tempDir(), 'inbox.jsonl');
    const write = faultyWrite();
    const a = new Inbox({ file, logger: silentLogger, write });
    a.write([msg(1)]);
    const before = fs.readFileSync(file);
    write.mode = mode;
    assert.throws(
      () => a.write([msg(2), msg(3)]),
      (err: Error) => err instanceof InboxWriteError && err.kind === 'journal-write-failed',
    );
    assert.deepEqual(
      a.pending().map((m) => m.id),
      ['m1'],
    );
    assert.equal(a.isDuplicate('s1', 'v2'), false, 'the redelivery must not be taken for a duplicate');
    assert.equal(a.isDuplicate('s1', 'v3'), false);
    assert.deepEqual(fs.readFileSync(file), before, 'the journal is cut back to its last whole line');
    // Space comes back: the redelivered batch is accepted and survives a restart, as does everything before it.
    write.mode = 'ok';
    a.write([msg(2), msg(3)]);
    a.close();
    const b = new Inbox({ file, logger: silentLogger });
    assert.deepEqual(
      b.pending().map((m) => m.id),
      ['m1', 'm2', 'm3'],
    );
    b.close();
  });
}

test('a done marker that cannot be written is written with the next append, so a restart does not replay the message', () => {
  const file = path.join(tempDir(), 'inbox.jsonl');
  const write = faultyWrite();
  const a = new Inbox({ file, logger: silentLogger, write });
  a.write([msg(1), msg(2)]);
  write.mode = 'enospc';
  a.done('m1');
  assert.deepEqual(
    a.pending().map((m) => m.id),
    ['m2'],
  );
  write.mode = 'ok';
  a.write([msg(3)]);
  a.close();
  const b = new Inbox({ file, logger: silentLogger });
  assert.deepEqual(
    b.pending().map((m) => m.id),
    ['m2', 'm3'],
  );
  b.close();
});

test('done markers still unwritten at close are written then if the disk has room again', () => {
  const file = path.join(tempDir(), 'inbox.jsonl');
  const write = faultyWrite();
  const a = new Inbox({ file, logger: silentLogger, write });
  a.write([msg(1)]);
  write.mode = 'short';
  a.done('m1');
  write.mode = 'ok';
  a.close();
  const b = new Inbox({ file, logger: silentLogger });
  assert.deepEqual(b.pending(), []);
  b.close();
});

for (const mode of ['enospc', 'short'] as const) {
  test(`a compaction whose write ${mode === 'short' ? 'is short' : 'fails'} keeps the old journal whole`, () => {
    const file = path.join(tempDir(), 'inbox.jsonl');
    const write = faultyWrite();
    const a = new Inbox({ file, logger: silentLogger, write });
    for (let i = 0; i < 10; i++) a.write([msg(i)]);
    for (let i = 0; i < 5; i++) a.done(`m${i}`);
    const before = fs.readFileSync(file);
    write.mode = mode;
    assert.equal(a.compact(), false);
    assert.deepEqual(fs.readFileSync(file), before, 'the old journal is untouched');
    assert.equal(fs.existsSync(`${file}.tmp`), false, 'no temporary file left behind');
    write.mode = 'ok';
    a.done('m5');
    assert.equal(a.compact(), true);
    a.close();
    const b = new Inbox({ file, logger: silentLogger });
    assert.deepEqual(
      b.pending().map((m) => m.id),
      ['m6', 'm7', 'm8', 'm9'],
    );
    assert.ok(b.isDuplicate('s1', 'v0'), 'the rings survive compaction');
    b.close();
  });
}

test('an append after a torn last line starts on a new line, so the message after a crash is not lost', () => {
  const file = path.join(tempDir(), 'inbox.jsonl');
  fs.writeFileSync(file, JSON.stringify({ t: 'm', ...msg(1) }) + '\n{"t":"m","id":"m2","subscr', { mode: 0o600 });
  const a = new Inbox({ file, logger: silentLogger });
  a.write([msg(3)]);
  a.close();
  const b = new Inbox({ file, logger: silentLogger });
  assert.deepEqual(
    b.pending().map((m) => m.id),
    ['m1', 'm3'],
  );
  b.close();
});

test('a null line or other unreadable lines do not stop start-up; the journal is copied aside as it was before compaction', () => {
  const dir = tempDir();
  const file = path.join(dir, 'inbox.jsonl');
  const original = `null\n${JSON.stringify({ t: 'm', ...msg(1) })}\n42\n{"t":"m","id":\n`;
  fs.writeFileSync(file, original, { mode: 0o600 });
  const logger = memoryLogger();
  const a = new Inbox({ file, logger, compactAfter: 0 });
  assert.deepEqual(
    a.pending().map((m) => m.id),
    ['m1'],
  );
  const aside = fs.readdirSync(dir).filter((f) => f.startsWith('inbox.jsonl.unreadable-'));
  assert.equal(aside.length, 1);
  assert.equal(fs.readFileSync(path.join(dir, aside[0]!), 'utf8'), original);
  assert.equal((fs.statSync(path.join(dir, aside[0]!)).mode & 0o777).toString(8), '600');
  assert.ok(
    logger.lines.some((l) => l.includes('unreadable') && l.includes(aside[0]!)),
    'the warning names the copy',
  );
  a.close();
});

test(
  'a journal that cannot be read stops start-up with an error naming the file',
  { skip: process.getuid?.() === 0 ? 'root reads any file' : false },
  () => {
    const file = path.join(tempDir(), 'inbox.jsonl');
    fs.writeFileSync(file, '', { mode: 0o000 });
    assert.throws(
      () => new Inbox({ file, logger: silentLogger }),
      (err: Error) => err.message.includes(file),
    );
  },
);

test('de-duplication memory is one window for all subscriptions: it does not grow with their number', () => {
  const file = path.join(tempDir(), 'inbox.jsonl');
  const a = new Inbox({ file, logger: silentLogger, ringSize: 100, compactAfter: 50 });
  // 50 subscriptions x 10 messages: 500 ids; a per-subscription memory would keep all of them.
  let n = 0;
  for (let round = 0; round < 10; round++) {
    for (let s = 0; s < 50; s++) {
      a.write([msg(n, `s${s}`)]);
      a.done(`m${n}`);
      n++;
    }
  }
  const remembered = (inbox: Inbox) =>
    Array.from({ length: n }, (_, i) => inbox.isDuplicate(`s${i % 50}`, `v${i}`)).filter(Boolean).length;
  assert.equal(remembered(a), 100, 'the 100 most recent ids, across subscriptions');
  assert.ok(a.isDuplicate('s49', `v${n - 1}`) && !a.isDuplicate('s0', 'v0'));
  a.compact();
  a.close();
  assert.ok(
    fs.statSync(file).size < 4096,
    `compacted journal holds 100 ids, not 500 (${fs.statSync(file).size} bytes)`,
  );
  const b = new Inbox({ file, logger: silentLogger, ringSize: 100 });
  assert.equal(remembered(b), 100, 'the same window after a restart');
  assert.ok(b.isDuplicate('s49', `v${n - 1}`));
  b.close();
});

test('a journal from before the shared window (per-subscription rings) is still honoured', () => {
  const file = path.join(tempDir(), 'inbox.jsonl');
  const a = new Inbox({ file, logger: silentLogger });
  a.write([msg(1, 'a'), msg(2, 'b')]);
  a.done('m1');
  a.done('m2');
  a.close();
  // The old compaction's format: one `r` line per subscription with its keys.
  const keyOf = (v: string) => createHash('sha256').update(v).digest('base64url').slice(0, 16);
  fs.writeFileSync(
    file,
    `${JSON.stringify({ t: 'r', sub: 'a', ids: [keyOf('v1'), keyOf('v7')] })}\n${JSON.stringify({ t: 'r', sub: 'b', ids: [keyOf('v2')] })}\n`,
  );
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
  assert.deepEqual(
    b.pending().map((m) => m.id),
    ['m2'],
  );
  assert.ok(b.isDuplicate('s1', 'v1'));
  b.close();
});

test('acceptAsync on a full disk rejects and leaves no trace: not pending, not remembered, file cut back', async (t) => {
  const mnt = tmpfsForTest(t, '64k');
  if (!mnt) return;
  const file = path.join(mnt, 'inbox.jsonl');
  const a = new Inbox({ file, logger: silentLogger });
  await a.acceptAsync([msg(1)]);
  const size = fs.statSync(file).size;
  const big = { ...msg(2), data: 'x'.repeat(100 * 1024) };
  await assert.rejects(a.acceptAsync([big, msg(3)]), /ENOSPC|short.write/);
  assert.equal(fs.statSync(file).size, size, 'file cut back to before the batch');
  assert.deepEqual(
    a.pending().map((m) => m.id),
    ['m1'],
  );
  assert.ok(!a.isDuplicate('s1', 'v2') && !a.isDuplicate('s1', 'v3'), 'a redelivery will be accepted');
  await a.acceptAsync([msg(3)]);
  a.close();
  const b = new Inbox({ file, logger: silentLogger });
  assert.deepEqual(
    b.pending().map((m) => m.id),
    ['m1', 'm3'],
  );
  b.close();
});

test('compaction waits for a moment with nothing pending (a drain is not paused by it), up to 8 times its threshold', () => {
  const file = path.join(tempDir(), 'inbox.jsonl');
  const a = new Inbox({ file, logger: silentLogger, compactAfter: 20 });
  const lines = () => fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
  // One message always pending, as while a backlog drains: 2 lines per message.
  a.write([msg(0)]);
  for (let i = 1; i <= 60; i++) {
    a.write([msg(i)]);
    a.done(`m${i - 1}`);
  }
  assert.ok(lines() > 100, `not compacted while messages were pending (${lines()} lines)`);
  for (let i = 61; i <= 100; i++) {
    a.write([msg(i)]);
    a.done(`m${i - 1}`);
  }
  assert.ok(lines() < 100, `compacted past 8 times the threshold (${lines()} lines)`);
  a.done('m100');
  for (let i = 101; i <= 130; i++) {
    a.write([msg(i)]);
    a.done(`m${i}`);
  }
  assert.ok(lines() < 30, `compacted once nothing was pending (${lines()} lines)`);
  a.close();
  const b = new Inbox({ file, logger: silentLogger });
  assert.deepEqual(b.pending(), []);
  assert.ok(b.isDuplicate('s1', 'v0') && b.isDuplicate('s1', 'v130'));
  b.close();
});

test('write: pending and remembered as soon as written, before its fsync; done before the fsync completes holds after a restart', async () => {
  const file = path.join(tempDir(), 'inbox.jsonl');
  const fsync = heldFdatasync();
  const a = new Inbox({ file, logger: silentLogger, fdatasync: fsync.fdatasync });
  a.write([msg(1), msg(2)]);
  assert.ok(a.isDuplicate('s1', 'v1') && a.isDuplicate('s1', 'v2'), 'remembered once written');
  assert.deepEqual(
    a.pending().map((m) => m.id),
    ['m1', 'm2'],
  );
  const synced = a.sync();
  assert.equal(fsync.waiting, 1, 'the fsync runs on the thread pool');
  // Shown and settled while the fsync runs: the done marker must not be lost.
  a.done('m1');
  fsync.release();
  await synced;
  a.close();
  const b = new Inbox({ file, logger: silentLogger });
  assert.deepEqual(
    b.pending().map((m) => m.id),
    ['m2'],
  );
  assert.ok(b.isDuplicate('s1', 'v1') && b.isDuplicate('s1', 'v2'));
  b.close();
});

test('sync that fails (EIO) rejects with InboxWriteError; what was written stays pending and remembered (it may be on screen)', async () => {
  const file = path.join(tempDir(), 'inbox.jsonl');
  const fsync = heldFdatasync();
  const a = new Inbox({ file, logger: silentLogger, fdatasync: fsync.fdatasync });
  a.write([msg(1)]);
  const synced = a.sync();
  fsync.release('EIO');
  await assert.rejects(synced, (err: unknown) => err instanceof InboxWriteError && err.code === 'EIO');
  assert.ok(a.isDuplicate('s1', 'v1'), "the service's redelivery is taken for a duplicate, not shown again");
  assert.deepEqual(
    a.pending().map((m) => m.id),
    ['m1'],
  );
  a.done('m1');
  a.write([msg(2)]);
  const again = a.sync();
  fsync.release();
  await again;
  a.close();
  const b = new Inbox({ file, logger: silentLogger });
  assert.deepEqual(
    b.pending().map((m) => m.id),
    ['m2'],
  );
  b.close();
});

test('write on a full disk throws and leaves no trace: not pending, not remembered, file cut back', (t) => {
  const mnt = tmpfsForTest(t, '64k');
  if (!mnt) return;
  const file = path.join(mnt, 'inbox.jsonl');
  const a = new Inbox({ file, logger: silentLogger });
  a.write([msg(1)]);
  const size = fs.statSync(file).size;
  assert.throws(
    () => a.write([{ ...msg(2), data: 'x'.repeat(100 * 1024) }]),
    (err: unknown) => err instanceof InboxWriteError && /ENOSPC|short-write/.test(err.code),
  );
  assert.equal(fs.statSync(file).size, size, 'file cut back');
  assert.ok(!a.isDuplicate('s1', 'v2'), 'a redelivery will be accepted');
  assert.deepEqual(
    a.pending().map((m) => m.id),
    ['m1'],
  );
  a.close();
});

test('compaction due while an fsync runs waits for it (it would close the fd under it), then runs once it completes', async () => {
  const file = path.join(tempDir(), 'inbox.jsonl');
  const fsync = heldFdatasync();
  const a = new Inbox({ file, logger: silentLogger, compactAfter: 20, fdatasync: fsync.fdatasync });
  const lines = () => fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
  // Messages shown one at a time, each done before its fsync completes, as the pipeline's live path does.
  for (let i = 1; i <= 30; i++) {
    a.write([msg(i)]);
    const synced = a.sync();
    a.done(`m${i}`);
    assert.equal(fsync.waiting, 1);
    fsync.release();
    await synced;
  }
  assert.ok(lines() < 20, `compacted after an fsync completed (${lines()} lines)`);
  a.close();
  const b = new Inbox({ file, logger: silentLogger });
  assert.deepEqual(b.pending(), []);
  assert.ok(b.isDuplicate('s1', 'v1') && b.isDuplicate('s1', 'v30'));
  b.close();
});
