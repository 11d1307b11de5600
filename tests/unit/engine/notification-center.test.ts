// The notifications the engine keeps across restarts (`notifications.json` in the data dir): saved in one write after
// a burst, read back by a new center on the same data dir, bounded in number and age, and a stored value this build
// cannot read is never overwritten or dropped, and the list (titles and bodies are message plaintext) is sealed. A
// list an earlier version kept in the state document (key `notifications`) is taken over once, and a take-over cut
// short loses nothing and lists nothing twice. Real files in a temp dir (a real full disk on a tmpfs where mounting is
// allowed), a memory store for the state document (the file store's own durability is tested in
// tests/unit/cli/json-file-store.test.ts), a manual clock and an AES-GCM SecretBox on a random key (the product's
// boxes, the key file and Electron's safeStorage, are tested in their own files).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { SecretsUnavailableError, type Notifier, type SecretBox, type Store } from '../../../src/engine/ports.ts';
import type { NotificationModel } from '../../../src/engine/notification.ts';
import {
  MAX_KEPT_AGE_MS,
  MAX_KEPT_NOTIFICATIONS,
  NotificationCenter,
} from '../../../src/engine/notification-center.ts';
import { KeptNotificationsFile } from '../../../src/engine/kept-notifications-file.ts';
import { memoryLogger, tempDir, waitFor } from '../../support/engine-harness.ts';
import { ManualClock } from '../../support/manual-clock.ts';
import { fillDisk, tmpfsForTest } from '../../support/tmpfs.ts';

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

/** A state document in memory and a data dir on disk, as one engine has them. */
const dirs: string[] = [];
after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
function storage(dir = tempDir()): Store & { data: Map<string, unknown>; writes: number; dir: string; file: string } {
  dirs.push(dir);
  return Object.assign(memoryStore(), { dir, file: path.join(dir, 'notifications.json') });
}
type Storage = ReturnType<typeof storage>;

/** The real file, counting its writes. */
class CountingFile extends KeptNotificationsFile {
  writes = 0;
  last: Promise<void> = Promise.resolve();
  override write(sealed: string): Promise<void> {
    this.writes++;
    this.last = super.write(sealed);
    return this.last;
  }
}

async function center(store: Storage, clock: ManualClock, secrets: SecretBox = sharedBox, screen = new Screen()) {
  const logger = memoryLogger();
  const file = new CountingFile({ dataDir: store.dir, store, logger });
  const c = new NotificationCenter(screen, clock, () => {}, { file, logger, secrets });
  await c.load();
  return { c, screen, logger, file };
}
const sharedBox = testBox();

const sealList = async (list: unknown[], box: SecretBox = sharedBox) =>
  box.seal(new TextEncoder().encode(JSON.stringify(list)));

/** What the data dir holds in `notifications.json`, opened. */
async function keptList(store: Storage): Promise<unknown[]> {
  const v = JSON.parse(fs.readFileSync(store.file, 'utf8')) as { sealed: string };
  return JSON.parse(Buffer.from(await sharedBox.open(v.sealed)).toString('utf8'));
}

async function writeKept(store: Storage, list: unknown[]): Promise<void> {
  fs.writeFileSync(store.file, JSON.stringify({ version: 1, sealed: await sealList(list) }), { mode: 0o600 });
}

const asideFiles = (store: Storage) =>
  fs.readdirSync(store.dir).filter((f) => f.startsWith('notifications.json.unreadable-'));

