// `push-agent send` as a user runs it, against the local push service (plain http on loopback, which web-push's
// own https-only sender cannot reach), while `listen` runs on the same data dir.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import webpush from 'web-push';
import { startPushService, type PushService } from '../../../tools/push-service/index.ts';
import { CLI, listenCli, runCli, type Listener } from '../../support/cli.ts';
import { tempDir, waitFor } from '../../support/engine-harness.ts';
import { linuxPackageLayout } from '../../support/linux-package.ts';

interface Sub {
  id: string;
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

describe('push-agent send', () => {
  let service: PushService;
  let dir: string;
  let sub: Sub;
  let listener: Listener;
  const notifications = () => listener.lines.filter((l) => l.type === 'notification');

  before(async () => {
    service = await startPushService();
    dir = tempDir();
    const r = await runCli(['subscribe', '--label', 'Alerts', '--data-dir', dir, '--service', service.wsUrl]);
    assert.equal(r.code, 0, r.stderr);
    sub = JSON.parse(r.stdout) as Sub;
    listener = listenCli(['--data-dir', dir, '--service', service.wsUrl]);
    await waitFor('listen connected', () => listener.lines.some((l) => l.state === 'connected'));
  });
  after(async () => {
    await listener.stop();
    await service.close();
  });

  test('by id while listen holds the data dir: 201 Created, exit 0, the text arrives', async () => {
    const r = await runCli(['send', sub.id, 'Disk almost full', '--data-dir', dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '201 Created\n');
    await waitFor('notification', () => notifications().length === 1);
    assert.deepEqual([notifications()[0]!.title, notifications()[0]!.body], ['Alerts', 'Disk almost full']);
  });

  test('--title sends {title, body} JSON; a file with the subscription JSON and - (stdin) work as the target', async () => {
    const file = path.join(tempDir(), 'sub.json');
    fs.writeFileSync(file, JSON.stringify({ endpoint: sub.endpoint, expirationTime: null, keys: sub.keys }));
    const byFile = await runCli([
      'send',
      file,
      'from a file',
      '--title',
      'Build',
      '--ttl',
      '60',
      '--urgency',
      'high',
      '--topic',
      'build-1',
      '--data-dir',
      dir,
    ]);
    assert.equal(byFile.code, 0, byFile.stderr);
    const byStdin = await runCli(['send', '-', 'from stdin', '--data-dir', dir], { input: JSON.stringify(sub) });
    assert.equal(byStdin.code, 0, byStdin.stderr);
    await waitFor('two more', () => notifications().length === 3);
    assert.deepEqual(
      notifications()
        .slice(1)
        .map((n) => [n.title, n.body]),
      [
        ['Build', 'from a file'],
        ['Alerts', 'from stdin'],
      ],
    );
  });

  test('--json <file> sends the file as is; a bare --json prints status and headers', async () => {
    const payload = path.join(tempDir(), 'payload.json');
    fs.writeFileSync(payload, JSON.stringify({ title: 'Deploy', body: 'done', tag: 'deploy', data: { n: 7 } }));
    const r = await runCli(['send', sub.id, '--json', payload, '--json', '--data-dir', dir]);
    assert.equal(r.code, 0, r.stderr);
    const answer = JSON.parse(r.stdout) as { status: number; headers: Record<string, string> };
    assert.equal(answer.status, 201);
    assert.match(answer.headers.location ?? '', /^http:\/\/127\.0\.0\.1:\d+\//);
    await waitFor('the JSON payload', () => notifications().some((n) => n.title === 'Deploy'));
    const n = notifications().find((x) => x.title === 'Deploy')!;
    assert.deepEqual([n.body, n.tag, n.data], ['done', 'deploy', { n: 7 }]);
  });

  test('an endpoint bound to an application server key: refused without its key pair (exit 2), delivered with --vapid-keys', async () => {
    const keys = webpush.generateVAPIDKeys();
    const keyFile = path.join(tempDir(), 'vapid.json');
    fs.writeFileSync(keyFile, JSON.stringify(keys));
    const boundDir = tempDir();
    const bound = await runCli([
      'subscribe',
      '--label',
      'Bound',
      '--application-server-key',
      keys.publicKey,
      '--data-dir',
      boundDir,
      '--service',
      service.wsUrl,
    ]);
    assert.equal(bound.code, 0, bound.stderr);
    const stored = JSON.parse(bound.stdout) as Sub;
    const refused = await runCli(['send', stored.id, 'x', '--data-dir', boundDir]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /bound to an application server key.*--vapid-keys/);
    const ok = await runCli([
      'send',
      stored.id,
      'signed',
      '--vapid-keys',
      keyFile,
      '--vapid-subject',
      'mailto:ops@example.com',
      '--data-dir',
      boundDir,
    ]);
    assert.equal(ok.stdout, '201 Created\n', ok.stderr);
    // Signed with another key, the service itself refuses: exit 1 with its answer.
    const other = path.join(tempDir(), 'other.json');
    fs.writeFileSync(other, JSON.stringify(webpush.generateVAPIDKeys()));
    const subFile = path.join(tempDir(), 'bound.json');
    fs.writeFileSync(subFile, JSON.stringify(stored));
    const wrong = await runCli(['send', subFile, 'x', '--vapid-keys', other, '--data-dir', boundDir]);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stdout, /^40[13] /);
  });

  test('a removed subscription: "410 Gone: the subscription has expired or was removed", exit 1', async () => {
    const d = tempDir();
    const s = JSON.parse((await runCli(['subscribe', '--data-dir', d, '--service', service.wsUrl])).stdout) as Sub;
    const file = path.join(d, 'sub.json');
    fs.writeFileSync(file, JSON.stringify(s));
    assert.equal((await runCli(['unsubscribe', s.id, '--data-dir', d, '--service', service.wsUrl])).code, 0);
    const r = await runCli(['send', file, 'late', '--data-dir', d]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '410 Gone: the subscription has expired or was removed\n');
  });

  test('no push service listening: exit 1, the service origin named, never the endpoint path', async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    const file = path.join(tempDir(), 'sub.json');
    const token = 'SECRETTOKENabcdefghijklmnopqrstuvwxyz';
    fs.writeFileSync(file, JSON.stringify({ endpoint: `http://127.0.0.1:${port}/wpush/v1/${token}`, keys: sub.keys }));
    const r = await runCli(['send', file, 'x', '--data-dir', tempDir()]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      new RegExp(`no answer from the push service at http://127\\.0\\.0\\.1:${port}: ECONNREFUSED`),
    );
    assert.ok(!r.stderr.includes(token));
  });

  test('--timeout bounds a service that never answers: exit 1, "timed out after 1 s"', async () => {
    const sockets: net.Socket[] = [];
    const blackHole = net.createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    const port = (blackHole.address() as net.AddressInfo).port;
    const file = path.join(tempDir(), 'sub.json');
    fs.writeFileSync(file, JSON.stringify({ endpoint: `http://127.0.0.1:${port}/wpush/v1/x`, keys: sub.keys }));
    try {
      const r = await runCli(['send', file, 'x', '--timeout', '1', '--data-dir', tempDir()]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^push-agent: timed out after 1 s/);
    } finally {
      for (const s of sockets) s.destroy();
      blackHole.close();
    }
  });

  test('web-push is loaded by send only: list and status run without it', async () => {
    // A resolve hook that refuses web-push: a command that imports it, even lazily, fails with this message.
    const refuse =
      'data:text/javascript,import{registerHooks}from"node:module";registerHooks({resolve(s,c,n){if(s==="web-push")throw new Error("web-push was loaded");return n(s,c)}})';
    const run = (args: string[]) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const p = spawn(process.execPath, ['--import', refuse, CLI, ...args, '--data-dir', dir], { timeout: 30_000 });
        let stderr = '';
        p.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
        p.on('close', (code) => resolve({ code, stderr }));
        p.stdin.end();
      });
    for (const cmd of [['list'], ['status'], ['--help']]) assert.equal((await run(cmd)).code, 0, cmd.join(' '));
    const send = await run(['send', sub.id, 'x']);
    assert.equal(send.code, 1);
    assert.match(send.stderr, /web-push was loaded/, 'the hook works: send does load it');
  });

