// SIGTERM to `push-agent listen` in the middle of re-registering every subscription after a UAID reset: it exits
// promptly, what was re-registered is stored (and was announced), the rest stay marked waiting and are re-registered
// at the next start, each subscription exactly once. Real `listen` processes, the local push service (which resets
// the UAID as autopush does), a TCP proxy adding latency so the round lasts long enough to be interrupted.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { startPushService } from '../../../tools/push-service/index.ts';
import { startFaultProxy } from '../../support/fault-proxy.ts';
import { tempDir, waitFor } from '../../support/engine-harness.ts';
import { listen, type Listener } from '../../support/push-agent-process.ts';
import { synthesizeDataDir } from '../../../bench/synthesize.ts';

/** The size at which a stop used to wait minutes (marking every subscription wrote the whole state once each). */
const COUNT = 10_000;
/** Per direction: a register's round trip costs at least twice this, so the round lasts well beyond the stop. */
const DELAY_MS = 2;

interface StoredSub {
  endpoint: string;
  pendingReregistration?: unknown;
}

test(
  'SIGTERM during re-registration: prompt exit, the done part stored, the rest resumes at the next start',
  { timeout: 180_000 },
  async () => {
    const service = await startPushService({ maxMessagesPerSession: 1, maxChannelsPerUaid: COUNT * 3 });
    const proxy = await startFaultProxy({ host: '127.0.0.1', port: service.port });
    const dataDir = tempDir();
    const listeners: Listener[] = [];
    try {
      const synth = await synthesizeDataDir(dataDir, proxy.url, COUNT, {});
      // Two messages stored while the agent is away: draining them at the next hello makes the service drop the UAID.
      for (const endpoint of synth.endpoints.slice(0, 2))
        assert.equal((await fetch(endpoint, { method: 'POST', headers: { TTL: '600' } })).status, 201);
      const before = new Map(Object.values(readSubs(dataDir)).map((s) => [s.endpoint, s]));
      proxy.setDelay(DELAY_MS);

      let reset = false;
      let registers = 0;
      service.events.once('uaid-reset', () => (reset = true));
      service.events.on('client-message', (_uaid: string, msg: { messageType?: string }) => {
        if (reset && msg.messageType === 'register') registers++;
      });
      const first = listen(dataDir, proxy.url);
      listeners.push(first);
      const changed = (l: { lines: Array<Record<string, unknown>> }) =>
        l.lines.filter((m) => m.type === 'subscriptionchange').map((m) => m.subscription as string);
      await waitFor('the UAID reset', () => reset, 30_000);
      // The round is under way (every subscription marked, the new UAID stored), well before its end.
      await waitFor('the first re-registrations', () => registers >= 100, 30_000);
      first.proc.kill('SIGTERM');
      const code = await Promise.race([first.exited, new Promise<'late'>((r) => setTimeout(() => r('late'), 5_000))]);
      if (code === 'late') first.proc.kill('SIGKILL');
      assert.equal(code, 0, `listen did not exit within 5 s of SIGTERM: ${first.stderr()}`);

      const firstChanged = changed(first);
      const stored = readSubs(dataDir);
      const done = Object.entries(stored).filter(([, s]) => s.pendingReregistration === undefined);
      const waiting = Object.entries(stored).filter(([, s]) => s.pendingReregistration !== undefined);
      assert.ok(waiting.length > 0, 'the stop came before the round ended');
      assert.equal(done.length + waiting.length, COUNT);
      // Stored as re-registered <=> announced: nothing announced is lost, nothing stored new is unannounced.
      assert.deepEqual(done.map(([id]) => id).sort(), [...firstChanged].sort());
      for (const [, s] of done) assert.ok(!before.has(s.endpoint), 'a re-registered subscription has a new endpoint');
      for (const [, s] of waiting)
        assert.ok(before.has(s.endpoint), 'a waiting subscription keeps its old (dead) endpoint until registered');

      proxy.setDelay(0);
      const second = listen(dataDir, proxy.url);
      listeners.push(second);
      try {
        await waitFor('the rest re-registered', () => changed(second).length >= waiting.length, 60_000);
      } finally {
        assert.equal(await second.stop(), 0, second.stderr());
      }
      const all = [...firstChanged, ...changed(second)];
      assert.equal(all.length, COUNT, 'each subscription re-registered exactly once over the two runs');
      assert.equal(new Set(all).size, COUNT);
      const after = readSubs(dataDir);
      assert.ok(
        Object.values(after).every((s) => s.pendingReregistration === undefined && !before.has(s.endpoint)),
        'none waiting, all on new endpoints',
      );
    } finally {
      // A listener stuck past the test's patience must not outlive it.
      for (const l of listeners) if (l.proc.exitCode === null && l.proc.signalCode === null) l.proc.kill('SIGKILL');
      await proxy.close();
      await service.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  },
);

function readSubs(dataDir: string): Record<string, StoredSub> {
  return (
    JSON.parse(fs.readFileSync(path.join(dataDir, 'state.json'), 'utf8')) as {
      subscriptions: Record<string, StoredSub>;
    }
  ).subscriptions;
}