test('a burst is saved in one write of its own file, never of the state document; a new center on the same data dir has the notifications, data included; a click or dismissal is saved too', async () => {
  const store = storage();
  const clock = new ManualClock();
  const { c, file } = await center(store, clock);
  const first = c.show({ title: 'one', data: { __pushAgentData: 'k1' } }, META);
  const second = c.show({ title: 'two', body: 'b' }, META);
  assert.equal(file.writes, 0, 'not on the display path');
  clock.advance(1_000);
  await waitFor('the save the timer started', () => file.writes > 0);
  await file.last;
  assert.equal(file.writes, 1);
  assert.equal(store.writes, 0, 'the state document is not written');
  assert.equal(fs.statSync(store.file).mode & 0o777, 0o600);
  assert.ok(!fs.readFileSync(store.file, 'utf8').includes('two'), 'titles are sealed, not in the clear');
  assert.deepEqual(fs.readdirSync(store.dir), ['notifications.json'], 'no temp file left');
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
  const store = storage();
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
  const store = storage();
  const clock = new ManualClock();
  const worker = { scope: 'https://a.example/app/', scriptURL: 'https://a.example/app/sw.js' };
  const { c } = await center(store, clock);
  const shown = c.show({ title: 'outside' }, { subscriptionId: '', origin: META.origin, source: 'worker', worker });
  await c.flush();
  const bad = { ...shown, id: 'bad-worker', worker: { scope: 7 } };
  await writeKept(store, [...(await keptList(store)), bad]);
  const after = (await center(store, clock)).c;
  assert.deepEqual(after.get(shown.id)?.worker, worker);
  assert.equal(after.get('bad-worker'), undefined);
  await after.flush();
  assert.deepEqual(
    (await keptList(store)).find((n) => (n as { id: string }).id === 'bad-worker'),
    bad,
  );
});

test('a stored value this build cannot read is never overwritten: a bad entry is written back as it is, a file that is no sealed list is moved aside, one that does not open is left', async () => {
  const store = storage();
  const clock = new ManualClock();
  const bad = { id: 42, title: null };
  await writeKept(store, [bad]);
  const { c, logger } = await center(store, clock);
  c.show({ title: 'new' }, META);
  await c.flush();
  const kept = await keptList(store);
  assert.deepEqual(kept[0], bad);
  assert.equal((kept[1] as NotificationModel).title, 'new');
  assert.ok(logger.lines.some((l) => /not readable/.test(l)));

  // Not a list this build wrote (torn, edited, another program's): moved aside byte for byte, and the next one too.
  const other = storage();
  for (const garbage of ['{"not": "a list"', '{"version":1,"sealed":7}']) {
    fs.writeFileSync(other.file, garbage);
    const moved = await center(other, clock);
    moved.c.show({ title: 'kept' }, META);
    await moved.c.flush();
    assert.equal(((await keptList(other)) as NotificationModel[])[0]!.title, 'kept');
    assert.ok(moved.logger.lines.some((l) => /unreadable; moved aside/.test(l)));
  }
  assert.deepEqual(
    asideFiles(other)
      .map((f) => fs.readFileSync(path.join(other.dir, f), 'utf8'))
      .sort(),
    ['{"not": "a list"', '{"version":1,"sealed":7}'],
  );

  // Sealed with another key (the key file replaced; the right one may come back): left exactly as it is, nothing
  // moved aside, this run keeps its notifications in memory only.
  const third = storage();
  const foreign = JSON.stringify({ version: 1, sealed: await sealList([], testBox()) });
  fs.writeFileSync(third.file, foreign);
  const other3 = await center(third, clock);
  other3.c.show({ title: 'memory only' }, META);
  await other3.c.flush();
  assert.equal(fs.readFileSync(third.file, 'utf8'), foreign);
  assert.deepEqual(asideFiles(third), []);
  assert.equal(other3.file.writes, 0);

  // Written by a newer version, or not readable at all (here a directory in its place): left, memory only.
  const fourth = storage();
  const newer = JSON.stringify({ version: 2, sealed: await sealList([]) });
  fs.writeFileSync(fourth.file, newer);
  const newerRun = await center(fourth, clock);
  newerRun.c.show({ title: 'memory only' }, META);
  await newerRun.c.flush();
  assert.equal(fs.readFileSync(fourth.file, 'utf8'), newer);
  const fifth = storage();
  fs.mkdirSync(fifth.file);
  const dirRun = await center(fifth, clock);
  dirRun.c.show({ title: 'memory only' }, META);
  await dirRun.c.flush();
  assert.ok(fs.statSync(fifth.file).isDirectory());
  assert.deepEqual([newerRun.file.writes, dirRun.file.writes], [0, 0]);
  assert.ok(dirRun.logger.lines.some((l) => /cannot be read.*EISDIR/.test(l)));
});

