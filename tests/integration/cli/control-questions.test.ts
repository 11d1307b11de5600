// Questions on the control socket: while a request runs, `listen` asks its client (a site's notification request
// in a `site add` window) and the client's answer comes back on the same connection. Real sockets, the real server
// and client of src/cli; the handlers are small stand-ins for `listen`'s, since what is tested is the wire.
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { startControlServer, type ControlHandler } from '../../../src/cli/control-socket.ts';
import { ControlClient } from '../../../src/cli/control-client.ts';
import { tempDir } from '../../support/engine-harness.ts';

const socketPath = () => path.join(tempDir('pa-q-'), 'c.sock');

/** Asks about `origin` and returns what it got (or the error that ended the question). */
const asking: ControlHandler = async (args, peer) => {
  try {
    return { answer: await peer.ask({ kind: 'notification-permission', origin: String(args.origin) }) };
  } catch (err) {
    return { error: (err as Error).message };
  }
};

test('the answer reaches the running request at once (not queued behind it); each question gets its own answer', async () => {
  const server = await startControlServer(socketPath(), {
    ask: asking,
    async twice(_args, peer) {
      const a = await peer.ask({ kind: 'notification-permission', origin: 'https://a.example' });
      const b = await peer.ask({ kind: 'notification-permission', origin: 'https://b.example' });
      return [a, b];
    },
  });
  const client = await ControlClient.connect(server.path);
  try {
    const asked: string[] = [];
    const onAsk = async (q: { origin: string }) => {
      asked.push(q.origin);
      return q.origin === 'https://a.example';
    };
    assert.deepEqual(await client.request('ask', { origin: 'https://a.example' }, { onAsk }), { answer: true });
    assert.deepEqual(await client.request('twice', {}, { onAsk }), [true, false]);
    assert.deepEqual(asked, ['https://a.example', 'https://a.example', 'https://b.example']);
    // A client with no one to ask answers null.
    assert.deepEqual(await client.request('ask', { origin: 'https://a.example' }), { answer: null });
    // A question about something that is not an origin is not put to the user.
    assert.deepEqual(await client.request('ask', { origin: 'javascript:alert(1)' }, { onAsk }), { answer: null });
    assert.equal(asked.length, 3);
  } finally {
    client.close();
    await server.close();
  }
});

test('the asking client goes away: the question ends with an error (a denial), the server keeps serving', async () => {
  const results: unknown[] = [];
  const server = await startControlServer(socketPath(), {
    async ask(args, peer) {
      const r = await asking(args, peer);
      results.push(r);
      return r;
    },
    async ping() {
      return 'pong';
    },
  });
  const raw = net.connect({ path: server.path });
  const got: string[] = [];
  raw.on('data', (c: Buffer) => got.push(c.toString('utf8')));
  raw.write(`${JSON.stringify({ id: 7, command: 'ask', args: { origin: 'https://x.example' } })}\n`);
  for (let i = 0; i < 100 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(JSON.parse(got.join('')), {
    id: 7,
    ask: { kind: 'notification-permission', origin: 'https://x.example', question: 1 },
  });
  raw.destroy();
  for (let i = 0; i < 100 && results.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(results, [{ error: 'the command that asked is gone' }]);
  const client = await ControlClient.connect(server.path);
  assert.equal(await client.request('ping'), 'pong');
  client.close();
  await server.close();
});

test('stray answers (unknown question, wrong types, late) are dropped; requests on the connection go on', async () => {
  const server = await startControlServer(socketPath(), {
    ask: asking,
    async ping() {
      return 'pong';
    },
  });
  const raw = net.connect({ path: server.path });
  const lines: Array<Record<string, unknown>> = [];
  let buf = '';
  raw.on('data', (c: Buffer) => {
    buf += c.toString('utf8');
    for (let i; (i = buf.indexOf('\n')) >= 0; buf = buf.slice(i + 1))
      lines.push(JSON.parse(buf.slice(0, i)) as Record<string, unknown>);
  });
  const next = async (n: number) => {
    for (let i = 0; i < 200 && lines.length < n; i++) await new Promise((r) => setTimeout(r, 10));
    return lines[n - 1];
  };
  raw.write(
    `${JSON.stringify({ question: 99, answer: true })}\n${JSON.stringify({ question: 'x', answer: true })}\n{"question":1}\n`,
  );
  raw.write(`${JSON.stringify({ id: 1, command: 'ping' })}\n`);
  assert.deepEqual(await next(1), { id: 1, ok: true, result: 'pong' });
  raw.write(`${JSON.stringify({ id: 2, command: 'ask', args: { origin: 'https://y.example' } })}\n`);
  const ask = (await next(2))!.ask as { question: number };
  raw.write(
    `${JSON.stringify({ question: ask.question, answer: false })}\n${JSON.stringify({ question: ask.question, answer: true })}\n`,
  );
  assert.deepEqual(await next(3), { id: 2, ok: true, result: { answer: false } });
  raw.write(`${JSON.stringify({ id: 3, command: 'ping' })}\n`);
  assert.deepEqual(await next(4), { id: 3, ok: true, result: 'pong' });
  assert.equal(lines.length, 4);
  raw.destroy();
  await server.close();
});

test('a connection is closed when idle, not while its request runs (a site window open longer than the idle time)', async () => {
  const server = await startControlServer(
    socketPath(),
    {
      async slow() {
        await new Promise((r) => setTimeout(r, 600));
        return 'done';
      },
    },
    { idleMs: 150 },
  );
  const client = await ControlClient.connect(server.path);
  assert.equal(await client.request('slow'), 'done');
  client.close();
  const idle = net.connect({ path: server.path });
  const closedAfter = await new Promise<number>((resolve) => {
    const t0 = Date.now();
    idle.on('close', () => resolve(Date.now() - t0));
  });
  assert.ok(closedAfter >= 100, `closed after ${closedAfter} ms`);
  await server.close();
});
