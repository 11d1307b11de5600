// A payload the desktop cannot take, and a notifier that fails: the message still ends in exactly one fate (shown,
// or a clear 'display-failed'), never silently, and its text reaches no log.
// The first test runs the real `push-agent listen` process with the real desktop notifier (the real gdbus) on a
// real private session bus where a notification server peer (support/notification-server.ts) records what it
// received. The last runs the same on a private bus that has no notification server.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { startPushService } from '../../../tools/push-service/index.ts';
import type { NotificationModel } from '../../../src/engine/notification.ts';
import type { HistoryEntry } from '../../../src/shared/history-entry.ts';
import { send, startEngine, tempDir, waitFor } from '../../support/engine-harness.ts';
import { listen, runCli } from '../../support/push-agent-process.ts';
import { privateBusForTest } from '../../support/private-bus.ts';
import { startNotificationServer } from '../../support/notification-server.ts';

const SECRET = 'nul-payload-text';

test(
  'a payload with a NUL byte is shown on the desktop and recorded once; its text is in no log',
  { timeout: 60_000 },
  async (t) => {
    const bus = privateBusForTest(t);
    if (!bus) return;
    const server = await startNotificationServer(bus.address);
    t.after(() => server.close());
    const service = await startPushService();
    t.after(() => service.close());
    const dataDir = tempDir();
    const env = { ...process.env, DBUS_SESSION_BUS_ADDRESS: bus.address };
    const sub = JSON.parse(
      (await runCli(['subscribe', '--label', 'nul', '--data-dir', dataDir, '--service', service.wsUrl], env)).stdout,
    ) as { endpoint: string; keys: { p256dh: string; auth: string } };
    const agent = listen(dataDir, service.wsUrl, { json: false, extra: ['--verbose'], env });
    t.after(() => agent.stop());
    await waitFor('connected', () => agent.lines.some((l) => String(l.text).startsWith('connected')), 15_000);
    // A NUL in the title and in the body (JSON carries it as \u0000).
    const payload = JSON.stringify({ title: 'a title\u0000after its NUL', body: `${SECRET}\u0000after the NUL` });
    assert.equal(await send(sub, payload), 201);
    await waitFor(
      'a fate',
      () => server.received.length > 0 || agent.stderr().includes('notification could not be shown'),
      15_000,
    );
    await agent.stop();
    assert.ok(!agent.stderr().includes('could not be shown'), `the server took it:\n${agent.stderr()}`);
    // What the server received: each NUL as U+FFFD, the rest of the text as sent, the notifier's fixed arguments.
    const [received, ...more] = server.received;
    assert.deepEqual(more, [], 'one Notify call');
    assert.deepEqual(received, {
      id: 1,
      appName: 'Push Agent',
      replacesId: 0,
      appIcon: '',
      summary: 'a title\uFFFDafter its NUL',
      body: `${SECRET}\uFFFDafter the NUL`,
      actions: [],
      hints: {},
      expireTimeout: -1,
    });
    const history = JSON.parse(fs.readFileSync(path.join(dataDir, 'history.json'), 'utf8')) as {
      entries: HistoryEntry[];
    };
    assert.deepEqual(
      history.entries.map((e) => e.fate),
      ['shown'],
    );
    assert.ok(!agent.stderr().includes(SECRET), `no payload text in the log:\n${agent.stderr()}`);
  },
);

test(
  'a notifier that throws ends the message in display-failed, logged by kind only',
  { timeout: 30_000 },
  async (t) => {
    const service = await startPushService();
    t.after(() => service.close());
    // The Notifier port itself is what fails here: a notifier that refuses, as a desktop might.
    const h = await startEngine(service.wsUrl, {
      notifier: {
        show(n: NotificationModel) {
          throw new TypeError(`refused: ${n.body}`);
        },
        close() {},
      },
    });
    t.after(() => h.stop());
    const history: HistoryEntry[] = [];
    h.engine.on('history', (e) => history.push(e));
    const sub = await h.engine.subscribe({ kind: 'endpoint', label: 'refused' });
    assert.equal(await send(sub, SECRET), 201);
    await waitFor('a fate', () => history.length > 0);
    await h.engine.idle();
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(
      history.map((e) => [e.fate, e.detail]),
      [['display-failed', 'TypeError']],
    );
    assert.equal(h.engine.status().pendingMessages, 0, 'done: not replayed at the next start');
    assert.ok(!h.logger.lines.some((l) => l.includes(SECRET)), 'no payload text in the log');
  },
);

test(
  'no notification server: the real listen records display-failed, not shown, and the text is in no log',
  { timeout: 60_000 },
  async (t) => {
    // A real private session bus on which nothing owns org.freedesktop.Notifications, and the real gdbus: the
    // call fails with ServiceUnknown after the notifier returned, as on a desktop whose notification server is gone.
    const bus = privateBusForTest(t);
    if (!bus) return;
    const service = await startPushService();
    t.after(() => service.close());
    const dataDir = tempDir();
    const env = { ...process.env, DBUS_SESSION_BUS_ADDRESS: bus.address };
    const sub = JSON.parse(
      (await runCli(['subscribe', '--label', 'nobody', '--data-dir', dataDir, '--service', service.wsUrl], env)).stdout,
    ) as { endpoint: string; keys: { p256dh: string; auth: string } };
    const agent = listen(dataDir, service.wsUrl, { json: false, extra: ['--verbose'], env });
    t.after(() => agent.stop());
    await waitFor('connected', () => agent.lines.some((l) => String(l.text).startsWith('connected')), 15_000);
    assert.equal(await send(sub, SECRET), 201);
    await waitFor('the failed desktop call', () => agent.stderr().includes('desktop notification failed'), 15_000);
    await agent.stop();
    const history = JSON.parse(fs.readFileSync(path.join(dataDir, 'history.json'), 'utf8')) as {
      entries: HistoryEntry[];
    };
    assert.deepEqual(
      history.entries.map((e) => [e.fate, e.detail]),
      [['display-failed', 'notification-server-unavailable']],
    );
    assert.ok(!agent.stderr().includes(SECRET), `no payload text in the log:\n${agent.stderr()}`);
  },
);
