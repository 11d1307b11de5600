import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trayView } from '../../../src/main/tray-state.ts';
import { RestartBackoff } from '../../../src/main/restart-backoff.ts';
import { routeSiteRequest, SETTINGS_CSP, settingsAsset, workerAsset } from '../../../src/main/app-assets.ts';

test('the tray shows three connection states and the unread count', () => {
  assert.deepEqual(trayView('connected', 0), { connection: 'connected', tooltip: 'Push Agent: Connected', statusLine: 'Connected', title: '', unread: 0 });
  assert.equal(trayView('waiting', 3).tooltip, 'Push Agent: Reconnecting… · 3 unread');
  assert.equal(trayView('connecting', 0).connection, 'reconnecting');
  assert.equal(trayView('suspended', 0).connection, 'offline');
  assert.equal(trayView('stopped', 0).connection, 'offline');
  assert.equal(trayView('offline', 150).title, '99+');
  assert.equal(trayView('connected', -4).unread, 0);
  assert.equal(trayView('connected', Number.NaN).unread, 0);
});

test('a crashing worker host is restarted only after a doubling delay, reset by a clean event', () => {
  const b = new RestartBackoff({ initialMs: 1000, maxMs: 5000 });
  assert.equal(b.waitMs(0), 0);
  assert.equal(b.crashed(0), 1000);
  assert.equal(b.waitMs(400), 600);
  assert.equal(b.crashed(1000), 2000);
  assert.equal(b.crashed(3000), 4000);
  assert.equal(b.crashed(7000), 5000);
  assert.equal(b.waitMs(12_000), 0);
  b.succeeded();
  assert.equal(b.crashes, 0);
  assert.equal(b.crashed(0), 1000);
});

test('the settings scheme serves only flat files of known types, with a strict CSP on pages', () => {
  const page = settingsAsset('push-agent://settings/settings.html', '/app/dist/renderer');
  assert.equal(page?.file, '/app/dist/renderer/settings.html');
  assert.equal(page?.headers['content-security-policy'], SETTINGS_CSP);
  assert.match(SETTINGS_CSP, /default-src 'none'/);
  assert.doesNotMatch(SETTINGS_CSP, /unsafe/);
  assert.equal(settingsAsset('push-agent://settings/', '/r')?.file, '/r/settings.html');
  assert.equal(settingsAsset('push-agent://settings/settings.js', '/r')?.headers['content-type'], 'text/javascript; charset=utf-8');
  for (const bad of ['push-agent://settings/../main/main.cjs', 'push-agent://settings/%2e%2e%2fmain.cjs', 'push-agent://settings/a/b.js', 'push-agent://settings/.env', 'push-agent://other/settings.html', 'push-agent://settings/x.exe', 'push-agent://settings/%E0%A4%A']) {
    assert.equal(settingsAsset(bad, '/r'), null, bad);
  }
});

test('the worker host path serves exactly the three runtime files', () => {
  assert.equal(workerAsset('/__push-agent__/host.html', '/w')?.file, '/w/host.html');
  assert.equal(workerAsset('/__push-agent__/scope.js', '/w')?.file, '/w/scope.js');
  assert.equal(workerAsset('/__push-agent__/../secret', '/w'), null);
  assert.equal(workerAsset('/__push-agent__/', '/w'), null);
});

test("a site's session serves the runtime only at its own origin; everything else goes to the network", () => {
  const o = 'https://a.example';
  assert.deepEqual(routeSiteRequest('https://a.example/__push-agent__/host.js', 'GET', o, '/w'), { kind: 'asset', asset: workerAsset('/__push-agent__/host.js', '/w')! });
  assert.deepEqual(routeSiteRequest('https://a.example/__push-agent__/secret', 'GET', o, '/w'), { kind: 'not-found' });
  assert.deepEqual(routeSiteRequest('https://a.example/__push-agent__/host.js', 'POST', o, '/w'), { kind: 'not-found' });
  assert.deepEqual(routeSiteRequest('https://b.example/__push-agent__/host.js', 'GET', o, '/w'), { kind: 'network' });
  assert.deepEqual(routeSiteRequest('https://a.example/app.js', 'GET', o, '/w'), { kind: 'network' });
  assert.deepEqual(routeSiteRequest('https://a.example:444/__push-agent__/host.js', 'GET', o, '/w'), { kind: 'network' });
});
