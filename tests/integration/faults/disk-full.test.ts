// A full disk under the real `push-agent listen` process: the data dir is a small tmpfs that the test fills to the
// last byte. A message that arrives then cannot be journaled, so it must be left with the service (not acked, not
// taken for a duplicate later) and shown exactly once within a minute of space coming back, with the subscriptions
// unchanged. Needs root to mount; where mounting is refused the test says SKIPPED and why (the journal-level
// short-write cases still run in tests/unit/engine/inbox.test.ts through an injected write function).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { startPushService } from '../../../tools/push-service/index.ts';
import { send, waitFor } from '../../support/engine-harness.ts';
import { listen, runCli } from '../../support/push-agent-process.ts';
import { fillDisk, tmpfsForTest } from '../../support/tmpfs.ts';

test(
  'disk full: a message that cannot be journaled is left with the service and shown exactly once when space comes back',
  { timeout: 180_000 },
  async (t) => {
    const mnt = tmpfsForTest(t, '2m');
    if (!mnt) return;
    const service = await startPushService();
    t.after(() => service.close());
    const dataDir = path.join(mnt, 'agent');
    const sub = JSON.parse(
      (await runCli(['subscribe', '--label', 'disk', '--data-dir', dataDir, '--service', service.wsUrl])).stdout,
    ) as { endpoint: string; keys: { p256dh: string; auth: string } };
    const agent = listen(dataDir, service.wsUrl);
    t.after(() => agent.stop());
    const shown = () => agent.lines.filter((l) => l.type === 'notification').map((l) => l.body as string);
    await waitFor('connected', () => agent.lines.some((l) => l.type === 'status' && l.state === 'connected'), 15_000);
    assert.equal(await send(sub, 'before the disk filled'), 201);
    await waitFor('first message shown', () => shown().includes('before the disk filled'), 15_000);
    const stateBefore = fs.readFileSync(path.join(dataDir, 'state.json'), 'utf8');

    const filler = fillDisk(mnt);
    // Big enough to need new pages in the journal: the write is short, then ENOSPC.
    const body = `while the disk was full ${'x'.repeat(2500)}`;
    assert.equal(await send(sub, body), 201);
    // The agent saw it and could not journal it: it stays with the service, shown nowhere.
    await new Promise((r) => setTimeout(r, 3_000));
    assert.deepEqual(shown(), ['before the disk filled'], 'nothing shown that was not journaled');
    assert.equal(agent.proc.exitCode, null, 'the agent is still running');

    fs.rmSync(filler);
    const freedAt = Date.now();
    await waitFor('the message shown after space came back', () => shown().includes(body), 60_000, 50);
    const latency = Date.now() - freedAt;
    await new Promise((r) => setTimeout(r, 2_000)); // a duplicate would arrive right behind
    assert.deepEqual(shown(), ['before the disk filled', body], 'each message exactly once');
    // The state also keeps the notifications on screen (they change with every message): the subscriptions must not.
    const subscriptions = (text: string) => (JSON.parse(text) as { subscriptions: unknown }).subscriptions;
    assert.deepEqual(
      subscriptions(fs.readFileSync(path.join(dataDir, 'state.json'), 'utf8')),
      subscriptions(stateBefore),
      'subscriptions unchanged',
    );
    assert.ok(!agent.stderr().includes('xxxxxxxx'), 'no payload text in the logs');
    await agent.stop();
    const history = JSON.parse(fs.readFileSync(path.join(dataDir, 'history.json'), 'utf8')) as {
      entries: Array<{ fate: string }>;
    };
    assert.deepEqual(
      history.entries.map((e) => e.fate),
      ['shown', 'shown'],
      'one fate per message, none for the refused attempts',
    );
    // The journal holds nothing pending and nothing torn: a restart shows nothing again.
    const again = listen(dataDir, service.wsUrl);
    t.after(() => again.stop());
    await waitFor(
      'restarted agent connected',
      () => again.lines.some((l) => l.type === 'status' && l.state === 'connected'),
      15_000,
    );
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(again.lines.filter((l) => l.type === 'notification').length, 0, 'nothing replayed after a restart');
    console.log(`disk full: shown ${latency} ms after space came back`);
  },
);
