// A corrupted state file and credentials in the service URL, through the real `push-agent` process.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startPushService, type PushService } from '../../../tools/push-service/index.ts';
import { tempDir } from '../../support/engine-harness.ts';

const CLI = new URL('../../../src/cli/push-agent.ts', import.meta.url).pathname;

function run(
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, ...args], { timeout: 30_000, ...opts });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    p.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let service: PushService;
before(async () => {
  service = await startPushService();
});
after(async () => {
  await service.close();
});

test('a corrupted state.json stops every command with an error naming the file, and is left as it is', async () => {
  const dir = tempDir();
  const common = ['--data-dir', dir, '--service', service.wsUrl];
  assert.equal((await run(['subscribe', ...common])).code, 0);
  const file = path.join(dir, 'state.json');
  const torn = fs.readFileSync(file, 'utf8').slice(0, 40);
  fs.writeFileSync(file, torn);
  for (const args of [['list'], ['status', '--json'], ['subscribe'], ['listen', '--json']]) {
    const r = await run([...args, ...common]);
    assert.equal(r.code, 1, `${args[0]} exits 1`);
    assert.ok(r.stderr.includes(file), `${args[0]} names ${file}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.equal(fs.readFileSync(file, 'utf8'), torn, 'left as it is');
  }
});

test('an empty --data-dir or PUSH_AGENT_DATA_DIR= exits 2 and writes nothing into the current directory', async () => {
  const cwd = tempDir();
  for (const [args, env] of [
    [['list', '--data-dir', ''], {}],
    [['subscribe', '--data-dir', '', '--service', service.wsUrl], {}],
    [['listen', '--service', service.wsUrl], { PUSH_AGENT_DATA_DIR: '' }],
  ] as const) {
    const r = await run([...args], { cwd, env: { ...process.env, ...env } });
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
  }
  assert.deepEqual(fs.readdirSync(cwd), []);
});

test('credentials in a --service URL are never echoed by status, list or listen', async () => {
  const dir = tempDir();
  const url = new URL(service.wsUrl);
  url.username = 'alice';
  url.password = 'hunter2-secret';
  url.searchParams.set('token', 'tok-secret');
  const common = ['--data-dir', dir, '--service', url.href];
  assert.equal((await run(['subscribe', ...common])).code, 0);
  const outputs = [
    await run(['status', ...common]),
    await run(['status', '--json', ...common]),
    await run(['list', '--json', ...common]),
  ];
  const listen = spawn(process.execPath, [CLI, 'listen', ...common]);
  let listenOut = '';
  listen.stdout.on('data', (c: Buffer) => (listenOut += c.toString('utf8')));
  listen.stderr.on('data', (c: Buffer) => (listenOut += c.toString('utf8')));
  const deadline = Date.now() + 15_000;
  while (!listenOut.includes('connected') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  listen.kill('SIGTERM');
  await new Promise((r) => listen.on('exit', r));
  assert.ok(listenOut.includes('connected'), listenOut);
  for (const text of [...outputs.map((o) => o.stdout + o.stderr), listenOut]) {
    for (const secret of ['alice', 'hunter2-secret', 'tok-secret'])
      assert.ok(!text.includes(secret), `${secret} echoed: ${text}`);
  }
  assert.ok(outputs[0]!.stdout.includes(`${url.host}`), 'the service is still named');
});
