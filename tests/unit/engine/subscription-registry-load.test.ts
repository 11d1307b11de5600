// Loading stored subscriptions: each record comes back as stored (its sealed secret included: the registry holds the
// stored object itself), whatever its fields, and a later write puts every field back. Real file store and key-file
// SecretBox on disk.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openJsonFileStore } from '../../../src/cli/json-file-store.ts';
import { openKeyFileSecretBox } from '../../../src/cli/key-file-secret-box.ts';
import { generateSubscriptionKeys } from '../../../src/engine/crypto/index.ts';
import { SubscriptionRegistry } from '../../../src/engine/subscription-registry.ts';
import { tempDir } from '../../support/engine-harness.ts';
import { silentLogger } from '../../../src/engine/log.ts';

test('records load as stored, with optional, missing and unknown fields, and are written back whole', async () => {
  const dir = tempDir();
  const store = openJsonFileStore(dir);
  const secrets = openKeyFileSecretBox(dir, store);
  const sealedOf = async () => {
    const k = generateSubscriptionKeys();
    return {
      p256dh: k.publicKey.toString('base64url'),
      sealed: await secrets.seal(Buffer.concat([k.privateKey, k.authSecret])),
    };
  };
  const base = (id: string) => ({
    id,
    channelID: `ch-${id}`,
    kind: 'endpoint',
    origin: `push-agent://endpoint/${id}`,
    scope: `push-agent://endpoint/${id}/`,
    endpoint: `http://127.0.0.1:1/wpush/v1/${id}`,
    applicationServerKey: null,
    userVisibleOnly: false,
    label: id,
    workerScriptURL: null,
    createdAt: 1_700_000_000_000,
    muted: false,
    paused: null,
  });
  const first = await sealedOf();
  const stored: Record<string, Record<string, unknown>> = {
    plain: { ...base('plain'), ...(await sealedOf()) },
    optional: {
      ...base('optional'),
      legacyVersion: 7,
      pendingReregistration: { since: 5 },
      ...(await sealedOf()),
    },
    newer: { ...base('newer'), fromANewerVersion: { x: 1 }, ...(await sealedOf()) },
    sealedFirst: { sealed: first.sealed, ...base('sealedFirst'), p256dh: first.p256dh },
  };
  const { muted: _, ...withoutMuted } = base('older');
  stored.older = { ...withoutMuted, ...(await sealedOf()) };
  store.set('subscriptions', stored);

  const registry = new SubscriptionRegistry(store, secrets, silentLogger);
  await registry.load();
  assert.deepEqual(registry.asideCounts(), { locked: 0, unopened: 0, badShape: 0 });
  for (const [id, value] of Object.entries(stored)) {
    assert.deepEqual(registry.get(id), value, id);
    assert.ok(registry.keys(id), id);
  }
  assert.equal('muted' in registry.get('older')!, false, 'a missing field stays missing');

  registry.update('plain', { label: 'renamed' }); // rewrites every record
  const written = openJsonFileStore(dir).get('subscriptions') as Record<string, Record<string, unknown>>;
  assert.deepEqual(written, { ...stored, plain: { ...stored.plain, label: 'renamed' } });
});

test('a subscription is one object, held by the registry and the store alike, after load and after each change', async () => {
  const dir = tempDir();
  const store = openJsonFileStore(dir);
  const secrets = openKeyFileSecretBox(dir, store);
  const keysOf = () => generateSubscriptionKeys();
  const record = (id: string, k: ReturnType<typeof keysOf>) => ({
    id,
    channelID: `ch-${id}`,
    kind: 'endpoint' as const,
    origin: `push-agent://endpoint/${id}`,
    scope: `push-agent://endpoint/${id}/`,
    endpoint: `http://127.0.0.1:1/wpush/v1/${id}`,
    applicationServerKey: null,
    userVisibleOnly: false,
    p256dh: k.publicKey.toString('base64url'),
    label: id,
    workerScriptURL: null,
    createdAt: 1_700_000_000_000,
    muted: false,
    paused: null,
  });
  const first = new SubscriptionRegistry(store, secrets, silentLogger);
  const ka = keysOf();
  await first.put(record('a', ka), ka);
  const kb = keysOf();
  await first.put(record('b', kb), kb);

  const reopened = openJsonFileStore(dir);
  const registry = new SubscriptionRegistry(reopened, openKeyFileSecretBox(dir, reopened), silentLogger);
  await registry.load();
  const held = () => reopened.get('subscriptions') as Record<string, unknown>;
  const same = (when: string) => {
    for (const r of registry.list()) assert.equal(registry.get(r.id), held()[r.id], `${r.id} ${when}`);
  };
  same('after load');
  const paused = { reason: 'budget', since: 5 };
  registry.update('a', { paused });
  same('after update');
  assert.equal(Object.isFrozen(paused), false, "the caller's patch is not frozen under it");
  registry.updateMany([['b', { label: 'renamed' }]]);
  same('after updateMany');
  const kc = keysOf();
  await registry.put(record('c', kc), kc);
  same('after put');
  const kn = keysOf();
  await registry.storeReregistered([{ id: 'a', channelID: 'ch-new', endpoint: 'http://127.0.0.1:1/new', keys: kn }]);
  same('after re-registration');
  registry.remove('b');
  same('after remove');
  assert.deepEqual(Object.keys(held()).sort(), ['a', 'c']);
  assert.equal(registry.byChannel('ch-new')?.id, 'a');
  assert.deepEqual(registry.keys('a')?.privateKey, kn.privateKey);
});
