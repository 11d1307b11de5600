// Showing notifications does not rewrite the state document (issue 19): the notifications the engine keeps across a
// restart live in their own file, so their save (1 s after a burst, and at stop) costs what the list costs, not a
// rewrite and fsync of every subscription's record. Real engine and store (state.json on disk), the local push
// service, web-push as sender; the Store is wrapped only to count its writes. Mocked: only the desktop notifier.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { startPushService } from '../../../tools/push-service/index.ts';
import { send, startEngine, waitFor } from '../../support/engine-harness.ts';
import { openJsonFileStore } from '../../../src/cli/json-file-store.ts';
import { recordingStore } from '../../support/memory-store.ts';
import { openKeyFileSecretBox } from '../../../src/cli/key-file-secret-box.ts';
import type { SubscriptionInfo } from '../../../src/engine/subscription-record.ts';

const COUNT = 100;

test(
  `with ${COUNT} subscriptions, showing notifications writes no state document; they still survive a restart`,
  { timeout: 120_000 },
  async () => {
    const service = await startPushService();
    try {
      let h = await startEngine(service.wsUrl);
      const subs: SubscriptionInfo[] = [];
      for (let i = 0; i < COUNT; i++) subs.push(await h.engine.subscribe({ kind: 'endpoint', label: `s${i}` }));
      await h.stop();

      const dataDir = h.dataDir;
      const stateFile = path.join(dataDir, 'state.json');
      const { store, writes } = recordingStore(openJsonFileStore(dataDir));
      h = await startEngine(service.wsUrl, { store, secrets: openKeyFileSecretBox(dataDir, store) }, dataDir);
      const before = fs.statSync(stateFile);
      const writesBefore = writes.length;
      const bodies = ['one', 'two', 'three'];
      try {
        for (const [i, body] of bodies.entries()) assert.equal(await send(subs[i * 7]!, body), 201);
        await waitFor('all shown', () => bodies.every((b) => h.notifier.shown.some((n) => n.body === b)), 20_000);
        await h.engine.settled();
        // Past the 1 s grouping of the save: it has run.
        await new Promise((r) => setTimeout(r, 1_500));
      } finally {
        await h.stop(); // and the save at stop
      }
      assert.deepEqual(writes.slice(writesBefore), [], 'no write of the state document while showing, nor at stop');
      const after = fs.statSync(stateFile);
      assert.deepEqual([after.ino, after.mtimeMs, after.size], [before.ino, before.mtimeMs, before.size]);
      const kept = path.join(dataDir, 'notifications.json');
      assert.equal(fs.statSync(kept).mode & 0o777, 0o600, 'their own file, 0600');
      const text = fs.readFileSync(kept, 'utf8');
      for (const body of bodies)
        assert.ok(!text.includes(`"${body}"`), 'titles and bodies are sealed, not in the clear');
      assert.equal(
        (JSON.parse(fs.readFileSync(stateFile, 'utf8')) as Record<string, unknown>).notifications,
        undefined,
      );

      const again = await startEngine(service.wsUrl, {}, dataDir);
      try {
        const shown = new Map(h.notifier.shown.map((n) => [n.id, n.origin]));
        const origins = [...new Set(shown.values())];
        const keptIds = origins.flatMap((o) => again.engine.shownNotifications(o).map((n) => n.id));
        assert.deepEqual(keptIds.sort(), [...shown.keys()].sort(), 'every notification kept across the restart');
      } finally {
        await again.stop();
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    } finally {
      await service.close();
    }
  },
);
