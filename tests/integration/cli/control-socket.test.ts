// Every command works while `listen` runs: real `push-agent` processes reach it through its control socket, with the
// local push service and web-push as the sender.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startPushService, type PushService } from '../../../tools/push-service/index.ts';
import { lockHolder } from '../../../src/cli/data-dir-lock.ts';
import { MAX_LINE_BYTES } from '../../../src/cli/control-protocol.ts';
import { send, tempDir, waitFor } from '../../support/engine-harness.ts';
import { listen, runCli, type Listener } from '../../support/push-agent-process.ts';

interface Sub {
  id: string;
  endpoint: string;
  expirationTime: null;
  keys: { p256dh: string; auth: string };
}

/** One raw connection to a control socket: sends lines, collects answer lines. */
function rawClient(
  socketPath: string,
): Promise<{ socket: net.Socket; answers: Array<Record<string, unknown>>; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ path: socketPath }, () => resolve({ socket, answers, closed }));
    const answers: Array<Record<string, unknown>> = [];
    let buf = '';
    socket.on('data', (c: Buffer) => {
      buf += c.toString('utf8');
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        answers.push(JSON.parse(buf.slice(0, i)) as Record<string, unknown>);
        buf = buf.slice(i + 1);
      }
    });
    const closed = new Promise<void>((r) => socket.on('close', () => r()));
    socket.once('error', reject);
  });
}

