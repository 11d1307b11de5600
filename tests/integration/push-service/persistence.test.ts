// State across restarts: restart() in memory and with a data file, a new service on the same file, and the CLI.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PushServiceError } from '../../../tools/push-service/index.ts';
import { RawPushClient, sendWebPush } from '../../support/raw-push-client.ts';
import { decrypt, registered, startService } from './helpers.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'push-service-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('push service: restart', () => {
  it('restart() keeps UAIDs, channels, endpoints and stored messages in memory, on the same port', async () => {
    const service = await startService();
    try {
      const r = await registered(service);
      await sendWebPush(r.endpoint, r.keys, 'before restart', { TTL: 60 });
      const live = await r.client.next(); // delivered, not acked
      await service.restart();
      assert.equal((await r.client.closed).code, 1006);
      const c = await RawPushClient.connect(service.wsUrl);
      assert.equal((await c.hello(r.client.uaid)).uaid, r.client.uaid);
      const again = await c.next();
      assert.equal(again.version, live.version);
      c.ack(r.channelID, again.version as string);
      assert.equal((await sendWebPush(r.endpoint, r.keys, 'after', { TTL: 60 })).statusCode, 201);
      assert.equal(decrypt(await c.next(), r.keys), 'after');
      await c.close();
    } finally {
      await service.close();
    }
  });

  it('with a data file, a register or unregister is on disk before its reply (a crash right after loses no endpoint)', async () => {
    const dataFile = path.join(dir, 'durable.json');
    const service = await startService({ dataFile });
    try {
      const channels = (): string[] =>
        (JSON.parse(readFileSync(dataFile, 'utf8')) as { uaids: Array<{ channels: string[] }> }).uaids.flatMap(
          (u) => u.channels,
        );
      const r = await registered(service);
      // Read while the service runs: no close, no restart, no flush.
      assert.deepEqual(channels(), [r.channelID]);
      assert.equal((await r.client.unregister(r.channelID)).status, 200);
      assert.deepEqual(channels(), []);
      await r.client.close();
    } finally {
      await service.close();
    }
  });

  it('with a data file, restart() and a brand-new service on the same file keep everything', async () => {
    const dataFile = path.join(dir, 'state.json');
    const first = await startService({ dataFile });
    let port: number;
    let r: Awaited<ReturnType<typeof registered>>;
    try {
      r = await registered(first);
      await r.client.close();
      await sendWebPush(r.endpoint, r.keys, 'stored 1', { TTL: 600, topic: 'keep' });
      await first.restart();
      await sendWebPush(r.endpoint, r.keys, 'stored 2', { TTL: 600 });
      port = first.port;
    } finally {
      await first.close();
    }
    const uaid = r.client.uaid!;
    const saved = JSON.parse(readFileSync(dataFile, 'utf8')) as { uaids: unknown[] };
    assert.equal(saved.uaids.length, 1);

    const second = await startService({ dataFile, port });
    try {
      assert.deepEqual(
        { uaids: second.stats().uaids, channels: second.stats().channels, stored: second.stats().stored },
        { uaids: 1, channels: 1, stored: 2 },
      );
      const c = await RawPushClient.connect(second.wsUrl);
      assert.equal((await c.hello(uaid)).uaid, uaid);
      const got = (await c.take(2)).map((n) => {
        c.ack(r.channelID, n.version as string);
        return decrypt(n, r.keys);
      });
      assert.deepEqual(got, ['stored 1', 'stored 2']);
      // The endpoint handed out before is still valid (same token secret).
      assert.equal((await sendWebPush(r.endpoint, r.keys, 'live', { TTL: 60 })).statusCode, 201);
      assert.equal(decrypt(await c.next(), r.keys), 'live');
      await c.close();
    } finally {
      await second.close();
    }
  });
});

describe('push service: start-up errors', () => {
  it('a corrupt data file or a bad option is a typed error, not a silently empty service', async () => {
    const corrupt = path.join(dir, 'corrupt.json');
    writeFileSync(corrupt, '{not json');
    await assert.rejects(
      startService({ dataFile: corrupt }),
      (err) => err instanceof PushServiceError && err.kind === 'data-file',
    );
    writeFileSync(corrupt, '{"some":"other file"}');
    await assert.rejects(
      startService({ dataFile: corrupt }),
      (err) => err instanceof PushServiceError && err.kind === 'data-file',
    );
    await assert.rejects(
      startService({ batchSize: 0 }),
      (err) => err instanceof PushServiceError && err.kind === 'invalid-option',
    );
  });
});

describe('push service: CLI', () => {
  it('prints its ws:// URL, serves, and exits cleanly on SIGTERM', async () => {
    const cli = fileURLToPath(new URL('../../../tools/push-service/cli.ts', import.meta.url));
    const child = spawn(process.execPath, [cli, '--port', '0', '--data', path.join(dir, 'cli.json')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const lines = createInterface({ input: child.stdout });
      const first = await new Promise<string>((resolve, reject) => {
        lines.once('line', resolve);
        child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
      });
      const url = /ws:\/\/127\.0\.0\.1:\d+\//.exec(first)?.[0];
      assert.ok(url, first);
      const c = await RawPushClient.connect(url);
      assert.equal((await c.hello()).status, 200);
      await c.close();
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
