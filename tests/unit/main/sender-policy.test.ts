import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSettingsFrame } from '../../../src/main/sender-policy.ts';
import { sitePartition } from '../../../src/main/partition.ts';

test('only the settings page on the app scheme may use the settings channels', () => {
  assert.equal(isSettingsFrame('push-agent://settings/settings.html'), true);
  assert.equal(isSettingsFrame('push-agent://settings/'), true);
  for (const bad of [
    'push-agent://other/settings.html',
    'https://settings/settings.html',
    'file:///app/settings.html',
    'https://example.com/',
    'about:blank',
    '',
    undefined,
    null,
  ]) {
    assert.equal(isSettingsFrame(bad), false, String(bad));
  }
});

test('each site gets its own stable persistent partition', () => {
  const a = sitePartition('https://a.example');
  assert.match(a, /^persist:site-[0-9a-f]{16}$/);
  assert.equal(sitePartition('https://a.example'), a);
  assert.notEqual(sitePartition('https://b.example'), a);
});
