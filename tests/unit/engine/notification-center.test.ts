// The notifications the engine keeps across restarts (key `notifications` of its state): saved in one write after a
// burst, read back by a new center on the same store, bounded in number and age, and a stored value this build
// cannot read is never overwritten or dropped, and the list (titles and bodies are message plaintext) is sealed. A
// memory store, a manual clock and an AES-GCM SecretBox on a random key (the product's boxes, the key file and
// Electron's safeStorage, are tested in their own files): the file store's own durability is tested in
// tests/unit/cli/json-file-store.test.ts.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SecretsUnavailableError, type Notifier, type SecretBox, type Store } from '../../../src/engine/ports.ts';
import type { NotificationModel } from '../../../src/engine/notification.ts';
import {
  MAX_KEPT_AGE_MS,
  MAX_KEPT_NOTIFICATIONS,
  NotificationCenter,
} from '../../../src/engine/notification-center.ts';
import { memoryLogger } from '../../support/engine-harness.ts';
import { ManualClock } from '../../support/manual-clock.ts';

function memoryStore(): Store & { data: Map<string, unknown>; writes: number } {
  const data = new Map<string, unknown>();
  const s = {
    data,
    writes: 0,
    get: (k: string) => data.get(k),
    set: (k: string, v: unknown) => {
      s.writes++;
      data.set(k, JSON.parse(JSON.stringify(v)));
    },
    delete: (k: string) => void data.delete(k),
  };
  return s;
}

/** AES-256-GCM on a key made for the test; `locked` makes it reject as a locked keyring does. */
function testBox(key = randomBytes(32)): SecretBox & { locked: boolean } {
  return {
    backend: 'test',
    strong: true,
    locked: false,
    async seal(plain) {
      if (this.locked) throw new SecretsUnavailableError('locked');
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([c.update(plain), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]).toString('base64');
    },
    async open(sealed) {
      if (this.locked) throw new SecretsUnavailableError('locked');
      const b = Buffer.from(sealed, 'base64');
      const d = createDecipheriv('aes-256-gcm', key, b.subarray(0, 12));
      d.setAuthTag(b.subarray(12, 28));
      return Buffer.concat([d.update(b.subarray(28)), d.final()]);
    },
  };
}

class Screen implements Notifier {
  shown: NotificationModel[] = [];
  closed: string[] = [];
  show(n: NotificationModel): void {
    this.shown.push(n);
  }
  close(id: string): void {
    this.closed.push(id);
  }
}

const META = { subscriptionId: 'sub-1', origin: 'https://a.example', source: 'worker' as const };

async function center(store: Store, clock: ManualClock, secrets: SecretBox = sharedBox, screen = new Screen()) {
  const logger = memoryLogger();
  const c = new NotificationCenter(screen, clock, () => {}, { store, logger, secrets });
  await c.load();
  return { c, screen, logger };
}
const sharedBox = testBox();

/** What the store holds under `notifications`, opened. */
async function keptList(store: Store & { data: Map<string, unknown> }): Promise<unknown[]> {
  const v = store.data.get('notifications') as { sealed: string };
  return JSON.parse(Buffer.from(await sharedBox.open(v.sealed)).toString('utf8'));
}

/** Lets the save the timer started finish (sealing is asynchronous). */
const settle = () => new Promise((r) => setImmediate(r));

test('a burst is saved in one write; a new center on the same store has the notifications, data included; a click or dismissal is saved too', async () => {
  const store = memoryStore();
  const clock = new ManualClock();
  const { c } = await center(store, clock);
  const first = c.show({ title: 'one', data: { __pushAgentData: 'k1' } }, META);
  const second = c.show({ title: 'two', body: 'b' }, META);
  assert.equal(store.writes, 0, 'not on the display path');
  clock.advance(1_000);
  await settle();
  assert.equal(store.writes, 1);
  assert.ok(!JSON.stringify(store.data.get('notifications')).includes('two'), 'titles are sealed, not in the clear');
  const after = (await center(store, clock)).c;
  assert.deepEqual(
    after.list(META.origin).map((n) => [n.id, n.title, n.data]),
    [
      [first.id, 'one', { __pushAgentData: 'k1' }],
      [second.id, 'two', undefined],
    ],
  );
  assert.equal(after.activate(first.id, '', undefined, true).kind, 'worker-click');
  after.dismissed(second.id);
  await after.flush();
  assert.deepEqual((await center(store, clock)).c.list(META.origin), []);
});

