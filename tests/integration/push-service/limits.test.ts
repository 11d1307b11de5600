// One client must not be able to hurt the others: a per-UAID share of message storage, a per-address connection
// limit, ack handling whose cost does not grow with what is stored, a private data file, and one log line (no
// stack) for a sender that hangs up mid-upload.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import type { PushService } from '../../../tools/push-service/index.ts';
import { RawPushClient, sendWebPush } from '../../support/raw-push-client.ts';
import { registered, request, startService, until } from './helpers.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'push-service-limits-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Empty-body pushes (no encryption needed), `count` of them, a few in flight at a time. */
async function pushEmpty(endpoint: string, count: number, ttl = 600): Promise<number[]> {
  const statuses: number[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      next++;
      statuses.push((await request(endpoint, { headers: { TTL: String(ttl) } })).status);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return statuses;
}

describe('push service: one client cannot fill the store for everyone', () => {
  it('a UAID gets 503 errno 201 at its share while other UAIDs keep getting 201', async () => {
    const service = await startService({ maxStoredBytes: 120_000, maxStoredBytesPerUaid: 30_000 });
    try {
      const greedy = await registered(service);
      await greedy.client.close(); // offline: everything sent is stored
      const other = await registered(service);
      await other.client.close();

      const payload = 'x'.repeat(3000);
      let refused: Awaited<ReturnType<typeof sendWebPush>> | undefined;
      let accepted = 0;
      for (let i = 0; i < 60 && !refused; i++) {
        const r = await sendWebPush(greedy.endpoint, greedy.keys, payload, { TTL: 600 });
        if (r.statusCode === 201) accepted++;
        else refused = r;
      }
      assert.ok(refused, 'the greedy UAID is never refused');
      assert.equal(refused.statusCode, 503);
      assert.equal((JSON.parse(refused.body) as { errno: number }).errno, 201);
      assert.ok(accepted >= 5 && accepted <= 8, `${accepted} messages of ~4 KiB fit a 30,000-byte share`);

      // The store as a whole still has room: another subscriber's sender is served.
      for (let i = 0; i < 5; i++) {
        assert.equal(
          (await sendWebPush(other.endpoint, other.keys, payload, { TTL: 600 })).statusCode,
          201,
          `other sender, message ${i}`,
        );
      }
      assert.equal(service.stats().stored, accepted + 5);
    } finally {
      await service.close();
    }
  });

  it('the share is freed by acks: once the client drains, its senders are served again', async () => {
    const service = await startService({ maxStoredBytesPerUaid: 2_000 });
    try {
      const r = await registered(service);
      await r.client.close();
      const statuses = await pushEmpty(r.endpoint, 12);
      assert.ok(statuses.includes(503), 'an empty push is counted against the share too');
      const stored = service.stats().stored;
      const c = await RawPushClient.connect(service.wsUrl);
      await c.hello(r.client.uaid);
      for (const n of await c.take(stored)) c.ack(r.channelID, n.version as string);
      await until(() => service.stats().stored === 0);
      assert.equal((await request(r.endpoint, { headers: { TTL: '600' } })).status, 201);
      await c.close();
    } finally {
      await service.close();
    }
  });
});

describe('push service: connections per client address', () => {
  const open = (service: PushService, localAddress: string): Promise<WebSocket> =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(service.wsUrl, { localAddress });
      ws.once('open', () => resolve(ws));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });

  it('refuses the connection over the limit with HTTP 503, counts each address apart and frees slots on close', async () => {
    const service = await startService({ maxConnectionsPerAddress: 2 });
    const sockets: WebSocket[] = [];
    try {
      sockets.push(await open(service, '127.0.0.1'), await open(service, '127.0.0.1'));
      await assert.rejects(open(service, '127.0.0.1'), /HTTP 503/);
      // Another address (still loopback) is not affected.
      sockets.push(await open(service, '127.0.0.2'));
      sockets[0]!.close();
      await until(() => service.stats().connections === 2);
      sockets.push(await open(service, '127.0.0.1'));
      assert.equal(service.stats().connections, 3);
    } finally {
      for (const ws of sockets) ws.terminate();
      await service.close();
    }
  });
});

