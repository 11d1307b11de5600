// The headless command as a user runs it: real processes, the local push service, `web-push` as the sender.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startPushService, type PushService } from '../../../tools/push-service/index.ts';
import { runCli, spawnCli, type Listener } from '../../support/cli.ts';
import { send, tempDir, waitFor } from '../../support/engine-harness.ts';

const run = (args: string[]) => runCli(args);
const listen = (dataDir: string, service: string) =>
  spawnCli(['listen', '--json', '--data-dir', dataDir, '--service', service]);

describe('push-agent command', () => {
  let service: PushService;
  before(async () => {
    // The kill -9 burst leaves more than autopush's 150-per-session drain limit stored; raise it so the test
    // checks exactly-once delivery rather than the (separately tested) UAID reset.
    service = await startPushService({ maxMessagesPerSession: 10_000 });
  });
  after(async () => {
    await service.close();
  });

  test('bad arguments get a one-line error and exit code 2', async () => {
    for (const args of [
      [],
      ['frobnicate'],
      ['listen', '--nope'],
      ['subscribe', '--application-server-key', 'xyz'],
      ['unsubscribe'],
      ['list', 'extra'],
      ['listen', '--service', 'http://x'],
    ]) {
      const r = await run(args);
      assert.equal(r.code, 2, `exit 2 for ${args.join(' ')}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line for ${args.join(' ')}`);
      assert.match(r.stderr, /^push-agent: /);
    }
    const help = await run(['--help']);
    assert.equal(help.code, 0);
    for (const word of ['subscribe', 'listen', 'list', 'unsubscribe', 'status', '--data-dir', '--service', '--json'])
      assert.ok(help.stdout.includes(word), word);
  });

  test('subscribe prints the subscription JSON; list, status and unsubscribe work on it', async () => {
    const dir = tempDir();
    const r = await run(['subscribe', '--label', 'My feed', '--data-dir', dir, '--service', service.wsUrl]);
    assert.equal(r.code, 0, r.stderr);
    const sub = JSON.parse(r.stdout) as {
      id: string;
      endpoint: string;
      expirationTime: null;
      keys: { p256dh: string; auth: string };
    };
    assert.match(sub.endpoint, /^http:\/\/127\.0\.0\.1:\d+\/wpush\/v1\//);
    assert.equal(sub.expirationTime, null);
    assert.equal(Buffer.from(sub.keys.p256dh, 'base64url').length, 65);
    assert.equal(Buffer.from(sub.keys.auth, 'base64url').length, 16);
    const list = JSON.parse((await run(['list', '--json', '--data-dir', dir])).stdout) as Array<{
      id: string;
      label: string;
    }>;
    assert.deepEqual(
      list.map((s) => [s.id, s.label]),
      [[sub.id, 'My feed']],
    );
    const status = JSON.parse(
      (await run(['status', '--json', '--data-dir', dir, '--service', service.wsUrl])).stdout,
    ) as { subscriptions: number; running: boolean };
    assert.equal(status.subscriptions, 1);
    assert.equal(status.running, false);
    assert.equal((await run(['unsubscribe', sub.id, '--data-dir', dir, '--service', service.wsUrl])).code, 0);
    assert.equal((await run(['unsubscribe', sub.id, '--data-dir', dir, '--service', service.wsUrl])).code, 1);
  });

  test('listen --json prints notifications, a second listen refuses the data dir, SIGTERM exits cleanly', async () => {
    const dir = tempDir();
    const sub = JSON.parse(
      (await run(['subscribe', '--label', 'Feed', '--data-dir', dir, '--service', service.wsUrl])).stdout,
    ) as { id: string; endpoint: string; keys: { p256dh: string; auth: string } };
    const l = listen(dir, service.wsUrl);
    try {
      await waitFor('connected status line', () => l.lines.some((x) => x.type === 'status' && x.state === 'connected'));
      // A second listen is refused (the other commands go through the control socket: control-socket.test.ts).
      const second = listen(dir, service.wsUrl);
      assert.equal(await second.exited, 3);
      await send(sub, JSON.stringify({ title: 'Hello', body: 'World', tag: 'greeting', data: { n: 1 } }));
      await waitFor('notification line', () => l.lines.some((x) => x.type === 'notification'));
      const n = l.lines.find((x) => x.type === 'notification')!;
      assert.equal(n.subscription, sub.id);
      assert.equal(n.title, 'Hello');
      assert.equal(n.body, 'World');
      assert.equal(n.tag, 'greeting');
      assert.deepEqual(n.data, { n: 1 });
      assert.ok(!Number.isNaN(Date.parse(n.receivedAt as string)));
    } finally {
      l.proc.kill('SIGTERM');
    }
    assert.equal(await l.exited, 0);
  });

  // The guarantee (docs/architecture.md "The duplicate window"): none lost; a kill between a show and its done marker
  // (written once the platform took the notification) shows that one message again: at most one duplicate per kill.
  test('kill -9 of listen during a burst, then restart: every message shown, at most one twice', async () => {
    const dir = tempDir();
    const sub = JSON.parse((await run(['subscribe', '--data-dir', dir, '--service', service.wsUrl])).stdout) as {
      endpoint: string;
      keys: { p256dh: string; auth: string };
    };
    const shown: string[] = [];
    const collect = (l: Listener) => () =>
      l.lines.filter((x) => x.type === 'notification').map((x) => x.body as string);
    let l = listen(dir, service.wsUrl);
    await waitFor('connected', () => l.lines.some((x) => x.state === 'connected'));
    const bodies = Array.from({ length: 300 }, (_, i) => `burst ${i}`);
    const sending = (async () => {
      for (let i = 0; i < bodies.length; i += 20) await Promise.all(bodies.slice(i, i + 20).map((b) => send(sub, b)));
    })();
    await waitFor('some delivered', () => collect(l)().length >= 60, 20_000);
    l.proc.kill('SIGKILL');
    await l.exited;
    shown.push(...collect(l)());
    await sending;
    l = listen(dir, service.wsUrl);
    try {
      await waitFor('the rest delivered', () => new Set([...shown, ...collect(l)()]).size >= bodies.length, 30_000);
      await new Promise((r) => setTimeout(r, 300)); // a duplicate would arrive right behind
      shown.push(...collect(l)());
      const counts = new Map<string, number>();
      for (const b of shown) counts.set(b, (counts.get(b) ?? 0) + 1);
      assert.equal(counts.size, bodies.length);
      const twice = [...counts].filter(([, c]) => c > 1);
      assert.ok(
        twice.length <= 1 && twice.every(([, c]) => c === 2),
        `at most one shown twice: ${JSON.stringify(twice)}`,
      );
    } finally {
      l.proc.kill('SIGTERM');
      await l.exited;
    }
  });
});
