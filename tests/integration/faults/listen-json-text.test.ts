// `listen --json` is read by scripts: its `title` and `body` carry what was sent, whole, up to the 4 KiB payload;
// only the on-screen notification is capped. Real `push-agent listen` process, local push service, web-push.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startPushService } from '../../../tools/push-service/index.ts';
import { send, tempDir, waitFor } from '../../support/engine-harness.ts';
import { listen, runCli } from '../../support/push-agent-process.ts';

test(
  'listen --json carries plain text and {title, body} JSON whole, beyond the on-screen caps',
  { timeout: 60_000 },
  async (t) => {
    const service = await startPushService();
    t.after(() => service.close());
    const dataDir = tempDir();
    const sub = JSON.parse(
      (await runCli(['subscribe', '--label', 'long', '--data-dir', dataDir, '--service', service.wsUrl])).stdout,
    ) as { endpoint: string; keys: { p256dh: string; auth: string } };
    const agent = listen(dataDir, service.wsUrl);
    t.after(() => agent.stop());
    await waitFor('connected', () => agent.lines.some((l) => l.type === 'status' && l.state === 'connected'), 15_000);
    // aes128gcm adds 86 + 17 bytes to what web-push sends: 3,993 bytes fill a 4 KiB payload.
    const text = `t${'é'.repeat(1000)}${'x'.repeat(1990)}`;
    assert.equal(Buffer.byteLength(text), 3991);
    const title = `T${'y'.repeat(999)}`;
    const body = `B${'z'.repeat(2899)}`;
    assert.equal(await send(sub, text), 201);
    assert.equal(await send(sub, JSON.stringify({ title, body })), 201);
    await waitFor('two notifications', () => agent.lines.filter((l) => l.type === 'notification').length === 2, 15_000);
    const [plain, json] = agent.lines.filter((l) => l.type === 'notification');
    assert.equal(plain!.body, text, 'plain text whole');
    assert.equal(json!.title, title, 'JSON title whole (past 256)');
    assert.equal(json!.body, body, 'JSON body whole (past 2,048)');
  },
);