describe('push service: ack cost does not depend on how much is stored', () => {
  /**
   * Stores `stored` messages for one UAID, reconnects, and measures the scans of a legacy-ack flood and a full drain.
   */
  async function measure(stored: number): Promise<{ flood: number; drain: number }> {
    const service = await startService({ maxMessagesPerSession: 100_000, maxStoredPerChannel: 100_000, batchSize: 10 });
    try {
      const r = await registered(service);
      await r.client.close();
      // Some of them expired by the time the client comes back: expiry is handled on the way, not per ack.
      const statuses = [...(await pushEmpty(r.endpoint, stored - 10)), ...(await pushEmpty(r.endpoint, 10, 1))];
      assert.ok(statuses.every((s) => s === 201));
      await new Promise((res) => setTimeout(res, 1100));

      const c = await RawPushClient.connect(service.wsUrl);
      await c.hello(r.client.uaid);
      const first = await c.take(10);
      // Ten ~60 KiB ack frames of integer (SimplePush) versions: none of them matches a stored message.
      const before = service.scanCount();
      for (let f = 0; f < 10; f++) {
        c.send({
          messageType: 'ack',
          updates: Array.from({ length: 800 }, (_, i) => ({ channelID: r.channelID, version: f * 800 + i, code: 100 })),
        });
      }
      assert.equal((await c.register()).status, 200); // every ack frame before it has been handled
      const flood = service.scanCount() - before;

      const drainStart = service.scanCount();
      const expected = stored - 10;
      let pending = first;
      let received = first.length;
      while (received < expected) {
        for (const n of pending) c.ack(r.channelID, n.version as string);
        pending = await c.take(Math.min(10, expected - received));
        received += pending.length;
      }
      for (const n of pending) c.ack(r.channelID, n.version as string);
      assert.equal(await c.maybeNext(200), undefined, 'nothing more than the unexpired messages');
      await until(() => service.stats().stored === 0);
      const drain = service.scanCount() - drainStart;
      await c.close();
      return { flood, drain };
    } finally {
      await service.close();
    }
  }

  it('a flood of legacy acks scans nothing, and a drain visits each stored message about once', async () => {
    const small = await measure(40);
    const large = await measure(800);
    assert.equal(typeof large.flood, 'number');
    assert.equal(
      large.flood,
      small.flood,
      `legacy acks scanned ${small.flood} with 40 stored, ${large.flood} with 800`,
    );
    assert.ok(large.flood <= 8000, `8,000 legacy ack updates scanned ${large.flood} stored messages`);
    // Each message is looked at when its batch is built (and expired ones once, when dropped): linear, not quadratic.
    assert.ok(large.drain <= 800 + 20, `draining 800 stored messages scanned ${large.drain}`);
  });
});

describe('push service: data file', () => {
  it('is readable by its owner only (it holds the endpoint-token secret), also when it existed before', async () => {
    const fresh = path.join(dir, 'fresh.json');
    const service = await startService({ dataFile: fresh });
    try {
      assert.equal(statSync(fresh).mode & 0o777, 0o600);
      const r = await registered(service);
      await r.client.close();
    } finally {
      await service.close();
    }
    assert.equal(statSync(fresh).mode & 0o777, 0o600, 'after a later write');

    const old = path.join(dir, 'old.json');
    const first = await startService({ dataFile: old });
    await first.close();
    const { chmodSync, readFileSync } = await import('node:fs');
    const text = readFileSync(old, 'utf8');
    writeFileSync(old, text, { mode: 0o644 });
    chmodSync(old, 0o644);
    const second = await startService({ dataFile: old });
    try {
      assert.equal(statSync(old).mode & 0o777, 0o600, 'an existing 0644 file is tightened at start');
    } finally {
      await second.close();
    }
  });
});

describe('push service: a sender that disconnects mid-upload', () => {
  it('gives one log line and no stack trace (the service CLI as a process)', async () => {
    const cli = fileURLToPath(new URL('../../../tools/push-service/cli.ts', import.meta.url));
    const child = spawn(process.execPath, [cli, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).once('line', resolve);
        child.once('exit', (code) => reject(new Error(`service exited ${code}: ${stderr}`)));
      });
      const port = Number(/:(\d+)\//.exec(line)![1]);
      for (let i = 0; i < 2; i++) {
        await new Promise<void>((resolve) => {
          const sock = net.connect(port, '127.0.0.1', () => {
            sock.write(
              `POST /wpush/v1/abc HTTP/1.1\r\nHost: 127.0.0.1\r\nTTL: 60\r\nContent-Length: 4000\r\n\r\n${'a'.repeat(100)}`,
            );
            setTimeout(() => sock.destroy(), 50);
          });
          sock.on('close', () => resolve());
          sock.on('error', () => {});
        });
      }
      // Still serving afterwards.
      assert.equal((await request(`http://127.0.0.1:${port}/health`, { method: 'GET' })).status, 200);
      await until(() => stderr.split('\n').filter(Boolean).length >= 2, 3000);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    const lines = stderr.split('\n').filter(Boolean);
    assert.equal(lines.length, 2, `one line per aborted upload, got:\n${stderr}`);
    for (const l of lines) assert.match(l, /^push service: sender disconnected after 100 of 4000 bytes/);
    assert.doesNotMatch(stderr, /^\s+at /m);
  });
});
