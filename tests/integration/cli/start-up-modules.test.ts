// What `push-agent listen` loads at start. An idle agent with endpoint subscriptions only needs the engine, ws and
// node:crypto; modules that only some runs need (a JSON-schema validator, the sender library, the browser
// automation client) must not be loaded, since every loaded module stays in the idle process's memory.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { startPushService, type PushService } from '../../../tools/push-service/index.ts';
import { CLI, runCli, spawnCli } from '../../support/cli.ts';
import { send, tempDir, waitFor } from '../../support/engine-harness.ts';

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
  const made = await runCli(['subscribe', '--label', 'modules', '--data-dir', dir, '--service', service.wsUrl]);
  assert.equal(made.code, 0, made.stderr);

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

// Locale formatting (Intl, toLocale*, localeCompare) loads ICU's locale data on first use: ~6.5 MiB of RSS (measured:
// 73.5 -> 80.0 MiB after one message, 4.5 of it the binary's read-only data) that a listener would keep for good after
// its first notification. The probe reports any such call on stderr.
const LOCALE_PROBE = `process.stderr.write('LOCALE-PROBE ready\\n');
const report = (name) => process.stderr.write('LOCALE-CALL ' + name + '\\n');
for (const k of ['DateTimeFormat', 'NumberFormat', 'Collator', 'PluralRules', 'RelativeTimeFormat', 'ListFormat', 'Segmenter', 'DisplayNames']) {
  const Orig = Intl[k];
  Intl[k] = new Proxy(Orig, { construct(t, a, n) { report('Intl.' + k); return Reflect.construct(t, a, n); }, apply(t, th, a) { report('Intl.' + k); return Reflect.apply(t, th, a); } });
}
for (const [proto, names] of [[Date.prototype, ['toLocaleString', 'toLocaleDateString', 'toLocaleTimeString']], [Number.prototype, ['toLocaleString']], [Array.prototype, ['toLocaleString']], [String.prototype, ['localeCompare', 'toLocaleLowerCase', 'toLocaleUpperCase']]]) {
  for (const name of names) { const orig = proto[name]; proto[name] = function (...a) { report(name); return orig.apply(this, a); }; }
}`;

test('listen prints a notification line with its time of day and no locale formatting', async () => {
  const dir = tempDir();
  const made = await runCli(['subscribe', '--label', 'clock', '--data-dir', dir, '--service', service.wsUrl]);
  assert.equal(made.code, 0, made.stderr);
  const sub = JSON.parse(made.stdout) as { endpoint: string; keys: { p256dh: string; auth: string } };
  const l = spawnCli(['listen', '--data-dir', dir, '--service', service.wsUrl], {
    json: false,
    env: { ...process.env, NODE_OPTIONS: `--import=data:text/javascript,${encodeURIComponent(LOCALE_PROBE)}` },
  });
  try {
    await waitFor('connected', () => l.lines.some((x) => String(x.text).startsWith('connected to ')));
    await send(sub, JSON.stringify({ title: 'Hello', body: 'World' }));
    await waitFor('notification line', () => l.lines.some((x) => String(x.text).includes('Hello')));
    const line = String(l.lines.find((x) => String(x.text).includes('Hello'))!.text);
    assert.match(l.stderr(), /LOCALE-PROBE ready/, 'the probe ran in the listener');
    assert.doesNotMatch(l.stderr(), /LOCALE-CALL/, 'no locale formatting in the listener');
    assert.match(line, /^\[\d{2}:\d{2}:\d{2}\] Hello — World$/);
    const [h, m] = line.slice(1, 6).split(':').map(Number);
    const now = new Date();
    // The local time of day (the minute may just have turned).
    assert.ok(
      Math.abs(h! * 60 + m! - (now.getHours() * 60 + now.getMinutes())) <= 1 || (h === 23 && now.getHours() === 0),
      line,
    );
  } finally {
    await l.stop();
  }
});