describe('commands while listen runs', () => {
  let service: PushService;
  const listeners: Listener[] = [];
  before(async () => {
    service = await startPushService();
  });
  after(async () => {
    for (const l of listeners) await l.stop();
    await service.close();
  });

  async function started(dir: string): Promise<Listener> {
    const l = listen(dir, service.wsUrl);
    listeners.push(l);
    await waitFor(
      'listen connected',
      () => l.lines.some((x) => x.type === 'status' && x.state === 'connected'),
      20_000,
    );
    return l;
  }
  /** The control socket `listen` announces in the data-dir lock's answer (bound once its engine has started). */
  async function controlPath(dir: string): Promise<string> {
    for (let i = 0; i < 100; i++) {
      const h = await lockHolder(dir);
      if (h?.control) return h.control;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('no control socket announced');
  }
  const cli = (dir: string, ...args: string[]) => runCli([...args, '--data-dir', dir, '--service', service.wsUrl]);

  test('subscribe, list, status, unsubscribe go through the running listen; its message is shown by it once', async () => {
    const dir = tempDir();
    const l = await started(dir);
    const socketPath = await controlPath(dir);
    assert.equal(fs.statSync(socketPath).mode & 0o777, 0o600, 'the socket file is for its user only');
    assert.equal(fs.statSync(path.dirname(socketPath)).mode & 0o777, 0o700, 'in a directory only its user can enter');

    const r = await cli(dir, 'subscribe', '--label', 'Live feed');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const sub = JSON.parse(r.stdout) as Sub;
    assert.deepEqual(Object.keys(sub), ['id', 'endpoint', 'expirationTime', 'keys']);
    assert.equal(r.stdout.split('\n').length, 2, 'one line');

    // Live in that listen at once: the message to it is shown there, exactly once.
    await send(sub, JSON.stringify({ title: 'Via control', body: 'first message' }));
    await waitFor('notification shown by listen', () =>
      l.lines.some((x) => x.type === 'notification' && x.body === 'first message'),
    );
    await new Promise((res) => setTimeout(res, 500));
    assert.equal(l.lines.filter((x) => x.type === 'notification' && x.body === 'first message').length, 1);
    assert.equal(l.lines.find((x) => x.type === 'notification')!.subscription, sub.id);

    const list = await cli(dir, 'list');
    assert.equal(list.code, 0, list.stderr);
    assert.equal(list.stdout, `${sub.id}  endpoint  Live feed  \n`);
    const listJson = JSON.parse((await cli(dir, 'list', '--json')).stdout) as Array<{ id: string; endpoint: string }>;
    assert.deepEqual(
      listJson.map((s) => [s.id, s.endpoint]),
      [[sub.id, sub.endpoint]],
    );

    // status reports the listener's live state: connected, one message handled.
    const status = await cli(dir, 'status', '--json');
    assert.equal(status.code, 0, status.stderr);
    const s = JSON.parse(status.stdout) as Record<string, unknown>;
    assert.equal(s.running, true);
    assert.equal(s.pid, l.proc.pid);
    assert.equal(s.connected, true);
    assert.equal(s.state, 'connected');
    assert.equal(s.messagesHandled, 1);
    assert.equal(s.subscriptions, 1);
    assert.equal(s.dataDir, dir);
    const line = await cli(dir, 'status');
    assert.equal(
      line.stdout,
      `push-agent running (pid ${l.proc.pid}), connected to ${service.wsUrl}; 1 message handled; 1 subscription, 0 waiting for re-registration\n`,
    );

    const un = await cli(dir, 'unsubscribe', sub.id);
    assert.equal(un.code, 0, un.stderr);
    assert.equal(un.stdout, `unsubscribed ${sub.id}\n`);
    const again = await cli(dir, 'unsubscribe', sub.id);
    assert.equal(again.code, 1);
    assert.equal(again.stderr, `push-agent: no subscription with id ${sub.id} (see: push-agent list)\n`);
    assert.equal(
      (await cli(dir, 'list')).stdout,
      'No subscriptions. Create one with: push-agent subscribe --label <name>\n',
    );
    // A bad key is still refused by the command line itself (exit 2), before anything is asked of listen.
    assert.equal((await cli(dir, 'subscribe', '--application-server-key', 'xyz')).code, 2);

    await l.stop();
    assert.equal(await l.exited, 0);
    assert.equal(fs.existsSync(socketPath), false, 'a clean stop removes the socket file');
    // Without listen, the same commands work on the data dir directly.
    const direct = await cli(dir, 'subscribe', '--label', 'Direct');
    assert.equal(direct.code, 0, direct.stderr);
    assert.equal((await cli(dir, 'status', '--json')).stdout.includes('"running":false'), true);
  });

  test('two clients at once: both subscribe, both answered, both live', async () => {
    const dir = tempDir();
    const l = await started(dir);
    const [a, b, list] = await Promise.all([
      cli(dir, 'subscribe', '--label', 'A'),
      cli(dir, 'subscribe', '--label', 'B'),
      cli(dir, 'status', '--json'),
    ]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    assert.equal(list.code, 0, list.stderr);
    const subA = JSON.parse(a.stdout) as Sub;
    const subB = JSON.parse(b.stdout) as Sub;
    assert.notEqual(subA.id, subB.id);
    await send(subA, JSON.stringify({ title: 'A', body: 'to A' }));
    await send(subB, JSON.stringify({ title: 'B', body: 'to B' }));
    await waitFor('both shown', () =>
      ['to A', 'to B'].every((b) => l.lines.some((x) => x.type === 'notification' && x.body === b)),
    );

    // Two raw connections interleaved: each gets its own answers, in order, by id.
    const socketPath = await controlPath(dir);
    const [c1, c2] = await Promise.all([rawClient(socketPath), rawClient(socketPath)]);
    c1.socket.write('{"id":"one-a","command":"list"}\n');
    c2.socket.write('{"id":"two","command":"status"}\n{"id":"two-b","command":"list"}\n');
    c1.socket.write('{"id":"one-b","command":"status"}\n');
    await waitFor('answers', () => c1.answers.length === 2 && c2.answers.length === 2);
    assert.deepEqual(
      c1.answers.map((x) => [x.id, x.ok]),
      [
        ['one-a', true],
        ['one-b', true],
      ],
    );
    assert.deepEqual(
      c2.answers.map((x) => [x.id, x.ok]),
      [
        ['two', true],
        ['two-b', true],
      ],
    );
    assert.equal((c1.answers[0]!.result as unknown[]).length, 2);
    c1.socket.destroy();
    c2.socket.destroy();
  });

  test('garbage, a bad request and a huge line get typed errors; the listener keeps running', async () => {
    const dir = tempDir();
    const l = await started(dir);
    const socketPath = await controlPath(dir);
    const c = await rawClient(socketPath);
    c.socket.write('this is not json\n');
    c.socket.write('[1,2]\n');
    c.socket.write('{"id":7}\n');
    c.socket.write('{"id":8,"command":"frobnicate"}\n');
    c.socket.write('{"id":9,"command":"subscribe","args":{"label":42}}\n');
    c.socket.write('{"id":10,"command":"unsubscribe","args":{"id":"no-such-id"}}\n');
    c.socket.write('{"id":11,"command":"__proto__"}\n');
    await waitFor('answers', () => c.answers.length === 7);
    assert.deepEqual(
      c.answers.map((x) => [x.id, x.ok, (x.error as { code: string } | undefined)?.code]),
      [
        [null, false, 'bad-json'],
        [null, false, 'bad-json'],
        [7, false, 'bad-request'],
        [8, false, 'unknown-command'],
        [9, false, 'bad-arguments'],
        [10, false, 'not-found'],
        [11, false, 'unknown-command'],
      ],
    );
    for (const a of c.answers) assert.equal(typeof (a.error as { message: string }).message, 'string');

    // A line past the limit: one typed error, then the listener closes that connection (it cannot resync).
    const big = await rawClient(socketPath);
    big.socket.write(Buffer.alloc(MAX_LINE_BYTES + 10, 'x'));
    await big.closed;
    assert.deepEqual(
      big.answers.map((x) => (x.error as { code: string }).code),
      ['line-too-long'],
    );
    // A client that connects and leaves mid-request does no harm either.
    const rude = await rawClient(socketPath);
    rude.socket.end('{"id":1,"command":"status"');

    assert.equal(l.proc.exitCode, null, 'listen still runs');
    const status = await cli(dir, 'status', '--json');
    assert.equal(status.code, 0, status.stderr);
    assert.equal((JSON.parse(status.stdout) as { connected: boolean }).connected, true);
    c.socket.destroy();
  });

  test('a socket left by a kill -9 of listen: the next listen starts and commands work', async () => {
    const dir = tempDir();
    const first = await started(dir);
    const socketPath = await controlPath(dir);
    first.proc.kill('SIGKILL');
    await first.exited;
    assert.equal(fs.existsSync(socketPath), true, 'the killed listen left its socket file');
    // With no listen, a command does not use the leftover socket: it works on the data dir.
    const direct = await cli(dir, 'subscribe', '--label', 'While down');
    assert.equal(direct.code, 0, direct.stderr);
    const sub = JSON.parse(direct.stdout) as Sub;

    const second = await started(dir);
    assert.equal(await controlPath(dir), socketPath);
    const list = JSON.parse((await cli(dir, 'list', '--json')).stdout) as Array<{ id: string }>;
    assert.deepEqual(
      list.map((s) => s.id),
      [sub.id],
    );
    const r = await cli(dir, 'subscribe', '--label', 'After restart');
    assert.equal(r.code, 0, r.stderr);
    await send(JSON.parse(r.stdout) as Sub, JSON.stringify({ title: 't', body: 'after restart' }));
    await waitFor('shown by the new listen', () =>
      second.lines.some((x) => x.type === 'notification' && x.body === 'after restart'),
    );
  });

  test('another user cannot connect to the control socket', async (t) => {
    if (process.platform !== 'linux' || process.getuid?.() !== 0)
      return t.skip('SKIPPED: needs root on Linux to run a client as another user');
    const user = 'pa-ctl-test';
    if (spawnSync('id', [user]).status !== 0) {
      const add = spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', user], {
        encoding: 'utf8',
      });
      if (add.status !== 0) return t.skip(`SKIPPED: useradd refused: ${add.stderr.trim()}`);
    }
    const dir = tempDir();
    await started(dir);
    const socketPath = await controlPath(dir);
    // The client, as that user: the system node is enough to open a socket.
    const script = `require('net').connect(${JSON.stringify(socketPath)}).on('connect',()=>{console.log('connected');process.exit(0)}).on('error',(e)=>{console.log(e.code);process.exit(0)})`;
    const r = spawnSync('runuser', ['-u', user, '--', 'node', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    if (r.error || r.status !== 0)
      return t.skip(`SKIPPED: cannot run node as ${user}: ${r.error?.message ?? r.stderr.trim()}`);
    assert.equal(r.stdout.trim(), 'EACCES');
  });
});
