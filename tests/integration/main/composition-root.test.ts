// The real main-process bundle (dist/main/main.cjs: engine, IPC hub, validators, SettingsService, adapters) run on
// plain Node with a stand-in for the `electron` module (support/electron-stub.ts), because the Electron binary
// cannot run here; the real thing is tests/electron/. Against the local push service with web-push as the sender:
// start-up order, the tray, the settings scheme and IPC, a push becoming a Notification, quit flushing state.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { spawn, type ChildProcess } from 'node:child_process';
import { build } from 'esbuild';
import { startPushService, type PushService } from '../../../tools/push-service/service.ts';
import { send, tempDir } from '../../support/engine-harness.ts';
import { APP_ID } from '../../../src/main/app-id.ts';
import { SETTINGS_CSP } from '../../../src/main/app-assets.ts';

const root = path.resolve(import.meta.dirname, '../../..');
/** The app is built into its own directory, so that this test never touches dist/ under other tests. */
const appDir = tempDir('push-agent-app-');

interface RunningApp {
  child: ChildProcess;
  records: Array<Record<string, unknown>>;
  logs: string[];
  exited: Promise<number | null>;
  command(c: Record<string, unknown>): Promise<Record<string, unknown>>;
  waitFor(what: string, pred: (r: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
}

/** `service`: a running push service, or 'local' for the one main embeds. */
function launch(service: PushService | 'local', dataDir: string, args: string[] = []): RunningApp {
  const serviceArg = service === 'local' ? 'local' : service.wsUrl;
  const child = spawn(process.execPath, ['--import', './tests/unit/main/support/register-electron-stub.ts', path.join(appDir, 'dist/main/main.cjs'), `--service=${serviceArg}`, ...args], {
    cwd: root,
    env: { ...process.env, PUSH_AGENT_DATA_DIR: dataDir, PUSH_AGENT_TEST: '1', PUSH_AGENT_STUB_APP_PATH: appDir },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const records: Array<Record<string, unknown>> = [];
  const logs: string[] = [];
  const waiters = new Set<() => void>();
  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line.startsWith('STUB ')) records.push(JSON.parse(line.slice(5)) as Record<string, unknown>);
    for (const w of [...waiters]) w();
  });
  readline.createInterface({ input: child.stderr! }).on('line', (line) => logs.push(line));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let nextId = 1;
  const waitFor = (what: string, pred: (r: Record<string, unknown>) => boolean) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const check = () => {
        const hit = records.find(pred);
        if (hit) {
          waiters.delete(check);
          resolve(hit);
        }
      };
      waiters.add(check);
      void exited.then(() => {
        if (waiters.delete(check)) reject(new Error(`the app exited while waiting for ${what}; stderr: ${logs.slice(-5).join('\n')}`));
      });
      check();
    });
  return {
    child,
    records,
    logs,
    exited,
    waitFor,
    command(c) {
      const id = nextId++;
      child.stdin!.write(JSON.stringify({ id, ...c }) + '\n');
      return waitFor(`reply ${id}`, (r) => r.id === id);
    },
  };
}

let service: PushService;
let app: RunningApp;
const dataDir = tempDir('push-agent-main-');
let endpoint: { endpoint: string; keys: { p256dh: string; auth: string } };

before(async () => {
  // As scripts/build.ts bundles it; the settings page is copied beside it as the build does.
  await build({ entryPoints: [path.join(root, 'src/main/main.ts')], outfile: path.join(appDir, 'dist/main/main.cjs'), bundle: true, platform: 'node', format: 'cjs', external: ['electron'], target: 'es2023', logLevel: 'silent' });
  fs.mkdirSync(path.join(appDir, 'dist/renderer'), { recursive: true });
  fs.copyFileSync(path.join(root, 'src/renderer/settings.html'), path.join(appDir, 'dist/renderer/settings.html'));
  service = await startPushService({});
  app = launch(service, dataDir);
});
after(async () => {
  app?.child.kill();
  await service?.close();
});

test('starts in order: privileged scheme, appUserModelId, then the tray reaches Connected and settings opens on our scheme', async () => {
  await app.waitFor('Connected', (r) => r.tray === 'Push Agent: Connected');
  const keys = app.records.map((r) => Object.keys(r)[0]);
  assert.deepEqual(keys.slice(0, 2), ['privilegedSchemes', 'appUserModelId']);
  assert.equal(app.records[1]!.appUserModelId, APP_ID);
  await app.waitFor('the settings window', (r) => r.window === 'push-agent://settings/settings.html');
  const menu = app.records.find((r) => Array.isArray(r.trayMenu))!.trayMenu as string[];
  assert.ok(menu.some((l) => l.includes('without an OS keyring')), 'basic_text is warned about in the tray');
});

