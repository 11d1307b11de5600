import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSettingsFrame, isWorkerHostFrame } from '../../../src/main/sender-policy.ts';
import { sitePartition } from '../../../src/main/partition.ts';

test('only the settings page on the app scheme may use the settings channels', () => {
  assert.equal(isSettingsFrame('push-agent://settings/settings.html'), true);
  assert.equal(isSettingsFrame('push-agent://settings/'), true);
  for (const bad of ['push-agent://other/settings.html', 'https://settings/settings.html', 'file:///app/settings.html', 'https://example.com/', 'about:blank', '', undefined, null]) {
    assert.equal(isSettingsFrame(bad), false, String(bad));
  }
});

test('a worker host frame speaks only for its own origin, and only from the host page', () => {
  const origin = 'https://example.com';
  assert.equal(isWorkerHostFrame('https://example.com/__push-agent__/host.html', origin), true);
  assert.equal(isWorkerHostFrame('https://other.example/__push-agent__/host.html', origin), false);
  assert.equal(isWorkerHostFrame('https://example.com/', origin), false);
  assert.equal(isWorkerHostFrame('https://example.com/__push-agent__/host.js', origin), false);
  assert.equal(isWorkerHostFrame('http://example.com/__push-agent__/host.html', origin), false);
  assert.equal(isWorkerHostFrame('push-agent://settings/settings.html', origin), false);
  assert.equal(isWorkerHostFrame('http://127.0.0.1:8081/__push-agent__/host.html', 'http://127.0.0.1:8081'), true);
});

test('each site gets its own stable persistent partition', () => {
  const a = sitePartition('https://a.example');
  assert.match(a, /^persist:site-[0-9a-f]{16}$/);
  assert.equal(sitePartition('https://a.example'), a);
  assert.notEqual(sitePartition('https://b.example'), a);
});
