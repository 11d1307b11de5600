import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trayView } from '../../../src/main/tray-state.ts';
import { SETTINGS_CSP, settingsAsset } from '../../../src/main/app-assets.ts';

test('the tray shows three connection states and the unread count', () => {
  assert.deepEqual(trayView('connected', 0), {
    connection: 'connected',
    tooltip: 'Push Agent: Connected',
    statusLine: 'Connected',
    title: '',
    unread: 0,
  });
  assert.equal(trayView('waiting', 3).tooltip, 'Push Agent: Reconnecting… · 3 unread');
  assert.equal(trayView('connecting', 0).connection, 'reconnecting');
  assert.equal(trayView('suspended', 0).connection, 'offline');
  assert.equal(trayView('stopped', 0).connection, 'offline');
  assert.equal(trayView('offline', 150).title, '99+');
  assert.equal(trayView('connected', -4).unread, 0);
  assert.equal(trayView('connected', Number.NaN).unread, 0);
});

test('the settings scheme serves only flat files of known types, with a strict CSP on pages', () => {
  const page = settingsAsset('push-agent://settings/settings.html', '/app/dist/renderer');
  assert.equal(page?.file, '/app/dist/renderer/settings.html');
  assert.equal(page?.headers['content-security-policy'], SETTINGS_CSP);
  assert.match(SETTINGS_CSP, /default-src 'none'/);
  assert.doesNotMatch(SETTINGS_CSP, /unsafe/);
  assert.equal(settingsAsset('push-agent://settings/', '/r')?.file, '/r/settings.html');
  assert.equal(
    settingsAsset('push-agent://settings/settings.js', '/r')?.headers['content-type'],
    'text/javascript; charset=utf-8',
  );
  for (const bad of [
    'push-agent://settings/../main/main.cjs',
    'push-agent://settings/%2e%2e%2fmain.cjs',
    'push-agent://settings/a/b.js',
    'push-agent://settings/.env',
    'push-agent://other/settings.html',
    'push-agent://settings/x.exe',
    'push-agent://settings/%E0%A4%A',
  ]) {
    assert.equal(settingsAsset(bad, '/r'), null, bad);
  }
});
