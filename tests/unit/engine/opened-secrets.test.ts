// The registry's opened secrets, all in one buffer: what goes in comes out, copies stay valid, removal wipes.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { OpenedSecrets, SECRET_BYTES } from '../../../src/engine/opened-secrets.ts';

test('each id gives back its own secret, across growth, removal and reuse of slots', () => {
  const secrets = new OpenedSecrets();
  const held = new Map<string, Buffer>();
  for (let i = 0; i < 1000; i++) {
    const secret = randomBytes(SECRET_BYTES);
    secrets.set(`s${i}`, secret);
    held.set(`s${i}`, secret);
  }
  for (let i = 0; i < 1000; i += 3) {
    secrets.delete(`s${i}`);
    held.delete(`s${i}`);
  }
  for (let i = 1000; i < 1400; i++) {
    const secret = randomBytes(SECRET_BYTES);
    secrets.set(`s${i}`, secret);
    held.set(`s${i}`, secret);
  }
  const replaced = randomBytes(SECRET_BYTES);
  secrets.set('s1', replaced);
  held.set('s1', replaced);
  assert.equal(secrets.size, held.size);
  for (const [id, secret] of held) assert.deepEqual(secrets.get(id), secret, id);
  assert.equal(secrets.get('s0'), undefined, 'removed');
  assert.equal(secrets.get('never'), undefined);
});

test('get returns a copy: it stays the same when its slot is wiped and reused, and writing to it changes nothing', () => {
  const secrets = new OpenedSecrets();
  const a = randomBytes(SECRET_BYTES);
  secrets.set('a', a);
  const copy = secrets.get('a')!;
  copy.fill(0);
  assert.deepEqual(secrets.get('a'), a);
  const kept = secrets.get('a')!;
  secrets.delete('a');
  secrets.set('b', randomBytes(SECRET_BYTES)); // takes the freed slot
  assert.deepEqual(kept, a);
});

test('a secret of the wrong length is refused with a TypeError and nothing is stored', () => {
  const secrets = new OpenedSecrets();
  assert.throws(() => secrets.set('a', Buffer.alloc(47)), TypeError);
  assert.equal(secrets.get('a'), undefined);
  assert.equal(secrets.size, 0);
});

test('reserve makes room for that many more in one buffer: no growth while they are set, and nothing held is lost', () => {
  const secrets = new OpenedSecrets();
  const first = randomBytes(SECRET_BYTES);
  secrets.set('first', first);
  secrets.reserve(1000);
  const capacity = secrets.capacity;
  assert.ok(capacity >= 1001, `room for 1,001, not ${capacity}`);
  const held = new Map<string, Buffer>([['first', first]]);
  for (let i = 0; i < 1000; i++) {
    const secret = randomBytes(SECRET_BYTES);
    secrets.set(`s${i}`, secret);
    held.set(`s${i}`, secret);
    assert.equal(secrets.capacity, capacity, `still one buffer after ${i + 1}`);
  }
  for (const [id, secret] of held) assert.deepEqual(secrets.get(id), secret, id);
  secrets.reserve(0);
  assert.equal(secrets.capacity, capacity, 'room that is there is not made again');
  secrets.set('one more', randomBytes(SECRET_BYTES));
  assert.ok(secrets.capacity > capacity, 'past it, the buffer grows as before');
});
