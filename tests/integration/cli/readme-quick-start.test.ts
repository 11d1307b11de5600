// The README's quick start, run literally: the shell block between <!-- quick-start --> and <!-- /quick-start -->,
// in bash from the repository root, with a fresh HOME (the data dir and ~/my-alerts.json land there). It passes
// when the message the block sends shows up in the `listen --json` the block started.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { parseCommand, UsageError } from '../../../src/cli/args.ts';
import { tempDir } from '../../support/engine-harness.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The fenced shell block inside the README's quick-start markers. */
function quickStartBlock(readme: string): string {
  const m = /<!-- quick-start -->\s*```sh\n([\s\S]*?)```\s*<!-- \/quick-start -->/.exec(readme);
  if (!m) throw new Error('README.md has no ```sh block between <!-- quick-start --> and <!-- /quick-start -->');
  return m[1]!;
}

/** `--service local` is the embedded service; until the CLI accepts it, this test cannot run. */
function embeddedServiceSupported(): boolean {
  try {
    parseCommand(['listen', '--service', 'local', '--data-dir', '/nonexistent']);
    return true;
  } catch (err) {
    if (err instanceof UsageError) return false;
    throw err;
  }
}

const skip = embeddedServiceSupported()
  ? false
  : "`push-agent listen --service local` is not supported yet (the embedded service): the README's quick start cannot run";

test(
  "the README's quick-start block, run as printed, shows the sent message in listen --json",
  { skip, timeout: 240_000 },
  async () => {
    const block = quickStartBlock(fs.readFileSync(path.join(root, 'README.md'), 'utf8'));
    assert.match(block, /--service local/, 'the quick start uses the embedded service');
    const home = tempDir('push-agent-home-');
    // A fresh user: nothing in HOME; the push-agent data dir defaults to $XDG_DATA_HOME or ~/.local/share.
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HOME: home,
      npm_config_cache: path.join(home, '.npm'),
      npm_config_update_notifier: 'false',
    };
    for (const k of ['PUSH_AGENT_DATA_DIR', 'PUSH_AGENT_SERVICE', 'XDG_DATA_HOME', 'NODE_TEST_CONTEXT']) delete env[k];
    // Its own process group, so the background `listen` the block starts is stopped with it.
    const sh = spawn('bash', ['-e', '-c', block], { cwd: root, env, detached: true });
    let out = '';
    let err = '';
    sh.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    sh.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    try {
      const seen = await new Promise<Record<string, unknown>>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no notification line within 180 s\nstdout:\n${out}\nstderr:\n${err}`)),
          180_000,
        );
        // The agent may print the message before `send` prints the service's answer: wait for both.
        const check = () => {
          if (!/^201 Created$/m.test(out)) return;
          for (const line of out.split('\n')) {
            if (!line.startsWith('{')) continue;
            const j = JSON.parse(line) as Record<string, unknown>;
            if (j.type === 'notification') {
              clearTimeout(timer);
              resolve(j);
            }
          }
        };
        sh.stdout.on('data', check);
      });
      assert.equal(seen.title, 'My alerts');
      assert.equal(seen.body, 'Hello from the quick start');
      assert.match(out, /^201 Created$/m, "send printed the service's answer");
      assert.ok(fs.existsSync(path.join(home, 'my-alerts.json')));
    } finally {
      try {
        process.kill(-sh.pid!, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  },
);

test('the README marks exactly one quick-start block', () => {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  assert.equal(readme.split('<!-- quick-start -->').length, 2);
  assert.match(quickStartBlock(readme), /push-agent -- listen --service local --json/);
  assert.match(quickStartBlock(readme), /push-agent -- send /);
});
