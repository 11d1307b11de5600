// Simple Push (docs/architecture.md "Subscriptions"): legacy registrations on their own session, version-only pushes,
// renewal on UAID change.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startPushService } from '../../../tools/push-service/index.ts';
import { startEngine, waitFor } from '../../support/engine-harness.ts';

test('a legacy registration gets a /spush/v1 endpoint on a session without use_webpush; versions only go up', async () => {
  const service = await startPushService();
  const hellos: Array<Record<string, unknown>> = [];
  service.events.on('client-message', (_uaid: unknown, msg: Record<string, unknown>) => {
    if (msg.messageType === 'hello') hellos.push(msg);
  });
  const h = await startEngine(service.wsUrl);
  try {
    const pushes: Array<number | null> = [];
    h.engine.on('legacy-push', (p) => pushes.push(p.version));
    const reg = await h.engine.subscribe({ kind: 'legacy', origin: 'https://legacy.example' });
    assert.match(reg.endpoint, /\/spush\/v1\/[A-Za-z0-9_=-]+$/);
    assert.ok(
      hellos.some((m) => m.use_webpush === true),
      'the Web Push session says use_webpush',
    );
    assert.ok(
      hellos.some((m) => m.use_webpush === undefined),
      'the Simple Push session does not',
    );
    const put = (v: number) =>
      fetch(reg.endpoint, {
        method: 'PUT',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `version=${v}`,
      });
    assert.equal((await put(5)).status, 200);
    await waitFor('version 5', () => pushes.includes(5));
    await put(5);
    await put(3);
    assert.equal((await put(7)).status, 200);
    await waitFor('version 7', () => pushes.includes(7));
    assert.deepEqual(pushes, [5, 7], 'versions not above the last seen are ignored');
    assert.equal(await h.engine.unsubscribe(reg.id), true);
    assert.equal((await put(8)).status, 410);
  } finally {
    await h.stop();
    await service.close();
  }
});
