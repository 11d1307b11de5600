import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDispatchId, MAX_OPTIONS_JSON, validateOutcome, validateWorkerCall } from '../../../src/main/bridge-validate.ts';
import { InvalidArgumentError } from '../../../src/shared/settings-validate.ts';

test('worker calls are limited to the bridge methods with plain, bounded arguments', () => {
  assert.deepEqual(validateWorkerCall('showNotification', ['Hi', { body: 'x' }]), { method: 'showNotification', args: ['Hi', { body: 'x' }] });
  assert.deepEqual(validateWorkerCall('showNotification', ['Hi']), { method: 'showNotification', args: ['Hi', {}] });
  assert.deepEqual(validateWorkerCall('getNotifications', []), { method: 'getNotifications', args: [] });
  assert.deepEqual(validateWorkerCall('openWindow', ['https://example.com/']), { method: 'openWindow', args: ['https://example.com/'] });
  const refused = (m: unknown, a: unknown) => assert.throws(() => validateWorkerCall(m, a), InvalidArgumentError);
  refused('onDispatch', []);
  refused('eval', ['1']);
  refused('showNotification', [1, {}]);
  refused('showNotification', ['t', 'options']);
  refused('showNotification', ['t', { data: 'x'.repeat(MAX_OPTIONS_JSON) }]);
  refused('openWindow', [{}]);
  refused('getNotifications', 'tag');
});

test('a malformed outcome from the page is a 303 bridge-error, never trusted', () => {
  assert.deepEqual(validateOutcome({ status: 'ok', shown: 999 }), { status: 'ok' });
  assert.deepEqual(validateOutcome({ status: 'timeout' }), { status: 'timeout' });
  assert.deepEqual(validateOutcome({ status: 'error', code: 301, kind: 'TypeError', message: 'boom' }), { status: 'error', code: 301, kind: 'TypeError', message: 'boom' });
  assert.equal((validateOutcome({ status: 'error', code: 303, kind: 'made-up', message: '' }) as { kind: string }).kind, 'bridge-error');
  for (const bad of [null, 'ok', { status: 'error', code: 500 }, { status: 'weird' }]) {
    assert.deepEqual(validateOutcome(bad), { status: 'error', code: 303, kind: 'bridge-error', message: 'malformed outcome from the worker host' });
  }
  assert.equal((validateOutcome({ status: 'error', code: 302, kind: 'x', message: 'm'.repeat(5000) }) as { message: string }).message.length, 512);
  assert.equal(isDispatchId(1), true);
  assert.equal(isDispatchId(0), false);
  assert.equal(isDispatchId(1.5), false);
  assert.equal(isDispatchId('1'), false);
});
