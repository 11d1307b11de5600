import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeLinuxMarkup, mapNotification, originLabel } from '../../../src/main/notification-options.ts';
import type { NotificationModel } from '../../../src/engine/notification.ts';

const base: NotificationModel = {
  id: 'n1',
  subscriptionId: 's1',
  origin: 'https://news.example',
  source: 'worker',
  shownAt: 0,
  title: 'Breaking',
  body: 'a <b>bold</b> & claim',
  icon: 'https://news.example/icon.png',
  tag: '',
  silent: false,
  requireInteraction: false,
  actions: [
    { action: 'read', title: 'Read' },
    { action: 'later', title: 'Later' },
  ],
};

test('on Linux the body stays plain text, actions fall back to the default click', () => {
  const m = mapNotification(base, 'linux', 'news.example');
  assert.equal(m.options.body, 'a &lt;b&gt;bold&lt;/b&gt; &amp; claim');
  assert.equal(m.options.actions, undefined);
  assert.deepEqual(m.actionIds, []);
  assert.equal(m.iconUrl, 'https://news.example/icon.png');
  assert.equal(m.options.timeoutType, 'default');
});

test('on macOS and Windows actions become buttons, reported back by index', () => {
  for (const platform of ['darwin', 'win32'] as const) {
    const m = mapNotification(base, platform, 'news.example');
    assert.deepEqual(m.options.actions, [
      { type: 'button', text: 'Read' },
      { type: 'button', text: 'Later' },
    ]);
    assert.deepEqual(m.actionIds, ['read', 'later']);
    assert.equal(m.options.body, base.body);
  }
  assert.equal(mapNotification(base, 'darwin', 'news.example').options.subtitle, 'news.example');
  assert.equal(mapNotification(base, 'win32', 'news.example').options.subtitle, undefined);
});

test('silent and requireInteraction map to the platform flags', () => {
  const m = mapNotification({ ...base, silent: true, requireInteraction: true }, 'linux', 'x');
  assert.equal(m.options.silent, true);
  assert.equal(m.options.timeoutType, 'never');
  assert.equal(m.options.urgency, 'critical');
  assert.equal(mapNotification({ ...base, requireInteraction: true }, 'win32', 'x').options.urgency, undefined);
  assert.equal(mapNotification({ ...base, icon: undefined }, 'linux', 'x').iconUrl, null);
});

test('markup escaping and the origin label', () => {
  assert.equal(escapeLinuxMarkup('<a href="x">&</a>'), '&lt;a href="x"&gt;&amp;&lt;/a&gt;');
  assert.equal(originLabel('https://news.example:8443'), 'news.example:8443');
  assert.equal(originLabel('push-agent://endpoint/123'), 'Push Agent');
  assert.equal(originLabel('garbage'), 'Push Agent');
});

test('a payload title and body kept whole in the model are capped on screen (256 / 2,048)', () => {
  for (const platform of ['linux', 'darwin', 'win32'] as const) {
    const { options } = mapNotification(
      { ...base, title: 'T'.repeat(4000), body: 'b'.repeat(4000) },
      platform,
      'news.example',
    );
    assert.equal(options.title?.length, 256, platform);
    assert.equal(options.body?.length, 2048, platform);
  }
});
