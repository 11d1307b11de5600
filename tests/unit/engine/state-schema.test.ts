import assert from 'node:assert/strict';
import { test } from 'node:test';
import { migrate, SCHEMA_VERSION, StateError } from '../../../src/engine/state-schema.ts';
import type { Store } from '../../../src/engine/ports.ts';
import { openJsonFileStore } from '../../../src/cli/json-file-store.ts';
import { tempDir } from '../../support/engine-harness.ts';

function memoryStore(init: Record<string, unknown> = {}): Store & { doc: Record<string, unknown> } {
  const doc = { ...init };
  return { doc, get: (k) => doc[k], set: (k, v) => void (doc[k] = v), delete: (k) => void delete doc[k] };
}

test('a fresh store is migrated to the current schema', () => {
  const s = memoryStore();
  assert.deepEqual(migrate(s), { from: 0, to: SCHEMA_VERSION });
  assert.equal(s.doc.schemaVersion, SCHEMA_VERSION);
  assert.deepEqual(s.doc.subscriptions, {});
  assert.deepEqual(migrate(s), { from: SCHEMA_VERSION, to: SCHEMA_VERSION }, 'idempotent');
});

test('migrations run in order and keep what they do not touch (on the CLI JSON file store, the real store)', () => {
  const store = openJsonFileStore(tempDir());
  store.set('uaid', 'u');
  store.set('subscriptions', { a: { id: 'a' } });
  const steps = [
    (d: Record<string, unknown>) => ({ ...d, subscriptions: d.subscriptions ?? {} }),
    (d: Record<string, unknown>) => ({ ...d, uaid: `${d.uaid}-v2` }),
  ];
  assert.deepEqual(migrate(store, steps, 2), { from: 0, to: 2 });
  assert.equal(store.get('uaid'), 'u-v2');
  assert.deepEqual(store.get('subscriptions'), { a: { id: 'a' } });
  assert.equal(store.get('schemaVersion'), 2);
});

test('a store from a newer version is refused, untouched', () => {
  const s = memoryStore({ schemaVersion: SCHEMA_VERSION + 1, uaid: 'keep' });
  assert.throws(
    () => migrate(s),
    (e: unknown) => e instanceof StateError && e.kind === 'newer-schema',
  );
  assert.deepEqual(s.doc, { schemaVersion: SCHEMA_VERSION + 1, uaid: 'keep' });
  assert.throws(
    () => migrate(memoryStore({ schemaVersion: 'one' })),
    (e: unknown) => e instanceof StateError && e.kind === 'corrupt',
  );
});
