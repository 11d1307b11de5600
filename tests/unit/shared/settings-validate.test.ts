import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError, validateSettingsCall } from '../../../src/shared/settings-validate.ts';

const ID = '0b8f1c2e-3d4a-4b5c-8d6e-7f8091a2b3c4';
const rejects = (method: unknown, args: unknown, pattern?: RegExp) =>
  assert.throws(
    () => validateSettingsCall(method, args),
    (err: unknown) =>
      err instanceof InvalidArgumentError && err.kind === 'invalid-argument' && (!pattern || pattern.test(err.message)),
  );

test('every method of the contract accepts its well-formed arguments', () => {
  assert.deepEqual(validateSettingsCall('getStatus', []), { method: 'getStatus', args: [] });
  assert.deepEqual(validateSettingsCall('setMuted', [ID, true]), { method: 'setMuted', args: [ID, true] });
  assert.deepEqual(validateSettingsCall('renameSubscription', [ID, '  Alerts ']), {
    method: 'renameSubscription',
    args: [ID, 'Alerts'],
  });
  assert.deepEqual(validateSettingsCall('createEndpoint', [{ label: 'x' }]), {
    method: 'createEndpoint',
    args: [{ label: 'x' }],
  });
  assert.deepEqual(validateSettingsCall('getHistory', []), { method: 'getHistory', args: [] });
  assert.deepEqual(validateSettingsCall('getHistory', [{ limit: 20 }]), {
    method: 'getHistory',
    args: [{ limit: 20 }],
  });
  assert.deepEqual(validateSettingsCall('addSite', ['https://example.com/app']), {
    method: 'addSite',
    args: ['https://example.com/app'],
  });
  assert.deepEqual(validateSettingsCall('addSite', ['http://127.0.0.1:8081/']), {
    method: 'addSite',
    args: ['http://127.0.0.1:8081/'],
  });
  for (const m of ['getSubscriptionJSON', 'replaceEndpoint', 'deleteSubscription', 'resume'])
    assert.deepEqual(validateSettingsCall(m, [ID]).args, [ID]);
});

test('unknown methods and non-array arguments are refused', () => {
  rejects('onEvent', []);
  rejects('__proto__', []);
  rejects(42, []);
  rejects('getStatus', 'x');
  rejects('getStatus', [1], /0 argument/);
  rejects('setMuted', [ID], /2 argument/);
});

test('ids, labels and booleans must have the declared types', () => {
  rejects('resume', [42]);
  rejects('resume', ['../../etc/passwd']);
  rejects('resume', ['a'.repeat(65)]);
  rejects('setMuted', [ID, 'true']);
  rejects('renameSubscription', [ID, '']);
  rejects('renameSubscription', [ID, 'x'.repeat(201)]);
  rejects('renameSubscription', [ID, { toString: () => 'x' }]);
});

test('sites must be https, or http only on loopback, without credentials', () => {
  rejects('addSite', ['http://example.com/']);
  rejects('addSite', ['javascript:alert(1)']);
  rejects('addSite', ['file:///etc/passwd']);
  rejects('addSite', ['https://user:pw@example.com/']);
  rejects('addSite', ['https://' + 'a'.repeat(2100) + '.com/']);
});

test('a new endpoint refuses unknown fields and a key that is not base64url', () => {
  rejects('createEndpoint', [{ label: 'x', admin: true }], /unknown field/);
  rejects('createEndpoint', [{ label: 'x', applicationServerKey: 'not base64!' }]);
  rejects('createEndpoint', [{ label: 'x', applicationServerKey: 'A'.repeat(200) }]);
  rejects('createEndpoint', [Object.create({ label: 'inherited' })]);
  rejects('createEndpoint', [null]);
});

test('history filters are bounded', () => {
  rejects('getHistory', [{ limit: 0 }]);
  rejects('getHistory', [{ limit: 501 }]);
  rejects('getHistory', [{ limit: 1.5 }]);
  rejects('getHistory', [{ subscriptionId: 7 }]);
});

test('a preferences patch is checked field by field, down to each power state', () => {
  const ok = validateSettingsCall('setPreferences', [
    {
      serviceUrl: 'wss://push.example/',
      startAtLogin: true,
      quietHours: { enabled: true, start: '22:00', end: '07:30' },
      policy: {
        budgetCap: { ac: 20 },
        budgetRefillMinutes: { low: null },
        minUrgency: { battery: 'normal' },
        lowBatteryPercent: 15,
      },
    },
  ]);
  assert.equal(ok.method, 'setPreferences');
  assert.deepEqual((ok.args as unknown[])[0], {
    serviceUrl: 'wss://push.example/',
    startAtLogin: true,
    quietHours: { enabled: true, start: '22:00', end: '07:30' },
    policy: {
      budgetCap: { ac: 20 },
      budgetRefillMinutes: { low: null },
      minUrgency: { battery: 'normal' },
      lowBatteryPercent: 15,
    },
  });
  rejects('setPreferences', [{ serviceUrl: 'https://push.example/' }], /wss/);
  rejects('setPreferences', [{ serviceUrl: 'localhost' }], /serviceUrl/);
  assert.deepEqual((validateSettingsCall('setPreferences', [{ serviceUrl: 'local' }]).args as unknown[])[0], {
    serviceUrl: 'local',
  });
  rejects('setPreferences', [{ quietHours: { start: '24:00' } }]);
  rejects('setPreferences', [{ quietHours: { start: '7:00' } }]);
  rejects('setPreferences', [{ policy: { budgetCap: { ac: -1 } } }]);
  rejects('setPreferences', [{ policy: { budgetCap: { plugged: 3 } } }], /is not a setting/);
  rejects('setPreferences', [{ policy: { eventDeadlineSeconds: { ac: 0 } } }]);
  rejects('setPreferences', [{ policy: { minUrgency: { ac: 'urgent' } } }]);
  rejects('setPreferences', [{ policy: { lowBatteryPercent: 101 } }]);
  rejects('setPreferences', [{ theme: 'dark' }], /is not a setting/);
});
