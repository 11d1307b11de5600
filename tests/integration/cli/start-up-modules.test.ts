// What `push-agent listen` loads at start. An idle agent with endpoint subscriptions only needs the engine, ws and
// node:crypto; modules that only some runs need (a JSON-schema validator, the sender library, the browser
// automation client) must not be loaded, since every loaded module stays in the idle process's memory.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { startPushService, type PushService } from '../../../tools/push-service/index.ts';
import { tempDir } from '../../support/engine-harness.ts';

const CLI = new URL('../../../src/cli/push-agent.ts', import.meta.url).pathname;
// Records every module URL Node loads and prints them as one line at exit (a data: URL: nothing else is loaded for it).
const HOOK = `import { registerHooks } from 'node:module';
const seen = [];
registerHooks({ load(url, context, next) { seen.push(url); return next(url, context); } });
process.on('exit', () => process.stderr.write('LOADED ' + JSON.stringify(seen) + '\\n'));
process.on('exit', () => process.stderr.write('BUILTINS ' + JSON.stringify(process.moduleLoadList) + '\\n'));`;

let service: PushService;
before(async () => {
  service = await startPushService();
});
after(async () => {
  await service.close();
});

test('listen with an endpoint subscription loads no validator, sender or browser client', async () => {
  const dir = tempDir();
  const sub = spawn(process.execPath, [
    CLI,
    'subscribe',
    '--label',
    'modules',
    '--data-dir',
    dir,
    '--service',
    service.wsUrl,
  ]);
  assert.equal(await new Promise((r) => sub.on('exit', r)), 0);

  const proc = spawn(process.execPath, [
    '--import',
    `data:text/javascript,${encodeURIComponent(HOOK)}`,
    CLI,
    'listen',
    '--json',
    '--data-dir',
    dir,
    '--service',
    service.wsUrl,
  ]);
  let loaded: string[] | null = null;
  let builtins: string[] = [];
  createInterface({ input: proc.stderr }).on('line', (line) => {
    if (line.startsWith('LOADED ')) loaded = JSON.parse(line.slice(7)) as string[];
    if (line.startsWith('BUILTINS ')) builtins = JSON.parse(line.slice(9)) as string[];
  });
  await new Promise<void>((resolve) =>
    createInterface({ input: proc.stdout }).on('line', (l) => l.includes('"connected"') && resolve()),
  );
  const exited = new Promise((r) => proc.on('exit', r));
  proc.kill('SIGTERM');
  assert.equal(await exited, 0);
  assert.ok(loaded, 'the hook reported');
  const packages = new Set(
    (loaded as string[]).map((u) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u)?.[1]).filter(Boolean),
  );
  assert.ok(packages.has('ws'), `ws is loaded (sanity): ${[...packages].join(', ')}`);
  for (const unwanted of [
    'ajv',
    'ajv-formats',
    'semver',
    'conf',
    'web-push',
    'playwright-core',
    'chrome-remote-interface',
    'http_ece',
  ]) {
    assert.ok(!packages.has(unwanted), `${unwanted} is not loaded at start (loaded: ${[...packages].join(', ')})`);
  }
  // Node's own modules that only an ES import of node:http pulls in (its namespace evaluates the lazy
  // WebSocket/EventSource exports): ~5 MiB of the idle process, and nothing the agent uses.
  assert.ok(builtins.includes('NativeModule http'), 'node:http is loaded (sanity: ws needs it)');
  for (const unwanted of ['NativeModule internal/deps/undici/undici', 'NativeModule http2'])
    assert.ok(!builtins.includes(unwanted), `${unwanted.slice(13)} is not loaded at start`);
});
