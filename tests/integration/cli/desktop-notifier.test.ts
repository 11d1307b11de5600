// The headless command's desktop notifier (src/cli/desktop-notifier.ts) with the real gdbus, on a real private session
// bus where a notification server peer (support/notification-server.ts) records what it received: the arguments of
// Notify as the Desktop Notifications Specification types them, and CloseNotification with the id the server gave.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { desktopNotifier } from '../../../src/cli/desktop-notifier.ts';
import type { NotificationModel } from '../../../src/engine/notification.ts';
import { memoryLogger, waitFor } from '../../support/engine-harness.ts';
import { startNotificationServer, type NotificationServer } from '../../support/notification-server.ts';
import { privateBusForTest } from '../../support/private-bus.ts';

function model(over: Partial<NotificationModel>): NotificationModel {
  return {
    id: 'n1',
    subscriptionId: 's1',
    origin: 'https://example.test',
    source: 'payload',
    shownAt: 0,
    title: 'A title',
    body: 'A body',
    ...over,
  };
}

async function setUp(t: test.TestContext): Promise<{ server: NotificationServer; env: NodeJS.ProcessEnv } | null> {
  const bus = privateBusForTest(t);
  if (!bus) return null;
  const server = await startNotificationServer(bus.address);
  t.after(() => server.close());
  return { server, env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: bus.address } };
}

test('Notify receives the spec-typed arguments: default expiry, no hints, markup escaped', async (t) => {
  const s = await setUp(t);
  if (!s) return;
  const logger = memoryLogger();
  const notifier = desktopNotifier(logger, s.env);
  assert.ok(notifier);
  await notifier.show(model({ title: 'Sale "now"', body: 'a <b>bold</b> & \\ back\nslash' }));
  assert.deepEqual(s.server.received, [
    {
      id: 1,
      appName: 'Push Agent',
      replacesId: 0,
      appIcon: '',
      summary: 'Sale "now"',
      body: 'a &lt;b&gt;bold&lt;/b&gt; &amp; \\ back\nslash',
      actions: [],
      hints: {},
      // -1: the server's default expiry.
      expireTimeout: -1,
    },
  ]);
  assert.deepEqual(logger.lines, []);
});

test('silent asks for no sound; requireInteraction asks never to expire; text is capped on screen', async (t) => {
  const s = await setUp(t);
  if (!s) return;
  const notifier = desktopNotifier(memoryLogger(), s.env);
  assert.ok(notifier);
  await notifier.show(
    model({ silent: true, requireInteraction: true, title: 't'.repeat(300), body: 'b'.repeat(3000) }),
  );
  const [n] = s.server.received;
  assert.deepEqual(n?.hints, { 'suppress-sound': true });
  assert.equal(n?.expireTimeout, 0);
  assert.equal(n?.summary, 't'.repeat(256));
  assert.equal(n?.body, 'b'.repeat(2048));
});

test('close asks the server to close the notification by the id it answered, once', async (t) => {
  const s = await setUp(t);
  if (!s) return;
  const notifier = desktopNotifier(memoryLogger(), s.env);
  assert.ok(notifier);
  await notifier.show(model({ id: 'first' }));
  await notifier.show(model({ id: 'second' }));
  assert.deepEqual(
    s.server.received.map((n) => n.id),
    [1, 2],
  );
  notifier.close('second');
  await waitFor('NotificationClosed', () => s.server.closed.length > 0);
  // Reason 3: closed by a call to CloseNotification.
  assert.deepEqual(s.server.closed, [[2, 3]]);
  assert.deepEqual([...s.server.open.keys()], [1]);
  // The notifier forgot it: a second close (and one for an id never shown) sends nothing.
  notifier.close('second');
  notifier.close('never-shown');
  notifier.close('first');
  await waitFor('the close of the first', () => s.server.closed.length > 1);
  assert.deepEqual(s.server.closeRequests, [2, 1]);
});
