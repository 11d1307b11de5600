import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Inbox, InboxWriteError, type InboxMessage } from '../../../src/engine/inbox.ts';
import { silentLogger } from '../../../src/engine/log.ts';
import { memoryLogger, tempDir } from '../../support/engine-harness.ts';

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

// A nearly full disk, simulated at the write call (a real full disk is in tests/integration/faults/).
type WriteFn = (fd: number, data: Buffer) => number;
const realWrite: WriteFn = (fd, data) => fs.writeSync(fd, data);
/** A write function that can be told to fail with ENOSPC or to write only part of the data (for real). */
function faultyWrite(): WriteFn & { mode: 'ok' | 'enospc' | 'short' } {
  const fn = ((fd: number, data: Buffer) => {
    if (fn.mode === 'enospc') throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
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
    a.accept([msg(1)]);
    const before = fs.readFileSync(file);
    write.mode = mode;
    assert.throws(() => a.accept([msg(2), msg(3)]), (err: Error) => err instanceof InboxWriteError && err.kind === 'journal-write-failed');
    assert.deepEqual(a.pending().map((m) => m.id), ['m1']);
    assert.equal(a.isDuplicate('s1', 'v2'), false, 'the redelivery must not be taken for a duplicate');
    assert.equal(a.isDuplicate('s1', 'v3'), false);
    assert.deepEqual(fs.readFileSync(file), before, 'the journal is cut back to its last whole line');
    // Space comes back: the redelivered batch is accepted and survives a restart, as does everything before it.
    write.mode = 'ok';
    a.accept([msg(2), msg(3)]);
    a.close();
    const b = new Inbox({ file, logger: silentLogger });
    assert.deepEqual(b.pending().map((m) => m.id), ['m1', 'm2', 'm3']);
    b.close();
  });
}

test('a done marker that cannot be written is written with the next append, so a restart does not replay the message', () => {
  const file = path.join(tempDir(), 'inbox.jsonl');
  const write = faultyWrite();
  const a = new Inbox({ file, logger: silentLogger, write });
  a.accept([msg(1), msg(2)]);
  write.mode = 'enospc';
  a.done('m1');
  assert.deepEqual(a.pending().map((m) => m.id), ['m2']);
  write.mode = 'ok';
  a.accept([msg(3)]);
  a.close();
  const b = new Inbox({ file, logger: silentLogger });
  assert.deepEqual(b.pending().map((m) => m.id), ['m2', 'm3']);
  b.close();
});

test('done markers still unwritten at close are written then if the disk has room again', () => {
  const file = path.join(tempDir(), 'inbox.jsonl');
  const write = faultyWrite();
  const a = new Inbox({ file, logger: silentLogger, write });
  a.accept([msg(1)]);
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
    for (let i = 0; i < 10; i++) a.accept([msg(i)]);
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
    assert.deepEqual(b.pending().map((m) => m.id), ['m6', 'm7', 'm8', 'm9']);
    assert.ok(b.isDuplicate('s1', 'v0'), 'the rings survive compaction');
    b.close();
  });
}

test('an append after a torn last line starts on a new line, so the message after a crash is not lost', () => {
  const file = path.join(tempDir(), 'inbox.jsonl');
  fs.writeFileSync(file, JSON.stringify({ t: 'm', ...msg(1) }) + '\n{"t":"m","id":"m2","subscr', { mode: 0o600 });
  const a = new Inbox({ file, logger: silentLogger });
  a.accept([msg(3)]);
  a.close();
  const b = new Inbox({ file, logger: silentLogger });
  assert.deepEqual(b.pending().map((m) => m.id), ['m1', 'm3']);
  b.close();
});

test('a null line or other unreadable lines do not stop start-up; the journal is copied aside as it was before compaction', () => {
  const dir = tempDir();
  const file = path.join(dir, 'inbox.jsonl');
  const original = `null\n${JSON.stringify({ t: 'm', ...msg(1) })}\n42\n{"t":"m","id":\n`;
  fs.writeFileSync(file, original, { mode: 0o600 });
  const logger = memoryLogger();
  const a = new Inbox({ file, logger, compactAfter: 0 });
  assert.deepEqual(a.pending().map((m) => m.id), ['m1']);
  const aside = fs.readdirSync(dir).filter((f) => f.startsWith('inbox.jsonl.unreadable-'));
  assert.equal(aside.length, 1);
  assert.equal(fs.readFileSync(path.join(dir, aside[0]!), 'utf8'), original);
  assert.equal((fs.statSync(path.join(dir, aside[0]!)).mode & 0o777).toString(8), '600');
  assert.ok(logger.lines.some((l) => l.includes('unreadable') && l.includes(aside[0]!)), 'the warning names the copy');
  a.close();
});

test('a journal that cannot be read stops start-up with an error naming the file', { skip: process.getuid?.() === 0 ? 'root reads any file' : false }, () => {
  const file = path.join(tempDir(), 'inbox.jsonl');
  fs.writeFileSync(file, '', { mode: 0o000 });
  assert.throws(() => new Inbox({ file, logger: silentLogger }), (err: Error) => err.message.includes(file));
});
