// Read-only commands never write: `list`, `status` and `send`'s lookup leave a data dir as they found it, and create
// none where there was none (a typo in --data-dir must not leave state behind).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { startPushService } from '../../../tools/push-service/index.ts';
import { runCli } from '../../support/cli.ts';
import { tempDir } from '../../support/engine-harness.ts';

/** Every file below `dir` with its bytes and modification time. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const p = path.join(dir, name);
    const st = fs.statSync(p);
    out[name] = st.isFile() ? `${st.mtimeMs} ${fs.readFileSync(p).toString('base64')}` : 'dir';
  }
  return out;
}

test('list and status on a data dir that does not exist create nothing', async () => {
  const dir = path.join(tempDir(), 'never-made');
  for (const args of [['list'], ['list', '--json'], ['status'], ['status', '--json']]) {
    const r = await runCli([...args, '--data-dir', dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fs.existsSync(dir), false, `${args.join(' ')} created ${dir}`);
  }
});

/** list and status, which read the data dir (and must succeed: a crash before reading would change nothing either), and
 * a send that fails (no such subscription). */
async function runReadOnlyCommands(dir: string): Promise<void> {
  for (const args of [['list'], ['status', '--json']]) {
    const r = await runCli([...args, '--data-dir', dir]);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  }
  const send = await runCli(['send', 'no-such-id', 'x', '--data-dir', dir]);
  assert.notEqual(send.code, 0, 'send to no such subscription fails');
}

test('list, status and a failed send leave an existing data dir byte for byte and time for time as it was', async (t) => {
  const service = await startPushService();
  t.after(() => service.close());
  const dir = tempDir();
  const made = await runCli(['subscribe', '--label', 'ro', '--data-dir', dir, '--service', service.wsUrl]);
  assert.equal(made.code, 0, made.stderr);
  const before = snapshot(dir);
  await new Promise((r) => setTimeout(r, 20));
  await runReadOnlyCommands(dir);
  assert.deepEqual(snapshot(dir), before);
});

test("read-only commands leave a previous version's kept notifications where they are: only a running agent moves them", async (t) => {
  const service = await startPushService();
  t.after(() => service.close());
  const dir = tempDir();
  const made = await runCli(['subscribe', '--label', 'ro', '--data-dir', dir, '--service', service.wsUrl]);
  assert.equal(made.code, 0, made.stderr);
  // As the previous version kept them: in the state document (the sealed text need not open: nothing reads it here).
  const state = path.join(dir, 'state.json');
  const doc = JSON.parse(fs.readFileSync(state, 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(
    state,
    JSON.stringify({ ...doc, notifications: { sealed: 'c2VhbGVk' }, notificationsUnreadable: 'garbage' }),
    { mode: 0o600 },
  );
  const before = snapshot(dir);
  await new Promise((r) => setTimeout(r, 20));
  await runReadOnlyCommands(dir);
  assert.deepEqual(snapshot(dir), before);
});
