// The Notifier's routing (src/main/native-notifier.ts) with stand-in native notifications: Electron's Notification
// cannot run here. What the user does to a notification must come back to the engine exactly once, as the right
// action, and closing one ourselves must not look like the user dismissing it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../../src/engine/log.ts';
import type { NotificationModel } from '../../../src/engine/notification.ts';
import {
  activationTag,
  NativeNotifier,
  type CloseReason,
  type NativeNotification,
  type NativeNotifications,
} from '../../../src/main/native-notifier.ts';

class FakeNative implements NativeNotification {
  click = () => {};
  action: (i: number) => void = () => {};
  closed: (reason?: CloseReason) => void = () => {};
  failed: (e: string) => void = () => {};
  shown = false;
  readonly options: Record<string, unknown>;
  readonly icon: Uint8Array | null;
  constructor(options: Record<string, unknown>, icon: Uint8Array | null) {
    this.options = options;
    this.icon = icon;
  }
  onClick(l: () => void) {
    this.click = l;
  }
  onAction(l: (i: number) => void) {
    this.action = l;
  }
  onClose(l: (reason: CloseReason) => void) {
    this.closed = (reason?: CloseReason) => l(reason);
  }
  onFailed(l: (e: string) => void) {
    this.failed = l;
  }
  show() {
    this.shown = true;
  }
  close() {
    // Platforms report the app's own close as a close event too.
    this.closed();
  }
}

function setup(platform: NodeJS.Platform = 'darwin', supported = true) {
  const created: FakeNative[] = [];
  const native: NativeNotifications = {
    supported: () => supported,
    create: (options, icon) => {
      const n = new FakeNative(options as Record<string, unknown>, icon);
      created.push(n);
      return n;
    },
  };
  const iconRequests: string[] = [];
  const icons = {
    get: async (url: string) => (iconRequests.push(url), url.endsWith('ok.png') ? new Uint8Array([1, 2, 3]) : null),
  };
  const notifier = new NativeNotifier({ native, icons, logger: silentLogger, platform });
  const events: string[] = [];
  const unread: number[] = [];
  notifier.events = {
    activated: (id, action) => events.push(`activated ${id} ${action}`),
    closed: (id) => events.push(`closed ${id}`),
    unread: (n) => unread.push(n),
  };
  return { notifier, created, events, unread, iconRequests };
}

const model = (id: string, over: Partial<NotificationModel> = {}): NotificationModel => ({
  id,
  subscriptionId: 's',
  origin: 'https://news.example',
  source: 'worker',
  shownAt: 0,
  title: `T${id}`,
  body: 'B',
  actions: [
    { action: 'read', title: 'Read' },
    { action: 'later', title: 'Later' },
  ],
  ...over,
});

test('a click, an action button and a dismissal each come back once, as the right action', async () => {
  const { notifier, created, events, unread } = setup('darwin');
  await notifier.show(model('1'));
  await notifier.show(model('2'));
  await notifier.show(model('3'));
  assert.ok(created.every((n) => n.shown));
  created[0]!.click();
  created[0]!.click();
  created[1]!.action(1);
  created[2]!.closed();
  created[2]!.closed();
  assert.deepEqual(events, ['activated 1 ', 'activated 2 later', 'closed 3']);
  assert.deepEqual(unread, [1, 2, 3, 2, 1, 0]);
  assert.equal(notifier.unread, 0);
});

test('a button index that was not offered is a plain click; on Linux there are no buttons at all', async () => {
  const mac = setup('darwin');
  await mac.notifier.show(model('1'));
  mac.created[0]!.action(7);
  assert.deepEqual(mac.events, ['activated 1 ']);
  const linux = setup('linux');
  await linux.notifier.show(model('1'));
  assert.equal(linux.created[0]!.options.actions, undefined);
  linux.created[0]!.action(0);
  assert.deepEqual(linux.events, ['activated 1 ']);
});

test('closing a notification ourselves (tag replacement, unsubscribe) is not reported as a dismissal', async () => {
  const { notifier, created, events } = setup();
  await notifier.show(model('1'));
  await notifier.show(model('2'));
  notifier.close('1');
  notifier.close('unknown');
  notifier.closeAll();
  created[0]!.click();
  assert.deepEqual(events, []);
  assert.equal(notifier.unread, 0);
});

test('icons come through the icon cache; a failed notification is forgotten; unsupported systems show nothing', async () => {
  const { notifier, created, iconRequests, unread } = setup();
  await notifier.show(model('1', { icon: 'https://news.example/ok.png' }));
  await notifier.show(model('2', { icon: 'https://news.example/huge.png' }));
  await notifier.show(model('3', { icon: undefined }));
  assert.deepEqual(iconRequests, ['https://news.example/ok.png', 'https://news.example/huge.png']);
  assert.deepEqual([...created[0]!.icon!], [1, 2, 3]);
  assert.equal(created[1]!.icon, null);
  created[1]!.failed('no notification server');
  assert.equal(notifier.unread, 2);
  assert.equal(unread.at(-1), 2);
  const none = setup('linux', false);
  await none.notifier.show(model('1'));
  assert.equal(none.created.length, 0);
});

test('a Windows toast that timed out went to the Action Center: not a dismissal, and a later click there counts', async () => {
  const { notifier, created, events } = setup('win32');
  await notifier.show(model('1'));
  await notifier.show(model('2'));
  assert.equal(created[0]!.options.id, '1', "our id is the toast's tag");
  created[0]!.closed('timedOut');
  created[1]!.closed('userCanceled');
  assert.deepEqual(events, ['closed 2']);
  assert.equal(notifier.unread, 1, 'still in the Action Center');
  created[0]!.action(0);
  assert.deepEqual(events, ['closed 2', 'activated 1 read']);
});

test("Action Center activations (Notification.handleActivation) are routed by the toast's tag, once", async () => {
  const { notifier, created, events } = setup('win32');
  await notifier.show(model('a'));
  await notifier.show(model('b'));
  assert.equal(activationTag('type=action&action=1&tag=a'), 'a');
  assert.equal(activationTag('type=click'), null);
  assert.equal(activationTag(''), null);
  notifier.activated({ id: activationTag('type=action&action=1&tag=a'), type: 'action', actionIndex: 1 });
  // Electron also fires the object's own event when it still exists: not reported twice.
  created[0]!.action(1);
  notifier.activated({ id: 'b', type: 'click' });
  // After a restart the object is gone: the click still reaches the engine, as a plain click.
  notifier.activated({ id: 'from-before-restart', type: 'action', actionIndex: 0 });
  notifier.activated({ id: null, type: 'click' });
  notifier.activated({ id: 'x', type: 'reply' });
  assert.deepEqual(events, ['activated a later', 'activated b ', 'activated from-before-restart ']);
});
