// The headless command's Store: one JSON document on real disk, atomic rewrites, nothing it cannot read rewritten.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { openJsonFileStore, stateFile } from '../../../src/cli/json-file-store.ts';
import { StateError } from '../../../src/engine/state-schema.ts';
import { tempDir } from '../../support/engine-harness.ts';
import { tmpfsForTest } from '../../support/tmpfs.ts';

test('values survive a reopen; the file is 0600 plain JSON', () => {
  const dir = tempDir();
  const store = openJsonFileStore(dir);
  assert.equal(store.get('uaid'), undefined);
  store.set('uaid', 'abc');
  store.set('subscriptions', { a: { id: 'a', n: 1 } });
  store.set('gone', 1);
  store.delete('gone');
  const again = openJsonFileStore(dir);
  assert.equal(again.get('uaid'), 'abc');
  assert.deepEqual(again.get('subscriptions'), { a: { id: 'a', n: 1 } });
  assert.equal(again.get('gone'), undefined);
  assert.deepEqual(JSON.parse(fs.readFileSync(stateFile(dir), 'utf8')), {
    uaid: 'abc',
    subscriptions: { a: { id: 'a', n: 1 } },
  });
  assert.equal(fs.statSync(stateFile(dir)).mode & 0o777, 0o600);
  assert.deepEqual(fs.readdirSync(dir), ['state.json'], 'no temp file left behind');
});

test('get returns the held value, frozen all through: mutating it throws and changes nothing stored', () => {
  const dir = tempDir();
  fs.writeFileSync(stateFile(dir), JSON.stringify({ subscriptions: { a: { label: 'x', tags: ['t'] } } }));
  for (const store of [openJsonFileStore(dir), openJsonFileStore(tempDir())]) {
    if (store.get('subscriptions') === undefined) store.set('subscriptions', { a: { label: 'x', tags: ['t'] } });
    const got = store.get('subscriptions') as Record<string, { label: string; tags: string[] }>;
    assert.equal(store.get('subscriptions'), got, 'the same value, not a copy per get');
    assert.throws(() => {
      got.a!.label = 'mutated';
    }, TypeError);
    assert.throws(() => got.a!.tags.push('u'), TypeError);
    assert.throws(() => {
      (got as Record<string, unknown>).b = 1;
    }, TypeError);
    assert.deepEqual(store.get('subscriptions'), { a: { label: 'x', tags: ['t'] } });
  }
});

test('a value set frozen is held as it is, and the frozen parts of a value are shared, not copied', () => {
  const dir = tempDir();
  const store = openJsonFileStore(dir);
  const record = Object.freeze({ id: 'a', paused: Object.freeze({ since: 1 }), tags: Object.freeze(['t']) });
  const whole = Object.freeze({ a: record });
  store.set('subscriptions', whole);
  assert.equal(store.get('subscriptions'), whole);
  store.set('subscriptions', { a: record, b: { id: 'b' } });
  const got = store.get('subscriptions') as Record<string, unknown>;
  assert.equal(got.a, record, 'the frozen record is shared');
  assert.ok(Object.isFrozen(got) && Object.isFrozen(got.b), 'the rest is a frozen copy');
  assert.deepEqual(openJsonFileStore(dir).get('subscriptions'), { a: record, b: { id: 'b' } });
});

test('a frozen value that JSON would change is copied as JSON gives it back, not held as it is', () => {
  const dir = tempDir();
  const store = openJsonFileStore(dir);
  let reads = 0;
  const odd = {
    getter: Object.freeze(Object.defineProperty({}, 'n', { enumerable: true, get: () => ++reads && 1 })),
    hidden: Object.freeze(Object.defineProperty({ shown: 1 }, 'unseen', { enumerable: false, value: 2 })),
    symbol: Object.freeze({ [Symbol('s')]: 1, n: 1 }),
    holes: Object.freeze([1, , 3]),
    extra: Object.freeze(Object.assign([1], { extra: 2 })),
    minusZero: Object.freeze({ z: -0 }),
    skipped: Object.freeze({ u: undefined, f: () => 1, kept: 1 }),
    date: Object.freeze({ when: new Date(0) }),
    bare: Object.freeze(Object.assign(Object.create(null) as object, { n: 1 })),
  };
  store.set('v', Object.freeze(odd));
  const got = store.get('v') as Record<string, Record<string, unknown>>;
  const expected = JSON.parse(JSON.stringify(odd)) as Record<string, unknown>;
  for (const key of Object.keys(odd)) {
    assert.notEqual(got[key], odd[key as keyof typeof odd], `${key} is copied`);
    assert.deepEqual(got[key], expected[key], key);
  }
  assert.equal(Object.is(got.minusZero!.z, 0), true, '-0 is held as the 0 the file holds');
  const readsAtSet = reads;
  assert.equal(got.getter!.n, 1);
  assert.equal(reads, readsAtSet, 'what the getter gave is held, not the getter');
  assert.deepEqual(openJsonFileStore(dir).get('v'), expected);
});

test('set keeps a copy: mutating the object after set changes neither get nor the next write', () => {
  const dir = tempDir();
  const store = openJsonFileStore(dir);
  const value = { a: { label: 'x', tags: ['t'] } };
  store.set('subscriptions', value);
  value.a.label = 'mutated';
  value.a.tags.push('u');
  store.set('uaid', 'abc'); // rewrites the whole document
  assert.deepEqual(store.get('subscriptions'), { a: { label: 'x', tags: ['t'] } });
  assert.deepEqual(openJsonFileStore(dir).get('subscriptions'), { a: { label: 'x', tags: ['t'] } });
});

