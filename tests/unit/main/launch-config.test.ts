import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseServiceUrl, DEFAULT_SERVICE_URL, parseLaunch } from '../../../src/main/launch-config.ts';

test('a plain launch uses defaults and shows the window', () => {
  assert.deepEqual(parseLaunch(['/usr/bin/push-agent'], {}), {
    serviceUrl: null,
    hidden: false,
    openSite: null,
    dataDir: null,
    dev: false,
    warnings: [],
  });
});

test('npm run dev passes the local service, the demo site and a data dir', () => {
  const c = parseLaunch(['electron', '.', '--service=ws://127.0.0.1:8080/', '--open-site=http://127.0.0.1:8081/'], {
    PUSH_AGENT_DATA_DIR: '/tmp/pa',
    PUSH_AGENT_DEV: '1',
  });
  assert.equal(c.serviceUrl, 'ws://127.0.0.1:8080/');
  assert.equal(c.openSite, 'http://127.0.0.1:8081/');
  assert.equal(c.dataDir, '/tmp/pa');
  assert.equal(c.dev, true);
  assert.equal(
    parseLaunch(['x', '--hidden'], { PUSH_AGENT_SERVICE_URL: 'wss://push.example/' }).serviceUrl,
    'wss://push.example/',
  );
  assert.equal(parseLaunch(['x', '--hidden'], {}).hidden, true);
});

test('invalid values are ignored with a warning, never trusted', () => {
  const c = parseLaunch(['x', '--service=https://push.example/', '--open-site=http://example.com/'], {});
  assert.equal(c.serviceUrl, null);
  assert.equal(c.openSite, null);
  assert.equal(c.warnings.length, 2);
  assert.equal(parseLaunch(['x', '--open-site=javascript:alert(1)'], {}).openSite, null);
});

test('the service URL comes from the launch, else the stored preference, else Mozilla', () => {
  assert.equal(chooseServiceUrl('ws://127.0.0.1:1/', { serviceUrl: 'wss://stored/' }), 'ws://127.0.0.1:1/');
  assert.equal(chooseServiceUrl(null, { serviceUrl: 'wss://stored.example/' }), 'wss://stored.example/');
  assert.equal(chooseServiceUrl(null, { serviceUrl: 'file:///x' }), DEFAULT_SERVICE_URL);
  // 'local': main starts the embedded push service, from the flag, the environment or the stored preference.
  assert.equal(parseLaunch(['x', '--service=local'], {}).serviceUrl, 'local');
  assert.equal(parseLaunch(['x'], { PUSH_AGENT_SERVICE_URL: 'local' }).serviceUrl, 'local');
  assert.equal(chooseServiceUrl(null, { serviceUrl: 'local' }), 'local');
  assert.deepEqual(parseLaunch(['x', '--service=locale'], {}).warnings.length, 1);
  assert.equal(chooseServiceUrl(null, undefined), DEFAULT_SERVICE_URL);
  assert.equal(chooseServiceUrl(null, 'garbage'), DEFAULT_SERVICE_URL);
});
