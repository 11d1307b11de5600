// A SecretBox whose key cannot be reached never changes state: the engine keeps the subscriptions aside as they
// are, does not connect (the service keeps their messages), and opens them once the key comes back.
// The locked keyring is the one stand-in here: Electron's safeStorage cannot run in this environment, so the key
// file box is wrapped to reject as the Electron adapter does while Electron says "temporarily unavailable"
// (src/main/safe-storage-secret-box.ts maps that to SecretsUnavailableError; tested in tests/unit/main).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { startPushService } from '../../../tools/push-service/index.ts';
import { PushEngine } from '../../../src/engine/engine.ts';
import { SecretsUnavailableError, type SecretBox } from '../../../src/engine/ports.ts';
import { openJsonFileStore } from '../../../src/cli/json-file-store.ts';
import { openKeyFileSecretBox } from '../../../src/cli/key-file-secret-box.ts';
import {
  countBodies,
  memoryLogger,
  RecordingNotifier,
  send,
  startEngine,
  waitFor,
} from '../../support/engine-harness.ts';

function lockable(inner: SecretBox): SecretBox & { locked: boolean } {
  const box = {
    locked: true,
    backend: inner.backend,
    strong: inner.strong,
    seal: (plain: Uint8Array) =>
      box.locked ? Promise.reject(new SecretsUnavailableError('locked')) : inner.seal(plain),
    open: (sealed: string) => (box.locked ? Promise.reject(new SecretsUnavailableError('locked')) : inner.open(sealed)),
  };
  return box;
}

test('keys locked at start: nothing rewritten, not connected; unlocked, every subscription opens and its messages arrive once', async () => {
  const service = await startPushService();
  const first = await startEngine(service.wsUrl);
  const subs = [
    await first.engine.subscribe({ kind: 'endpoint', label: 'one' }),
    await first.engine.subscribe({ kind: 'endpoint', label: 'two' }),
  ];
  await first.stop();
  const stateFile = path.join(first.dataDir, 'state.json');
  const before = fs.readFileSync(stateFile);
  // Sent while the agent is down; delivered only once the keys open.
  for (const [i, sub] of subs.entries()) assert.equal(await send(sub, `while locked ${i}`), 201);

  const store = openJsonFileStore(first.dataDir);
  const secrets = lockable(openKeyFileSecretBox(first.dataDir, store));
  const notifier = new RecordingNotifier();
  const logger = memoryLogger();
  const states: string[] = [];
  const engine = new PushEngine({
    serviceUrl: service.wsUrl,
    dataDir: first.dataDir,
    store,
    secrets,
    notifier,
    logger,
    connection: { backoffInitialMs: 50 },
  });
  engine.on('state', (s) => states.push(s));
  try {
    await engine.start();
    assert.equal(engine.secretsLocked, true);
    assert.deepEqual(engine.status().subscriptionsAside, { locked: 2, unopened: 0, badShape: 0 });
    assert.equal(engine.list().length, 0);
    assert.equal(await engine.retrySecrets(), false, 'still locked');
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(states, [], 'never connected while locked');
    assert.deepEqual(fs.readFileSync(stateFile), before, 'state.json untouched');

    secrets.locked = false;
    assert.equal(await engine.retrySecrets(), true);
    assert.deepEqual(
      engine.list().map((s) => s.endpoint),
      subs.map((s) => s.endpoint),
      'the same subscriptions, same endpoints',
    );
    await waitFor('messages sent while locked', () =>
      subs.every((_, i) => notifier.shown.some((n) => n.body === `while locked ${i}`)),
    );
    await engine.idle();
    for (const [body, count] of countBodies(notifier.shown)) assert.equal(count, 1, body);
    assert.ok(
      !logger.lines.some((l) => l.includes(subs[0]!.endpoint) || l.includes(subs[0]!.keys.auth)),
      'no endpoint or key in logs',
    );
  } finally {
    await engine.stop();
    await service.close();
  }
});

test('records whose secrets do not open are kept aside as stored and never unregistered', async () => {
  const service = await startPushService();
  const h = await startEngine(service.wsUrl);
  const sub = await h.engine.subscribe({ kind: 'endpoint', label: 'bad secret' });
  const other = await h.engine.subscribe({ kind: 'endpoint', label: 'fine' });
  await h.stop();
  // Corrupt one record's sealed secret (the tag no longer matches): it cannot be opened with the right key.
  const stateFile = path.join(h.dataDir, 'state.json');
  const state = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as { subscriptions: Record<string, { sealed: string }> };
  const sealed = state.subscriptions[sub.id]!.sealed;
  state.subscriptions[sub.id]!.sealed = sealed.slice(0, -4) + (sealed.endsWith('AAAA') ? 'BBBB' : 'AAAA');
  fs.writeFileSync(stateFile, JSON.stringify(state));
  const corrupted = state.subscriptions[sub.id];
  const h2 = await startEngine(service.wsUrl, {}, h.dataDir);
  try {
    assert.deepEqual(h2.engine.status().subscriptionsAside, { locked: 0, unopened: 1, badShape: 0 });
    // A message to it is not delivered, and its channel stays registered at the service (not 410).
    assert.equal(await send(sub, 'to the unreadable one'), 201);
    await h2.engine.rename(other.id, 'renamed'); // a write of the registry keeps the aside record as it was
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await send(sub, 'again'), 201, 'its channel was not unregistered');
    const now = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as { subscriptions: Record<string, unknown> };
    assert.deepEqual(now.subscriptions[sub.id], corrupted);
  } finally {
    await h2.stop();
    await service.close();
  }
});