test('while the key is locked the kept list stays as stored and nothing is written over it', async () => {
  const store = storage();
  const clock = new ManualClock();
  const first = await center(store, clock);
  first.c.show({ title: 'before the lock' }, META);
  await first.c.flush();
  const stored = fs.readFileSync(store.file, 'utf8');
  const locked = testBox();
  locked.locked = true;
  const during = await center(store, clock, locked);
  during.c.show({ title: 'while locked' }, META);
  await during.c.flush();
  assert.equal(fs.readFileSync(store.file, 'utf8'), stored);
  assert.ok(during.logger.lines.some((l) => /cannot be opened.*SecretsUnavailableError/.test(l)));
  assert.deepEqual(
    (await center(store, clock)).c.list(META.origin).map((n) => n.title),
    ['before the lock'],
  );
});

/** A state document as the previous version left it: the sealed list under `notifications`. */
async function previousVersion(list: NotificationModel[], box: SecretBox = sharedBox): Promise<Storage> {
  const store = storage();
  store.data.set('subscriptions', {});
  store.data.set('notifications', { sealed: await sealList(list, box) });
  store.writes = 0;
  return store;
}
const model = (id: string, title: string, shownAt: number): NotificationModel => ({
  id,
  title,
  subscriptionId: 'sub-1',
  origin: META.origin,
  source: 'worker',
  shownAt,
});

test('the list the previous version kept in the state document moves to its own file once: the key goes only after the file is written', async () => {
  const clock = new ManualClock();
  const list = [model('a', 'first', clock.now()), model('b', 'second', clock.now())];
  const store = await previousVersion(list);
  const sealedBefore = (store.data.get('notifications') as { sealed: string }).sealed;
  store.data.set('notificationsUnreadable', { kept: 'aside by the previous version' });
  const deletes: string[] = [];
  const inner = store.delete;
  store.delete = (k) => {
    assert.ok(fs.existsSync(store.file) || k === 'notificationsUnreadable', 'the file is written before the key goes');
    deletes.push(k);
    inner(k);
  };
  const { c, logger } = await center(store, clock);
  assert.deepEqual(
    c.list(META.origin).map((n) => n.title),
    ['first', 'second'],
  );
  assert.deepEqual(JSON.parse(fs.readFileSync(store.file, 'utf8')), { version: 1, sealed: sealedBefore });
  assert.deepEqual(deletes.sort(), ['notifications', 'notificationsUnreadable']);
  assert.equal(store.writes, 0);
  assert.deepEqual(
    asideFiles(store).map((f) => JSON.parse(fs.readFileSync(path.join(store.dir, f), 'utf8'))),
    [{ kept: 'aside by the previous version' }],
    'the value the previous version had moved aside is kept aside, as it is',
  );
  assert.ok(!logger.lines.some((l) => /first|second/.test(l)));
  // Taken over once: a new center reads the file, the state document is left alone.
  c.dismissed('a');
  await c.flush();
  const again = await center(store, clock);
  assert.deepEqual(
    again.c.list(META.origin).map((n) => n.title),
    ['second'],
  );
  assert.equal(store.writes, 0);
  assert.deepEqual(deletes.length, 2);

  // A previous version's value that was no sealed list goes aside too, never into the new file.
  const garbage = storage();
  garbage.data.set('notifications', 'garbage');
  const g = await center(garbage, clock);
  assert.equal(garbage.data.get('notifications'), undefined);
  assert.deepEqual(
    asideFiles(garbage).map((f) => fs.readFileSync(path.join(garbage.dir, f), 'utf8')),
    ['"garbage"'],
  );
  assert.equal(fs.existsSync(garbage.file), false);
  assert.deepEqual(g.c.list(META.origin), []);
});

test('a take-over cut short loses nothing and lists nothing twice: killed before the rename, or before the key was removed', async () => {
  const clock = new ManualClock();
  const list = [model('a', 'first', clock.now()), model('b', 'second', clock.now())];

  // Killed while writing the file: a torn temp file, no notifications.json, the key still there.
  const torn = await previousVersion(list);
  fs.writeFileSync(`${torn.file}.tmp`, '{"version":1,"se');
  const t = await center(torn, clock);
  assert.deepEqual(
    t.c.list(META.origin).map((n) => n.id),
    ['a', 'b'],
  );
  assert.equal(torn.data.get('notifications'), undefined);
  assert.deepEqual(fs.readdirSync(torn.dir), ['notifications.json']);

  // Killed after the file was written, before the key was removed (the store's delete never happens).
  const store = await previousVersion(list);
  const inner = store.delete;
  store.delete = () => {
    throw Object.assign(new Error('killed'), { code: 'EKILLED' });
  };
  const first = await center(store, clock);
  assert.ok(first.logger.lines.some((l) => /keeps its old copy.*EKILLED/.test(l)));
  assert.ok(store.data.get('notifications') !== undefined, 'the key is still there');
  // That run goes on: one dismissed, one shown; saved to the file.
  first.c.dismissed('a');
  const shown = first.c.show({ title: 'third' }, META);
  await first.c.flush();
  store.delete = inner;
  const next = await center(store, clock);
  assert.deepEqual(
    next.c.list(META.origin).map((n) => n.id),
    ['b', shown.id],
    'the file wins: nothing twice, the dismissed one does not come back',
  );
  assert.equal(store.data.get('notifications'), undefined, 'the leftover key is removed');
});

