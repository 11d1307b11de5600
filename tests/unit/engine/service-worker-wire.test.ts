// The script's notification calls, mapped once for both service-worker hosts (src/chromium-host and src/main). The
// client here is a plain WorkerClient (the engine's port), recording what it was asked.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_NOTIFICATIONS_PER_EVENT, serveNotificationCall } from '../../../src/engine/service-worker-wire.ts';
import type { WorkerClient } from '../../../src/engine/ports.ts';
import type { NotificationModel } from '../../../src/engine/notification.ts';

function client(refuse = new Set<string>()) {
  const shown: string[] = [];
  const closed: string[] = [];
  const c: WorkerClient = {
    showNotification: async (title) => {
      if (refuse.has(title)) throw new Error(`bad options\nsecond line`);
      shown.push(title);
    },
    getNotifications: (tag) => [{ id: 'n1', title: 'T', tag: tag ?? '', createdAt: 1 } as unknown as NotificationModel],
    openWindow: async () => true,
    getSubscription: () => null,
    closeNotification: (id) => closed.push(id),
  };
  return { c, shown, closed };
}

test('showNotification counts what an event showed and stops at the per-event cap', async () => {
  const { c, shown } = client();
  const event = { reserved: 0, shown: 0 };
  for (let i = 0; i < MAX_NOTIFICATIONS_PER_EVENT + 3; i++)
    assert.deepEqual(await serveNotificationCall(c, event, 'showNotification', [`n${i}`, {}]), { value: null });
  assert.equal(shown.length, MAX_NOTIFICATIONS_PER_EVENT);
  assert.deepEqual(event, { reserved: MAX_NOTIFICATIONS_PER_EVENT, shown: MAX_NOTIFICATIONS_PER_EVENT });
});

test('a refused notification rejects with a one-line TypeError and frees its place', async () => {
  const { c } = client(new Set(['bad']));
  const event = { reserved: 0, shown: 0 };
  await assert.rejects(
    serveNotificationCall(c, event, 'showNotification', ['bad', {}]),
    (err: Error) => err instanceof TypeError && err.message === 'bad options',
  );
  assert.deepEqual(event, { reserved: 0, shown: 0 });
});

test("getNotifications answers plain data; closeNotification closes by id; other methods are the host's", async () => {
  const { c, closed } = client();
  const event = { reserved: 0, shown: 0 };
  const got = await serveNotificationCall(c, event, 'getNotifications', ['news']);
  assert.deepEqual(got, { value: [{ id: 'n1', title: 'T', tag: 'news', createdAt: 1 }] });
  assert.deepEqual(await serveNotificationCall(c, event, 'closeNotification', ['n1']), { value: null });
  assert.deepEqual(await serveNotificationCall(c, event, 'closeNotification', [42]), { value: null });
  assert.deepEqual(closed, ['n1']);
  assert.equal(await serveNotificationCall(c, event, 'openWindow', ['https://example.com/']), null);
  assert.equal(await serveNotificationCall(c, event, 'focus', ['x']), null);
});
