// `push-agent` with its key file gone, unreadable or replaced: every command stops with a message naming the key
// file and changes nothing; with the key back, everything is as before. Real processes, the local push service.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startPushService, type PushService } from '../../../tools/push-service/index.ts';
import { tempDir } from '../../support/engine-harness.ts';

const CLI = new URL('../../../src/cli/push-agent.ts', import.meta.url).pathname;

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, ...args], { timeout: 30_000 });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    p.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Every file in the dir with its bytes: "nothing changed" is checked on all of them. */
function snapshot(dir: string): Map<string, string> {
  return new Map(fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f)).toString('base64')]));
}

let service: PushService;
before(async () => {
  service = await startPushService();
});
after(async () => {
  await service.close();
});

test('a missing, unreadable or replaced key: list, status, listen, subscribe stop naming the key file; nothing is written', async () => {
  const dir = tempDir();
  const common = ['--data-dir', dir, '--service', service.wsUrl];
  const made = await run(['subscribe', '--label', 'keep me', ...common]);
  assert.equal(made.code, 0, made.stderr);
  const sub = JSON.parse(made.stdout) as { id: string; endpoint: string };
  const keyFile = path.join(dir, 'secret.key');
  const key = fs.readFileSync(keyFile);

  const faults: Array<[string, () => void]> = [
    ['missing', () => fs.rmSync(keyFile)],
    ['replaced', () => fs.writeFileSync(keyFile, Buffer.alloc(32, 7), { mode: 0o600 })],
    ['not a key', () => fs.writeFileSync(keyFile, 'short', { mode: 0o600 })],
  ];
  if (process.getuid?.() !== 0) faults.push(['unreadable', () => fs.chmodSync(keyFile, 0o000)]);
  else console.log('SKIPPED the unreadable-key case: root reads a 0000 file');
  for (const [what, fault] of faults) {
    fault();
    const before = snapshot(dir);
    for (const args of [
      ['list'],
      ['list', '--json'],
      ['status'],
      ['status', '--json'],
      ['subscribe', '--label', 'x'],
      ['unsubscribe', sub.id],
    ]) {
      const r = await run([...args, ...common]);
      assert.equal(r.code, 1, `${what}: ${args.join(' ')} exits 1 (${r.stdout}${r.stderr})`);
      assert.ok(r.stderr.includes(keyFile), `${what}: ${args.join(' ')} names the key file: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1);
    }
    const listen = await run(['listen', '--json', ...common]);
    assert.equal(listen.code, 1, `${what}: listen exits 1`);
    assert.ok(listen.stderr.includes(keyFile));
    assert.deepEqual(snapshot(dir), before, `${what}: nothing in the data dir changed`);
    if (fs.existsSync(keyFile)) fs.chmodSync(keyFile, 0o600);
    fs.writeFileSync(keyFile, key, { mode: 0o600 });
  }

  const list = await run(['list', '--json', ...common]);
  assert.equal(list.code, 0, list.stderr);
  assert.deepEqual(
    (JSON.parse(list.stdout) as Array<{ id: string; endpoint: string }>).map((s) => [s.id, s.endpoint]),
    [[sub.id, sub.endpoint]],
    'the subscription is back as it was',
  );
});

test('a fresh data dir: list and status write nothing, the first subscribe creates the key', async () => {
  const dir = tempDir();
  const common = ['--data-dir', dir, '--service', service.wsUrl];
  for (const args of [['list'], ['status', '--json']]) assert.equal((await run([...args, ...common])).code, 0);
  assert.ok(!fs.existsSync(path.join(dir, 'secret.key')), 'no key made by a read-only command');
  assert.equal((await run(['subscribe', ...common])).code, 0);
  assert.equal(fs.statSync(path.join(dir, 'secret.key')).mode & 0o777, 0o600);
});