test(`at most ${MAX_KEPT_NOTIFICATIONS} are kept (the oldest closed on screen first), none older than ${MAX_KEPT_AGE_MS / 86_400_000} days`, async () => {
  const store = memoryStore();
  const clock = new ManualClock();
  const { c, screen } = await center(store, clock);
  const old = c.show({ title: 'old' }, { ...META, origin: 'https://old.example' });
  clock.advance(MAX_KEPT_AGE_MS - 1000);
  await c.flush();
  // Read back a second later: the old one is past the age and is not loaded.
  clock.advance(2000);
  assert.deepEqual((await center(store, clock)).c.list('https://old.example'), []);
  for (let i = 0; i < MAX_KEPT_NOTIFICATIONS + 5; i++)
    c.show({ title: `n${i}` }, { ...META, origin: `https://o${i % 3}.example` });
  await c.flush();
  const kept = (await keptList(store)) as NotificationModel[];
  assert.equal(kept.length, MAX_KEPT_NOTIFICATIONS);
  assert.ok(!kept.some((n) => n.id === old.id));
  assert.equal(kept[0]!.title, 'n5');
  const firstFive = screen.shown.filter((n) => /^n[0-4]$/.test(n.title)).map((n) => n.id);
  assert.deepEqual(screen.closed, firstFive, 'the oldest closed on screen; the aged one only forgotten');
});

test('a notification shown outside a push event keeps its worker across a restart; one whose worker does not read is kept as it is, never routed', async () => {
  const store = memoryStore();
  const clock = new ManualClock();
  const worker = { scope: 'https://a.example/app/', scriptURL: 'https://a.example/app/sw.js' };
  const { c } = await center(store, clock);
  const shown = c.show({ title: 'outside' }, { subscriptionId: '', origin: META.origin, source: 'worker', worker });
  await c.flush();
  const bad = { ...shown, id: 'bad-worker', worker: { scope: 7 } };
  const list = [...(await keptList(store)), bad];
  store.data.set('notifications', { sealed: await sharedBox.seal(new TextEncoder().encode(JSON.stringify(list))) });
  const after = (await center(store, clock)).c;
  assert.deepEqual(after.get(shown.id)?.worker, worker);
  assert.equal(after.get('bad-worker'), undefined);
  await after.flush();
  assert.deepEqual(
    (await keptList(store)).find((n) => (n as { id: string }).id === 'bad-worker'),
    bad,
  );
});

test('a stored value this build cannot read is never overwritten: a bad entry is written back as it is, an unsealed value is moved aside, one that does not open is left', async () => {
  const store = memoryStore();
  const clock = new ManualClock();
  const bad = { id: 42, title: null };
  store.data.set('notifications', { sealed: await sharedBox.seal(new TextEncoder().encode(JSON.stringify([bad]))) });
  const { c, logger } = await center(store, clock);
  c.show({ title: 'new' }, META);
  await c.flush();
  const kept = await keptList(store);
  assert.deepEqual(kept[0], bad);
  assert.equal((kept[1] as NotificationModel).title, 'new');
  assert.ok(logger.lines.some((l) => /not readable/.test(l)));

  const other = memoryStore();
  other.data.set('notifications', { not: 'a list' });
  const moved = await center(other, clock);
  assert.deepEqual(other.data.get('notificationsUnreadable'), { not: 'a list' });
  moved.c.show({ title: 'kept' }, META);
  await moved.c.flush();
  assert.equal(((await keptList(other)) as NotificationModel[])[0]!.title, 'kept');
  // A second value that is no sealed list while the place aside is taken: left where it is.
  other.data.set('notifications', 'garbage');
  const stuck = await center(other, clock);
  stuck.c.show({ title: 'memory only' }, META);
  await stuck.c.flush();
  assert.equal(other.data.get('notifications'), 'garbage');
  assert.deepEqual(other.data.get('notificationsUnreadable'), { not: 'a list' });

  // Sealed with another key (the key file replaced; the right one may come back): left exactly as it is, nothing
  // moved aside, this run keeps its notifications in memory only.
  const third = memoryStore();
  const foreign = { sealed: await testBox().seal(new TextEncoder().encode('[]')) };
  third.data.set('notifications', foreign);
  const other3 = await center(third, clock);
  other3.c.show({ title: 'memory only' }, META);
  await other3.c.flush();
  assert.deepEqual(third.data.get('notifications'), foreign);
  assert.equal(third.data.get('notificationsUnreadable'), undefined);
});

test('while the key is locked the kept list stays as stored and nothing is written over it', async () => {
  const store = memoryStore();
  const clock = new ManualClock();
  const first = await center(store, clock);
  first.c.show({ title: 'before the lock' }, META);
  await first.c.flush();
  const stored = store.data.get('notifications');
  const locked = testBox();
  locked.locked = true;
  const during = await center(store, clock, locked);
  during.c.show({ title: 'while locked' }, META);
  await during.c.flush();
  assert.deepEqual(store.data.get('notifications'), stored);
  assert.ok(during.logger.lines.some((l) => /cannot be opened.*SecretsUnavailableError/.test(l)));
  assert.deepEqual(
    (await center(store, clock)).c.list(META.origin).map((n) => n.title),
    ['before the lock'],
  );
});