test('the settings scheme serves the built page with the strict CSP and nothing outside dist/renderer', async () => {
  assert.deepEqual((await app.command({ type: 'scheme', url: 'push-agent://settings/settings.html' })).result, {
    status: 200,
    csp: SETTINGS_CSP,
    length: fs.statSync(path.join(root, 'src/renderer/settings.html')).size,
  });
  for (const url of ['push-agent://settings/..%2fmain%2fmain.cjs', 'push-agent://other/settings.html', 'push-agent://settings/settings.js.map', 'push-agent://settings/missing.js']) {
    assert.equal(((await app.command({ type: 'scheme', url })).result as { status: number }).status, 404, url);
  }
});

test('settings calls go through the hub: validated, answered for the settings frame only', async () => {
  const made = (await app.command({ type: 'settings', method: 'createEndpoint', args: [{ label: 'composition' }] })).result as { ok: boolean; value: typeof endpoint };
  assert.equal(made.ok, true);
  endpoint = made.value;
  assert.match(endpoint.endpoint, /^http:\/\/127\.0\.0\.1:\d+\/wpush\//);
  assert.deepEqual((await app.command({ type: 'settings', method: 'setMuted', args: ['x', 'yes'] })).result, { ok: false, error: { kind: 'invalid-argument', message: 'muted must be a boolean' } });
  assert.deepEqual((await app.command({ type: 'settings', method: 'getStatus', args: [], frameUrl: 'https://evil.example/' })).result, { ok: false, error: { kind: 'forbidden', message: 'Not allowed.' } });
});

test('a message sent with web-push through the local push service becomes a Notification', async () => {
  assert.equal(await send(endpoint, JSON.stringify({ title: 'Hello main', body: 'a <b>tag</b>' })), 201);
  const shown = await app.waitFor('the notification', (r) => (r.notification as { title?: string } | undefined)?.title === 'Hello main');
  const expectedBody = process.platform === 'linux' ? 'a &lt;b&gt;tag&lt;/b&gt;' : 'a <b>tag</b>';
  assert.deepEqual(shown.notification, { title: 'Hello main', body: expectedBody, silent: false, hasIcon: false });
  assert.ok(!app.logs.join('\n').includes(endpoint.endpoint.split('/').pop()!), 'the endpoint token never reaches the log');
});

test('quitting flushes state; a relaunch on the same data has the endpoint', async () => {
  await app.command({ type: 'quit' }).catch(() => undefined);
  assert.equal(await app.exited, 0);
  assert.ok(app.logs.some((l) => l.includes('quitting: flushing state')));
  const state = path.join(dataDir, 'state.json');
  assert.equal(fs.statSync(state).mode & 0o777, 0o600);
  assert.match(fs.readFileSync(state, 'utf8'), /composition/);
  app = launch(service, dataDir);
  await app.waitFor('Connected', (r) => r.tray === 'Push Agent: Connected');
  await app.waitFor('the settings window', (r) => r.window === 'push-agent://settings/settings.html');
  const list = (await app.command({ type: 'settings', method: 'listSubscriptions', args: [] })).result as { value: Array<{ label: string }> };
  assert.deepEqual(
    list.value.map((s) => s.label),
    ['composition'],
  );
  await app.command({ type: 'quit' }).catch(() => undefined);
  assert.equal(await app.exited, 0);
});

test('--service=local: main runs the embedded push service; an endpoint made in settings delivers, also after a relaunch', async () => {
  const dir = tempDir('push-agent-main-local-');
  const titleIs = (title: string) => (r: Record<string, unknown>) => (r.notification as { title?: string } | undefined)?.title === title;
  let local = launch('local', dir);
  try {
    await local.waitFor('Connected', (r) => r.tray === 'Push Agent: Connected');
    // The preference names the choice, not the embedded service's loopback URL (which works only while embedded).
    const prefs = (await local.command({ type: 'settings', method: 'getPreferences', args: [] })).result as { value: { serviceUrl: string } };
    assert.equal(prefs.value.serviceUrl, 'local');
    const made = (await local.command({ type: 'settings', method: 'createEndpoint', args: [{ label: 'offline' }] })).result as { ok: boolean; value: typeof endpoint };
    assert.equal(made.ok, true);
    const { port } = JSON.parse(fs.readFileSync(path.join(dir, 'push-service-port.json'), 'utf8')) as { port: number };
    assert.equal(new URL(made.value.endpoint).host, `127.0.0.1:${port}`);
    assert.equal(await send(made.value, JSON.stringify({ title: 'Embedded 1' })), 201);
    await local.waitFor('the first notification', titleIs('Embedded 1'));
    await local.command({ type: 'quit' }).catch(() => undefined);
    assert.equal(await local.exited, 0);
    // Nothing listens while the app is not running.
    await assert.rejects(send(made.value, 'x'), (err: Error) => (err.cause as NodeJS.ErrnoException | undefined)?.code === 'ECONNREFUSED');

    local = launch('local', dir);
    await local.waitFor('Connected again', (r) => r.tray === 'Push Agent: Connected');
    assert.equal(await send(made.value, JSON.stringify({ title: 'Embedded 2' })), 201);
    await local.waitFor('the notification after the relaunch', titleIs('Embedded 2'));
    await local.command({ type: 'quit' }).catch(() => undefined);
    assert.equal(await local.exited, 0);
  } finally {
    local.child.kill();
  }
});