test('a take-over while the key is locked moves the sealed list as it is; it opens once the key does', async () => {
  const clock = new ManualClock();
  const store = await previousVersion([model('a', 'first', clock.now())]);
  const sealed = (store.data.get('notifications') as { sealed: string }).sealed;
  const locked = testBox();
  locked.locked = true;
  const during = await center(store, clock, locked);
  during.c.show({ title: 'while locked' }, META);
  await during.c.flush();
  assert.deepEqual(JSON.parse(fs.readFileSync(store.file, 'utf8')), { version: 1, sealed }, 'moved, not rewritten');
  assert.equal(store.data.get('notifications'), undefined);
  assert.deepEqual(
    (await center(store, clock)).c.list(META.origin).map((n) => n.title),
    ['first'],
  );
});

test('a full disk: a save that does not fit leaves the file as it was and no temp file; a take-over that does not fit leaves the key', async (t) => {
  const mnt = tmpfsForTest(t, '64k');
  if (!mnt) return;
  const clock = new ManualClock();
  const a = path.join(mnt, 'a');
  const b = path.join(mnt, 'b');
  fs.mkdirSync(a);
  fs.mkdirSync(b);
  const store = storage(a);
  const { c, logger } = await center(store, clock);
  c.show({ title: 'fits' }, META);
  await c.flush();
  const before = fs.readFileSync(store.file, 'utf8');
  const migrating = storage(b);
  migrating.data.set(
    'notifications',
    (await previousVersion([model('a', 'first', clock.now())])).data.get('notifications'),
  );

  const filler = fillDisk(mnt);
  c.show({ title: 'does not fit', body: 'x'.repeat(3000) }, META);
  await c.flush();
  assert.equal(fs.readFileSync(store.file, 'utf8'), before);
  assert.deepEqual(fs.readdirSync(a), ['notifications.json'], 'no temp file left');
  assert.ok(logger.lines.some((l) => /not saved.*ENOSPC/.test(l)));
  assert.ok(!logger.lines.some((l) => l.includes('xxxx')));

  // The previous version's list, on a full disk: the key stays (nothing lost), this run still lists them.
  const m = await center(migrating, clock);
  assert.deepEqual(
    m.c.list(META.origin).map((n) => n.id),
    ['a'],
  );
  assert.ok(migrating.data.get('notifications') !== undefined, 'the key stays while the file cannot be written');
  assert.ok(m.logger.lines.some((l) => /not moved to their own file.*ENOSPC/.test(l)));
  assert.deepEqual(fs.readdirSync(b), []);
  fs.rmSync(filler);
  const later = await center(migrating, clock);
  assert.deepEqual(
    later.c.list(META.origin).map((n) => n.id),
    ['a'],
  );
  assert.equal(migrating.data.get('notifications'), undefined);
});

test('a center that has not loaded saves nothing: it would drop what the file holds', async () => {
  const store = storage();
  const clock = new ManualClock();
  await writeKept(store, [model('a', 'kept', clock.now())]);
  const before = fs.readFileSync(store.file, 'utf8');
  const logger = memoryLogger();
  const file = new CountingFile({ dataDir: store.dir, store, logger });
  const c = new NotificationCenter(new Screen(), clock, () => {}, { file, logger, secrets: sharedBox });
  c.show({ title: 'before load' }, META);
  clock.advance(1_000);
  await c.flush();
  assert.equal(file.writes, 0);
  assert.equal(fs.readFileSync(store.file, 'utf8'), before);
});
