// `--service local`: the push service embedded in the real `push-agent` process, offline. A subscription made once
// keeps working across agent restarts (the port and the service's state are kept in the data dir); while no agent
// runs, senders get "connection refused". Senders are `web-push` (request details) over fetch, since the
// endpoints are plain http on loopback.
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { spawnCli, type Listener } from '../../support/cli.ts';
import { send, tempDir, waitFor } from '../../support/engine-harness.ts';

type Agent = Listener;

/** `push-agent <args>` as a process; stdout parsed as JSON lines. */
function start(args: string[], env: NodeJS.ProcessEnv = process.env): Agent {
  return spawnCli(args, { env });
}

async function stop(agent: Agent): Promise<void> {
  agent.proc.kill('SIGTERM');
  assert.equal(await agent.exited, 0, agent.stderr());
}

const notified = (a: Agent, body: string) => () => a.lines.some((x) => x.type === 'notification' && x.body === body);

describe('push-agent --service local (embedded push service)', () => {
  test('subscribe, listen, send; restart the agent and the same endpoint still delivers; refused while stopped', async () => {
    const dir = tempDir();
    const sub0 = start(['subscribe', '--label', 'Offline', '--data-dir', dir, '--service', 'local']);
    assert.equal(await sub0.exited, 0, sub0.stderr());
    const sub = sub0.lines[0] as { id: string; endpoint: string; keys: { p256dh: string; auth: string } };
    const endpoint = new URL(sub.endpoint);
    assert.equal(endpoint.protocol, 'http:');
    assert.equal(endpoint.hostname, '127.0.0.1');
    const port = Number(endpoint.port);
    // The port is kept in the data dir, the service's state (with its token secret) too, both private.
    assert.deepEqual(JSON.parse(readFileSync(path.join(dir, 'push-service-port.json'), 'utf8')), { port });
    assert.equal(statSync(path.join(dir, 'push-service-state.json')).mode & 0o777, 0o600);

    // Nothing listens while no agent runs: the sender is refused, nothing is stored anywhere.
    await assert.rejects(
      send(sub, 'while stopped'),
      (err: Error) => (err.cause as NodeJS.ErrnoException | undefined)?.code === 'ECONNREFUSED',
    );

    const first = start(['listen', '--json', '--data-dir', dir, '--service', 'local']);
    try {
      await waitFor('connected', () => first.lines.some((x) => x.type === 'status' && x.state === 'connected'));
      assert.equal(first.stderr(), `push service: ws://127.0.0.1:${port}/ (embedded)\n`);
      assert.equal(await send(sub, 'first run'), 201);
      await waitFor('first message shown', notified(first, 'first run'));
    } finally {
      await stop(first);
    }

    // A restart, chosen through the environment this time: same port, same UAID, same endpoint.
    const second = start(['listen', '--json', '--data-dir', dir], { ...process.env, PUSH_AGENT_SERVICE: 'local' });
    try {
      await waitFor('connected again', () => second.lines.some((x) => x.type === 'status' && x.state === 'connected'));
      assert.equal(second.stderr(), `push service: ws://127.0.0.1:${port}/ (embedded)\n`);
      assert.equal(await send(sub, 'after restart'), 201);
      await waitFor('message after restart shown', notified(second, 'after restart'));
      assert.equal(
        second.lines.filter((x) => x.type === 'subscriptionchange').length,
        0,
        'the endpoint did not change',
      );
    } finally {
      await stop(second);
    }

    // status names the embedded service's URL without starting it.
    const status = start(['status', '--json', '--data-dir', dir, '--service', 'local']);
    assert.equal(await status.exited, 0, status.stderr());
    assert.equal((status.lines[0] as { serviceUrl: string }).serviceUrl, `ws://127.0.0.1:${port}/`);
    await assert.rejects(
      send(sub, 'stopped again'),
      (err: Error) => (err.cause as NodeJS.ErrnoException | undefined)?.code === 'ECONNREFUSED',
    );
  });

  test('a kept port taken by another program stops the agent with a clear message, and the port file is kept', async () => {
    const dir = tempDir();
    const sub0 = start(['subscribe', '--data-dir', dir, '--service', 'local']);
    assert.equal(await sub0.exited, 0, sub0.stderr());
    const port = Number(new URL((sub0.lines[0] as { endpoint: string }).endpoint).port);
    const { createServer } = await import('node:net');
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
    try {
      const l = start(['listen', '--json', '--data-dir', dir, '--service', 'local']);
      assert.equal(await l.exited, 1);
      assert.match(l.stderr(), new RegExp(`^push-agent: .*port ${port} .*in use`));
      assert.deepEqual(JSON.parse(readFileSync(path.join(dir, 'push-service-port.json'), 'utf8')), { port });
    } finally {
      squatter.close();
    }
  });
});
