// The notifications the engine keeps across restarts (key `notifications` of its state): saved in one write after a
// burst, read back by a new center on the same store, bounded in number and age, and a stored value this build
// cannot read is never overwritten or dropped. A memory store and a manual clock: the file store's own durability is
// tested in tests/unit/cli/json-file-store.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Notifier, Store } from '../../../src/engine/ports.ts';
import type { NotificationModel } from '../../../src/engine/notification.ts';
import { MAX_KEPT_AGE_MS, MAX_KEPT_NOTIFICATIONS, NotificationCenter } from '../../../src/engine/notification-center.ts';
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

function center(store: Store, clock: ManualClock, screen = new Screen()) {
  const logger = memoryLogger();
  const c = new NotificationCenter(screen, clock, () => {}, { store, logger });
  c.load();
  return { c, screen, logger };
}

test('a burst is saved in one write; a new center on the same store has the notifications, data included; a click or dismissal is saved too', () => {
  const store = memoryStore();
  const clock = new ManualClock();
  const { c } = center(store, clock);
  const first = c.show({ title: 'one', data: { __pushAgentData: 'k1' } }, META);
  const second = c.show({ title: 'two', body: 'b' }, META);
  assert.equal(store.writes, 0, 'not on the display path');
  clock.advance(200);
  assert.equal(store.writes, 1);
  const after = center(store, clock).c;
  assert.deepEqual(after.list(META.origin).map((n) => [n.id, n.title, n.data]), [[first.id, 'one', { __pushAgentData: 'k1' }], [second.id, 'two', undefined]]);
  assert.equal(after.activate(first.id, '', undefined, true).kind, 'worker-click');
  after.dismissed(second.id);
  after.flush();
  assert.deepEqual(center(store, clock).c.list(META.origin), []);
});

test(`at most ${MAX_KEPT_NOTIFICATIONS} are kept (the oldest closed on screen first), none older than ${MAX_KEPT_AGE_MS / 86_400_000} days`, () => {
  const store = memoryStore();
  const clock = new ManualClock();
  const { c, screen } = center(store, clock);
  const old = c.show({ title: 'old' }, { ...META, origin: 'https://old.example' });
  clock.advance(MAX_KEPT_AGE_MS - 1000);
  c.flush();
  // Read back a second later: the old one is past the age and is not loaded.
  clock.advance(2000);
  assert.deepEqual(center(store, clock).c.list('https://old.example'), []);
  for (let i = 0; i < MAX_KEPT_NOTIFICATIONS + 5; i++) c.show({ title: `n${i}` }, { ...META, origin: `https://o${i % 3}.example` });
  c.flush();
  const kept = store.data.get('notifications') as NotificationModel[];
  assert.equal(kept.length, MAX_KEPT_NOTIFICATIONS);
  assert.ok(!kept.some((n) => n.id === old.id));
  assert.equal(kept[0]!.title, 'n5');
  const firstFive = screen.shown.filter((n) => /^n[0-4]$/.test(n.title)).map((n) => n.id);
  assert.deepEqual(screen.closed, firstFive, 'the oldest closed on screen; the aged one only forgotten');
});

test('a notification shown outside a push event keeps its worker across a restart; one whose worker does not read is kept as it is, never routed', () => {
  const store = memoryStore();
  const clock = new ManualClock();
  const worker = { scope: 'https://a.example/app/', scriptURL: 'https://a.example/app/sw.js' };
  const { c } = center(store, clock);
  const shown = c.show({ title: 'outside' }, { subscriptionId: '', origin: META.origin, source: 'worker', worker });
  c.flush();
  const bad = { ...shown, id: 'bad-worker', worker: { scope: 7 } };
  store.data.set('notifications', [...(store.data.get('notifications') as unknown[]), bad]);
  const after = center(store, clock).c;
  assert.deepEqual(after.get(shown.id)?.worker, worker);
  assert.equal(after.get('bad-worker'), undefined);
  after.flush();
  assert.deepEqual((store.data.get('notifications') as unknown[]).find((n) => (n as { id: string }).id === 'bad-worker'), bad);
});

test('a stored value this build cannot read is never overwritten: a bad entry is written back as it is, a non-list is moved aside', () => {
  const store = memoryStore();
  const clock = new ManualClock();
  const bad = { id: 42, title: null };
  store.data.set('notifications', [bad]);
  const { c, logger } = center(store, clock);
  c.show({ title: 'new' }, META);
  c.flush();
  const kept = store.data.get('notifications') as unknown[];
  assert.deepEqual(kept[0], bad);
  assert.equal((kept[1] as NotificationModel).title, 'new');
  assert.ok(logger.lines.some((l) => /not readable/.test(l)));

  const other = memoryStore();
  other.data.set('notifications', { not: 'a list' });
  const moved = center(other, clock);
  assert.deepEqual(other.data.get('notificationsUnreadable'), { not: 'a list' });
  moved.c.show({ title: 'kept' }, META);
  moved.c.flush();
  assert.equal((other.data.get('notifications') as NotificationModel[])[0]!.title, 'kept');
  // A second unreadable value while the place aside is taken: left where it is, nothing written over it.
  other.data.set('notifications', 'garbage');
  const stuck = center(other, clock);
  stuck.c.show({ title: 'memory only' }, META);
  stuck.c.flush();
  assert.equal(other.data.get('notifications'), 'garbage');
  assert.deepEqual(other.data.get('notificationsUnreadable'), { not: 'a list' });
});
