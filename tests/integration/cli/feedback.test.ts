// What the command says while it waits: progress on stderr only when stderr is a terminal (a real pty through
// util-linux `script`), --timeout ending a wait with exit 1, and `status` in one line and as JSON.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startPushService, type PushService } from '../../../tools/push-service/index.ts';
import { CLI, listenCli, runCli } from '../../support/cli.ts';
import { tempDir, waitFor } from '../../support/engine-harness.ts';

/** A loopback port where nothing listens: connections are refused. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(p));
    });
  });
}

const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
const hasScript = spawnSync('script', ['--version']).status === 0;

/** Runs the command with a pseudo-terminal as stdin/stdout/stderr; returns the terminal's text and the exit code. */
function runInTerminal(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const p = spawn('script', ['-q', '-e', '-c', [process.execPath, CLI, ...args].map(quote).join(' '), '/dev/null'], {
      timeout: 30_000,
    });
    let output = '';
    p.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
    p.on('close', (code) => resolve({ code, output }));
  });
}

describe('push-agent feedback', () => {
  let service: PushService;
  before(async () => {
    service = await startPushService();
  });
  after(async () => {
    await service.close();
  });

  test('--timeout on subscribe to an unreachable service: exit 1, "timed out after 2 s", nothing else on a non-terminal', async () => {
    const ws = `ws://127.0.0.1:${await closedPort()}/`;
    const r = await runCli(['subscribe', '--timeout', '2', '--data-dir', tempDir(), '--service', ws]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `push-agent: timed out after 2 s waiting for the push service at ${ws}\n`);
    assert.equal(r.stdout, '');
  });

  test(
    'on a terminal, subscribe says what it waits for: connecting to …, retrying in N s',
    { skip: hasScript ? false : 'util-linux script is not installed: no pty to test with' },
    async () => {
      const ws = `ws://127.0.0.1:${await closedPort()}/`;
      const r = await runInTerminal(['subscribe', '--timeout', '3', '--data-dir', tempDir(), '--service', ws]);
      assert.equal(r.code, 1, r.output);
      assert.match(r.output, new RegExp(`connecting to ${ws.replace(/[./]/g, '\\$&')}…`));
      assert.match(r.output, /cannot reach ws:\/\/127\.0\.0\.1:\d+\/.*, retrying in \d+ s/);
      assert.match(r.output, /timed out after 3 s/);
    },
  );

  test('status: one line and --json with running, connected, messages handled, subscriptions waiting for re-registration', async () => {
    const dir = tempDir();
    const sub = JSON.parse(
      (await runCli(['subscribe', '--label', 'S', '--data-dir', dir, '--service', service.wsUrl])).stdout,
    ) as { id: string };
    const idle = await runCli(['status', '--data-dir', dir]);
    assert.equal(idle.code, 0, idle.stderr);
    assert.equal(idle.stdout.split('\n').length, 2, 'one line');
    assert.match(
      idle.stdout,
      /^push-agent not running, not connected \(push service wss:\/\/[^)]+\); 0 messages handled; 1 subscription, 0 waiting for re-registration\n$/,
    );
    const l = listenCli(['--data-dir', dir, '--service', service.wsUrl]);
    try {
      await waitFor('connected', () => l.lines.some((x) => x.state === 'connected'));
      assert.equal((await runCli(['send', sub.id, 'one', '--data-dir', dir])).code, 0);
      await waitFor('shown', () => l.lines.some((x) => x.type === 'notification'));
      let status: Record<string, unknown> = {};
      for (let i = 0; i < 50 && status.messagesHandled !== 1; i++) {
        status = JSON.parse(
          (await runCli(['status', '--json', '--timeout', '10', '--data-dir', dir])).stdout,
        ) as Record<string, unknown>;
        if (status.messagesHandled !== 1) await new Promise((r) => setTimeout(r, 200));
      }
      assert.equal(status.running, true);
      assert.equal(status.connected, true);
      assert.equal(status.messagesHandled, 1);
      assert.equal(status.awaitingReregistration, 0);
      assert.equal(status.subscriptions, 1);
      const line = await runCli(['status', '--data-dir', dir]);
      assert.match(
        line.stdout,
        new RegExp(
          `^push-agent running \\(pid ${l.proc.pid}\\), connected to ws://127\\.0\\.0\\.1:\\d+/; 1 message handled; 1 subscription, 0 waiting for re-registration\\n$`,
        ),
      );
    } finally {
      await l.stop();
    }
  });
});
