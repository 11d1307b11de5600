// `npm test` itself: it stops before any test file when the machine lacks what the tests need, and a test file that
// hangs is stopped by its time limit and fails with its name while the runner still prints its summary.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { nodeTestArgs } from '../../../scripts/test-files.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * This process's environment as a fresh shell has it: not marked as a test runner's child (which would skip the run).
 */
function shellEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  delete env.NODE_TEST_CONTEXT;
  return env;
}

function run(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { cwd: root, env, timeout: timeoutMs, killSignal: 'SIGKILL' });
    let output = '';
    p.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
    p.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
    p.on('close', (code) => resolve({ code, output }));
  });
}

test('npm test with PUSH_AGENT_BROWSER pointing at a missing file stops before any step, naming the package', async () => {
  const r = await run('npm', ['test'], shellEnv({ PUSH_AGENT_BROWSER: '/nonexistent/chromium' }), 120_000);
  assert.notEqual(r.code, 0, r.output);
  assert.notEqual(r.code, null, `npm test did not stop by itself:\n${r.output}`);
  assert.match(r.output, /sudo apt-get install chromium/);
  assert.match(r.output, /PUSH_AGENT_BROWSER is '\/nonexistent\/chromium'/);
  assert.doesNotMatch(r.output, /== type-check|== tests|ℹ tests/, 'nothing ran');
});

test('a test file that hangs is stopped by its time limit and fails with its name; the summary still prints', async () => {
  const fixture = 'tests/support/fixtures/hangs.fixture.ts';
  const r = await run(
    process.execPath,
    nodeTestArgs([fixture]),
    shellEnv({ PUSH_AGENT_TEST_FILE_TIMEOUT: '3' }),
    60_000,
  );
  assert.equal(r.code, 1, r.output);
  assert.match(r.output, /time limit: .*hangs\.fixture\.ts was still running after 3 s/);
  assert.match(r.output, /✖ .*hangs\.fixture\.ts/);
  assert.match(r.output, /ℹ tests \d+/);
  assert.match(r.output, /ℹ fail [1-9]/);
});