  test('bad arguments and bad input: one line, exit 2', async () => {
    const notJson = path.join(tempDir(), 'bad.json');
    fs.writeFileSync(notJson, '{"endpoint": "ftp://x"}');
    for (const args of [
      ['send'],
      ['send', sub.id, 'a', 'b'],
      ['send', sub.id, '--urgency', 'urgent'],
      ['send', sub.id, '--topic', 'has spaces'],
      ['send', sub.id, '--ttl', '-1'],
      ['send', sub.id, 'text', '--json', notJson],
      ['send', sub.id, '--vapid-subject', 'http://insecure.example'],
      ['send', sub.id, '--timeout', '0'],
      ['send', 'no-such-id-or-file'],
      ['send', notJson],
      ['send', sub.id, '--json', '/nonexistent/payload'],
      ['list', '--title', 'x'],
      ['listen', '--timeout', '3'],
    ]) {
      const r = await runCli([...args, '--data-dir', dir]);
      assert.equal(r.code, 2, `exit 2 for ${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line for ${args.join(' ')}`);
      assert.match(r.stderr, /^push-agent: /);
    }
  });
});

test(
  "the Linux package's push-agent send prints no deprecation warning",
  // Bundled, web-push is not under node_modules, and Node 24 warns about any url.parse() it calls (it used to, for
  // the VAPID audience: src/engine/web-push-sender.ts).
  { timeout: 60_000 },
  async () => {
    const service = await startPushService();
    try {
      const { bin } = await linuxPackageLayout();
      const d = tempDir();
      const run = (args: string[]) =>
        runCli([...args, '--data-dir', d], { bin, env: { ...process.env, PUSH_AGENT_NODE: process.execPath } });
      const subscribed = await run(['subscribe', '--service', service.wsUrl]);
      assert.equal(subscribed.code, 0, subscribed.stderr);
      const r = await run(['send', (JSON.parse(subscribed.stdout) as Sub).id, 'hello']);
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /DEP0169|DeprecationWarning/);
    } finally {
      await service.close();
    }
  },
);