test('get gives back what the file would: a JSON round trip of the value set', () => {
  const dir = tempDir();
  const store = openJsonFileStore(dir);
  const value = {
    kept: 'é ✓ \u2028',
    gone: undefined,
    fn: () => 1,
    when: new Date(0),
    nan: Number.NaN,
    list: [undefined, () => 1, Number.POSITIVE_INFINITY, { x: 1, y: undefined }],
    bytes: Buffer.from([1, 2]),
    custom: { toJSON: () => 'custom' },
    bare: Object.assign(Object.create(null) as object, { n: 1 }),
    nested: [[1, [2]], { deep: { deeper: null } }],
  };
  const expected: unknown = JSON.parse(JSON.stringify(value));
  store.set('v', value);
  assert.deepEqual(store.get('v'), expected);
  assert.deepEqual(openJsonFileStore(dir).get('v'), expected);
  const inode = fs.statSync(stateFile(dir)).ino;
  store.set('v', expected);
  assert.equal(fs.statSync(stateFile(dir)).ino, inode, 'the same JSON: not rewritten');
});

test('setting a value it already holds does not rewrite the file', () => {
  const dir = tempDir();
  const store = openJsonFileStore(dir);
  store.set('uaid', 'abc');
  const inode = fs.statSync(stateFile(dir)).ino;
  store.set('uaid', 'abc');
  assert.equal(fs.statSync(stateFile(dir)).ino, inode, 'same file: not replaced');
  store.set('uaid', 'def');
  assert.notEqual(fs.statSync(stateFile(dir)).ino, inode, 'a change replaces it');
});

test('a value that is not JSON is refused with a TypeError and nothing changes', () => {
  const dir = tempDir();
  const store = openJsonFileStore(dir);
  store.set('k', 1);
  assert.throws(() => store.set('k', undefined), TypeError);
  assert.throws(() => store.set('k', () => 1), TypeError);
  assert.equal(openJsonFileStore(dir).get('k'), 1);
});

test('a state file that is not a JSON object is refused with a StateError and left as it is', () => {
  for (const text of ['{"uaid": "abc", "subs', '[1,2]', 'null']) {
    const dir = tempDir();
    fs.writeFileSync(stateFile(dir), text);
    assert.throws(
      () => openJsonFileStore(dir),
      (err: unknown) => err instanceof StateError && err.kind === 'corrupt',
    );
    assert.equal(fs.readFileSync(stateFile(dir), 'utf8'), text);
  }
});

test('the state is read whole: multi-byte text across 64 KiB boundaries, at and around them', () => {
  // The file is read into 64 KiB pages of memory: sizes at a page's end and one past it, and characters cut by it.
  for (const size of [65_534, 65_535, 65_536, 65_537, 131_072]) {
    const dir = tempDir();
    const head = '{"k":"';
    const tail = '"}';
    const chunk = 'é✓😀a'; // 2 + 3 + 4 + 1 bytes
    const room = size - head.length - tail.length;
    const body = chunk.repeat(Math.floor(room / 10)) + 'b'.repeat(room % 10);
    const text = head + body + tail;
    assert.equal(Buffer.byteLength(text), size);
    fs.writeFileSync(stateFile(dir), text);
    assert.equal(openJsonFileStore(dir).get('k'), body);
  }
});

test('a state file that starts with a byte-order mark, or is empty, is refused and left as it is', () => {
  for (const bytes of [Buffer.from('\ufeff{"uaid":"abc"}'), Buffer.alloc(0)]) {
    const dir = tempDir();
    fs.writeFileSync(stateFile(dir), bytes);
    assert.throws(
      () => openJsonFileStore(dir),
      (err: unknown) => err instanceof StateError && err.kind === 'corrupt',
    );
    assert.deepEqual(fs.readFileSync(stateFile(dir)), bytes);
  }
});

test('a write that fails on a full disk throws, and the file and memory keep the old value', (t) => {
  // A real full disk: a 64 KiB tmpfs (needs root; skipped with the reason otherwise).
  const mnt = tmpfsForTest(t, '64k');
  if (!mnt) return;
  const dir = path.join(mnt, 'data');
  const store = openJsonFileStore(dir);
  store.set('uaid', 'abc');
  const before = fs.readFileSync(stateFile(dir), 'utf8');
  assert.throws(
    () => store.set('subscriptions', { big: 'x'.repeat(200 * 1024) }),
    (err: NodeJS.ErrnoException) => err.code === 'ENOSPC',
  );
  assert.equal(store.get('subscriptions'), undefined, 'memory rolled back');
  assert.equal(fs.readFileSync(stateFile(dir), 'utf8'), before, 'file untouched');
  assert.equal(openJsonFileStore(dir).get('uaid'), 'abc');
  assert.deepEqual(fs.readdirSync(dir), ['state.json'], 'the partial temp file is removed');
});

test('a value whose write failed is written when set again once there is room (not taken for unchanged)', (t) => {
  const mnt = tmpfsForTest(t, '256k');
  if (!mnt) return;
  const dir = path.join(mnt, 'data');
  const store = openJsonFileStore(dir);
  store.set('subscriptions', { big: '' });
  const filler = path.join(mnt, 'filler');
  fs.writeFileSync(filler, Buffer.alloc(200 * 1024));
  const value = { big: 'y'.repeat(100 * 1024) };
  assert.throws(
    () => store.set('subscriptions', value),
    (err: NodeJS.ErrnoException) => err.code === 'ENOSPC',
  );
  fs.rmSync(filler);
  store.set('subscriptions', value);
  assert.deepEqual(openJsonFileStore(dir).get('subscriptions'), value, 'on disk after the second set');
});
