import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { undeliverable } from '../../../src/engine/delivery/fates.ts';
import type { SubscriptionRecord } from '../../../src/engine/subscription-record.ts';

const sub = (patch: Partial<SubscriptionRecord> = {}): SubscriptionRecord => ({
  id: 's1',
  channelID: 'c1',
  kind: 'site',
  origin: 'https://a.example',
  scope: 'https://a.example/',
  endpoint: 'https://push.example/wpush/v2/t',
  applicationServerKey: null,
  userVisibleOnly: true,
  p256dh: 'k',
  label: 'A',
  workerScriptURL: null,
  createdAt: 0,
  muted: false,
  paused: null,
  ...patch,
});

test('one "still deliverable?" check answers on arrival, before dispatch and before a retry', () => {
  assert.equal(undeliverable(sub(), 'arrival'), null);
  assert.equal(undeliverable(sub(), 'dispatch'), null);
  // Muting hides messages; it does not refuse them at the service (acked 100, then recorded as muted).
  assert.equal(undeliverable(sub({ muted: true }), 'arrival'), null);
  assert.deepEqual(undeliverable(sub({ muted: true }), 'dispatch'), { fate: 'muted' });
  assert.deepEqual(undeliverable(sub({ muted: true }), 'retry'), { fate: 'muted', detail: 'muted during retries' });
  const paused = sub({ paused: { reason: 'silent-push budget used up', since: 1 } });
  for (const when of ['arrival', 'dispatch', 'retry'] as const)
    assert.deepEqual(undeliverable(paused, when), { fate: 'paused', detail: 'silent-push budget used up' });
  assert.deepEqual(undeliverable(undefined, 'dispatch'), {
    fate: 'unknown-subscription',
    detail: 'unsubscribed before delivery',
  });
  assert.deepEqual(undeliverable(undefined, 'retry'), {
    fate: 'unknown-subscription',
    detail: 'unsubscribed during retries',
  });
});

test('a push travels one way: nothing in src/engine/delivery/ imports the engine or its services', () => {
  const dir = path.join(import.meta.dirname, '../../../src/engine/delivery');
  let seen = 0;
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    const imports = [
      ...fs.readFileSync(path.join(dir, file), 'utf8').matchAll(/^import [^;]*? from '([^']+)';/gms),
    ].map((m) => m[1]!);
    for (const spec of imports) assert.ok(!/(^|\/)engine\.ts$|\/services\//.test(spec), `${file} imports ${spec}`);
    seen += imports.length;
  }
  assert.ok(seen > 20, `the imports were read (${seen})`);
});
