// The real main-process bundle (dist/main/main.cjs: engine, IPC hub, validators, SettingsService, adapters) run on
// plain Node with a stand-in for the `electron` module (support/electron-stub.ts), because the Electron binary
// cannot run here; the real thing is tests/electron/. Against the local push service with web-push as the sender:
// start-up order, the tray, the settings scheme and IPC, a push becoming a Notification, quit flushing state; and
// the paths Electron's documentation allows and the stand-in now takes: keyring unavailable, a refused or a
// second instance, no tray host, power on Linux. D-Bus is a real private dbus-daemon with real peers on it
// (support/private-bus.ts) standing in for the desktop's tray host, Secret Service and power-profiles-daemon.
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
import { fakePeer, startPrivateBus, type PrivateBus } from '../../support/private-bus.ts';
import { connectProxy } from '../../support/connect-proxy.ts';

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

/** Every app started, so that a failing case leaves no process behind. */
const launched = new Set<ChildProcess>();

/** `service`: a running push service, or 'local' for the one main embeds. */
function launch(
  service: PushService | 'local',
  dataDir: string,
  args: string[] = [],
  env: Record<string, string> = {},
): RunningApp {
  const serviceArg = service === 'local' ? 'local' : service.wsUrl;
  // The machine's own buses never leak in: each case says which (private) bus the app sees.
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('DBUS_') && !k.startsWith('PUSH_AGENT_STUB_')),
  );
  const child = spawn(
    process.execPath,
    [
      '--import',
      './tests/support/register-electron-stub.ts',
      path.join(appDir, 'dist/main/main.cjs'),
      `--service=${serviceArg}`,
      ...args,
    ],
    {
      cwd: root,
      env: {
        ...base,
        DBUS_SYSTEM_BUS_ADDRESS: 'unix:path=/nonexistent/system_bus',
        PUSH_AGENT_DATA_DIR: dataDir,
        PUSH_AGENT_TEST: '1',
        PUSH_AGENT_STUB_APP_PATH: appDir,
        ...env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  launched.add(child);
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
        if (waiters.delete(check))
          reject(new Error(`the app exited while waiting for ${what}; stderr: ${logs.slice(-5).join('\n')}`));
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
  await build({
    entryPoints: [path.join(root, 'src/main/main.ts')],
    outfile: path.join(appDir, 'dist/main/main.cjs'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    external: ['electron'],
    target: 'es2023',
    logLevel: 'silent',
  });
  fs.mkdirSync(path.join(appDir, 'dist/renderer'), { recursive: true });
  fs.copyFileSync(path.join(root, 'src/renderer/settings.html'), path.join(appDir, 'dist/renderer/settings.html'));
  service = await startPushService({});
  app = launch(service, dataDir);
});
after(async () => {
  for (const child of launched) if (child.exitCode === null) child.kill();
  await service?.close();
});

test('starts in order: privileged scheme, appUserModelId, then the tray reaches Connected and settings opens on our scheme', async () => {
  await app.waitFor('Connected', (r) => r.tray === 'Push Agent: Connected');
  const keys = app.records.map((r) => Object.keys(r)[0]);
  assert.deepEqual(keys.slice(0, 2), ['privilegedSchemes', 'appUserModelId']);
  assert.equal(app.records[1]!.appUserModelId, APP_ID);
  await app.waitFor('the settings window', (r) => r.window === 'push-agent://settings/settings.html');
  const menu = app.records.find((r) => Array.isArray(r.trayMenu))!.trayMenu as string[];
  assert.ok(
    menu.some((l) => l.includes('without an OS keyring')),
    'no Secret Service on the bus (none here): warned about in the tray',
  );
});

test('the settings scheme serves the built page with the strict CSP and nothing outside dist/renderer', async () => {
  assert.deepEqual((await app.command({ type: 'scheme', url: 'push-agent://settings/settings.html' })).result, {
    status: 200,
    csp: SETTINGS_CSP,
    length: fs.statSync(path.join(root, 'src/renderer/settings.html')).size,
  });
  for (const url of [
    'push-agent://settings/..%2fmain%2fmain.cjs',
    'push-agent://other/settings.html',
    'push-agent://settings/settings.js.map',
    'push-agent://settings/missing.js',
  ]) {
    assert.equal(((await app.command({ type: 'scheme', url })).result as { status: number }).status, 404, url);
  }
});

test('settings calls go through the hub: validated, answered for the settings frame only', async () => {
  const made = (await app.command({ type: 'settings', method: 'createEndpoint', args: [{ label: 'composition' }] }))
    .result as { ok: boolean; value: typeof endpoint };
  assert.equal(made.ok, true);
  endpoint = made.value;
  assert.match(endpoint.endpoint, /^http:\/\/127\.0\.0\.1:\d+\/wpush\//);
  assert.deepEqual((await app.command({ type: 'settings', method: 'setMuted', args: ['x', 'yes'] })).result, {
    ok: false,
    error: { kind: 'invalid-argument', message: 'muted must be a boolean' },
  });
  assert.deepEqual(
    (await app.command({ type: 'settings', method: 'getStatus', args: [], frameUrl: 'https://evil.example/' })).result,
    { ok: false, error: { kind: 'forbidden', message: 'Not allowed.' } },
  );
});

test('a message sent with web-push through the local push service becomes a Notification', async () => {
  assert.equal(await send(endpoint, JSON.stringify({ title: 'Hello main', body: 'a <b>tag</b>' })), 201);
  const shown = await app.waitFor(
    'the notification',
    (r) => (r.notification as { title?: string } | undefined)?.title === 'Hello main',
  );
  const expectedBody = process.platform === 'linux' ? 'a &lt;b&gt;tag&lt;/b&gt;' : 'a <b>tag</b>';
  assert.deepEqual(shown.notification, { title: 'Hello main', body: expectedBody, silent: false, hasIcon: false });
  assert.ok(
    !app.logs.join('\n').includes(endpoint.endpoint.split('/').pop()!),
    'the endpoint token never reaches the log',
  );
});

test(
  'what the user does to a notification comes back once; buttons only where the platform has them',
  { timeout: 30_000 },
  async () => {
    assert.equal(
      await send(endpoint, JSON.stringify({ title: 'Click me', body: 'x', url: 'https://example.org/clicked' })),
      201,
    );
    await app.waitFor(
      'the notification',
      (r) => (r.notification as { title?: string } | undefined)?.title === 'Click me',
    );
    const buttons = process.platform === 'darwin' || process.platform === 'win32';
    assert.deepEqual(
      (await app.command({ type: 'notification', title: 'Click me', event: 'action', actionIndex: 0 })).result,
      { emitted: buttons },
    );
    assert.deepEqual((await app.command({ type: 'notification', title: 'Click me', event: 'click' })).result, {
      emitted: true,
    });
    await app.waitFor('the click to open the URL', (r) => r.openExternal === 'https://example.org/clicked');
    // A second click on the same notification, and its close, are not reported again.
    await app.command({ type: 'notification', title: 'Click me', event: 'click' });
    await app.command({ type: 'notification', title: 'Click me', event: 'close' });
    await app.command({ type: 'settings', method: 'getStatus', args: [] });
    assert.equal(app.records.filter((r) => r.openExternal === 'https://example.org/clicked').length, 1);
  },
);

test('quitting flushes state; a relaunch on the same data has the endpoint', async () => {
  await app.command({ type: 'quit' }).catch(() => undefined);
  assert.equal(await app.exited, 0);
  assert.ok(app.logs.some((l) => l.includes('quitting: flushing state')));
  const state = path.join(dataDir, 'state.json');
  assert.equal(fs.statSync(state).mode & 0o777, 0o600);
  assert.match(fs.readFileSync(state, 'utf8'), /composition/);
  // The notification still on screen ('Hello main'; 'Click me' was clicked) is kept in its own file in userData,
  // sealed, not in the state document.
  const kept = path.join(dataDir, 'notifications.json');
  assert.equal(fs.statSync(kept).mode & 0o777, 0o600);
  assert.ok(!fs.readFileSync(kept, 'utf8').includes('Hello main'), 'sealed, not in the clear');
  assert.equal((JSON.parse(fs.readFileSync(state, 'utf8')) as Record<string, unknown>).notifications, undefined);
  app = launch(service, dataDir);
  await app.waitFor('Connected', (r) => r.tray === 'Push Agent: Connected');
  await app.waitFor('the settings window', (r) => r.window === 'push-agent://settings/settings.html');
  const list = (await app.command({ type: 'settings', method: 'listSubscriptions', args: [] })).result as {
    value: Array<{ label: string }>;
  };
  assert.deepEqual(
    list.value.map((s) => s.label),
    ['composition'],
  );
  await app.command({ type: 'quit' }).catch(() => undefined);
  assert.equal(await app.exited, 0);
});

// ---- Paths the stand-in now takes as Electron documents them (support/electron-stub.ts) ----------------------

const quitApp = async (a: RunningApp) => {
  await a.command({ type: 'quit' }).catch(() => undefined);
  return a.exited;
};

// Started while the tests are defined, so that `skip` can say whether it exists.
const buses: PrivateBus | null = startPrivateBus();
after(() => buses?.stop());
const needsBus = () => (buses ? false : 'SKIPPED: dbus-daemon could not start a private bus');

test(
  'the keyring unavailable at start: the app starts, warns in the tray, and refuses to create keys with a typed error',
  { timeout: 60_000 },
  async () => {
    for (const keyring of ['unavailable', 'rejects']) {
      const a = launch(service, tempDir('push-agent-keyring-'), [], { PUSH_AGENT_STUB_KEYRING: keyring });
      await a.waitFor('Connected', (r) => r.tray === 'Push Agent: Connected');
      await a.waitFor('the settings window', (r) => r.window === 'push-agent://settings/settings.html');
      assert.ok(
        (a.records.find((r) => Array.isArray(r.trayMenu))!.trayMenu as string[]).some((l) =>
          l.includes('without an OS keyring'),
        ),
        keyring,
      );
      const made = (await a.command({ type: 'settings', method: 'createEndpoint', args: [{ label: 'no keyring' }] }))
        .result as { ok: boolean; error?: { kind: string } };
      assert.equal(made.ok, false, keyring);
      assert.equal(typeof made.error?.kind, 'string');
      assert.equal(await quitApp(a), 0, `${keyring}: still running, quits cleanly`);
    }
  },
);

test('a refused single-instance lock quits at once: no tray, no window, no engine', { timeout: 30_000 }, async () => {
  const a = launch(service, tempDir('push-agent-second-'), [], { PUSH_AGENT_STUB_LOCK: 'refused' });
  assert.equal(await a.exited, 0);
  assert.deepEqual(
    a.records.find((r) => 'singleInstanceLock' in r),
    { singleInstanceLock: false },
  );
  assert.ok(!a.records.some((r) => 'tray' in r || 'window' in r));
});

test(
  'a second launch while the keyring is still answering is not lost: settings opens once start-up ends',
  { skip: needsBus(), timeout: 60_000 },
  async () => {
    const watcher = await fakePeer(buses!.address, 'org.kde.StatusNotifierWatcher', '/StatusNotifierWatcher');
    try {
      const env = { PUSH_AGENT_STUB_KEYRING: 'slow', DBUS_SESSION_BUS_ADDRESS: buses!.address };
      const a = launch(service, tempDir('push-agent-early-'), ['--hidden'], env);
      await a.command({ type: 'second-instance' });
      await a.command({ type: 'keyring' });
      await a.waitFor('the settings window', (r) => r.window === 'push-agent://settings/settings.html');
      assert.equal(await quitApp(a), 0);
      // The same start without a second launch stays in the tray.
      const b = launch(service, tempDir('push-agent-early-'), ['--hidden'], env);
      await b.command({ type: 'keyring' });
      await b.waitFor('Connected', (r) => r.tray === 'Push Agent: Connected');
      assert.ok(!b.records.some((r) => 'window' in r), '--hidden with a tray host: no window');
      assert.equal(await quitApp(b), 0);
    } finally {
      await watcher.close();
    }
  },
);

test(
  'no tray host on the session bus (stock GNOME): a --hidden start shows settings, whose menu can quit',
  { skip: needsBus(), timeout: 60_000 },
  async () => {
    const a = launch(service, tempDir('push-agent-notray-'), ['--hidden'], {
      DBUS_SESSION_BUS_ADDRESS: buses!.address,
    });
    await a.waitFor('the settings window', (r) => r.window === 'push-agent://settings/settings.html');
    const menu = await a.waitFor('the window menu', (r) => Array.isArray(r.windowMenu));
    assert.ok((menu.windowMenu as string[]).includes('Quit Push Agent'));
    assert.ok(a.logs.some((l) => l.includes('no tray host')));
    assert.equal(await quitApp(a), 0);
  },
);

test(
  'a running Secret Service is a confirmed key store: no keyring warning in the tray',
  { skip: needsBus(), timeout: 60_000 },
  async () => {
    const secrets = await fakePeer(buses!.address, 'org.freedesktop.secrets', '/org/freedesktop/secrets');
    try {
      const a = launch(service, tempDir('push-agent-secrets-'), [], { DBUS_SESSION_BUS_ADDRESS: buses!.address });
      await a.waitFor('Connected', (r) => r.tray === 'Push Agent: Connected');
      assert.ok(
        !(a.records.find((r) => Array.isArray(r.trayMenu))!.trayMenu as string[]).some((l) => l.includes('keyring')),
      );
      assert.equal(await quitApp(a), 0);
    } finally {
      await secrets.close();
    }
  },
);

test(
  'power on Linux: on-battery never comes; the saver from power-profiles-daemon makes the engine low after a resume',
  { skip: needsBus(), timeout: 60_000 },
  async () => {
    const ppd = await fakePeer(
      buses!.address,
      'org.freedesktop.UPower.PowerProfiles',
      '/org/freedesktop/UPower/PowerProfiles',
      { 'org.freedesktop.UPower.PowerProfiles': { ActiveProfile: 'balanced' } },
    );
    try {
      const a = launch(service, tempDir('push-agent-power-'), [], { DBUS_SYSTEM_BUS_ADDRESS: buses!.address });
      await a.waitFor('the settings window', (r) => r.window === 'push-agent://settings/settings.html');
      const power = async () =>
        ((await a.command({ type: 'settings', method: 'getStatus', args: [] })).result as { value: { power: string } })
          .value.power;
      assert.equal(await power(), 'ac');
      assert.deepEqual((await a.command({ type: 'power', event: 'on-battery' })).result, {
        emitted: process.platform !== 'linux',
      });
      ppd.properties['org.freedesktop.UPower.PowerProfiles']!.ActiveProfile = 'power-saver';
      assert.deepEqual((await a.command({ type: 'power', event: 'resume' })).result, { emitted: true });
      const deadline = Date.now() + 10_000;
      while ((await power()) !== 'low' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.equal(await power(), 'low');
      assert.equal(await quitApp(a), 0);
    } finally {
      await ppd.close();
    }
  },
);

test(
  'behind a proxy: the app connects through the proxy Chromium resolves for the push service (session.resolveProxy)',
  { timeout: 60_000 },
  async () => {
    const proxy = await connectProxy();
    try {
      const a = launch(service, tempDir('push-agent-proxy-'), [], { PUSH_AGENT_STUB_PROXY: new URL(proxy.url).host });
      await a.waitFor('Connected', (r) => r.tray === 'Push Agent: Connected');
      assert.deepEqual(proxy.tunnels, [new URL(service.wsUrl).host], 'one CONNECT tunnel to the push service');
      assert.equal(await quitApp(a), 0);
    } finally {
      await proxy.close();
    }
  },
);

test('--service=local: main runs the embedded push service; an endpoint made in settings delivers, also after a relaunch', async () => {
  const dir = tempDir('push-agent-main-local-');
  const titleIs = (title: string) => (r: Record<string, unknown>) =>
    (r.notification as { title?: string } | undefined)?.title === title;
  let local = launch('local', dir);
  try {
    await local.waitFor('Connected', (r) => r.tray === 'Push Agent: Connected');
    // The preference names the choice, not the embedded service's loopback URL (which works only while embedded).
    const prefs = (await local.command({ type: 'settings', method: 'getPreferences', args: [] })).result as {
      value: { serviceUrl: string };
    };
    assert.equal(prefs.value.serviceUrl, 'local');
    const made = (await local.command({ type: 'settings', method: 'createEndpoint', args: [{ label: 'offline' }] }))
      .result as { ok: boolean; value: typeof endpoint };
    assert.equal(made.ok, true);
    const { port } = JSON.parse(fs.readFileSync(path.join(dir, 'push-service-port.json'), 'utf8')) as { port: number };
    assert.equal(new URL(made.value.endpoint).host, `127.0.0.1:${port}`);
    assert.equal(await send(made.value, JSON.stringify({ title: 'Embedded 1' })), 201);
    await local.waitFor('the first notification', titleIs('Embedded 1'));
    await local.command({ type: 'quit' }).catch(() => undefined);
    assert.equal(await local.exited, 0);
    // Nothing listens while the app is not running.
    await assert.rejects(
      send(made.value, 'x'),
      (err: Error) => (err.cause as NodeJS.ErrnoException | undefined)?.code === 'ECONNREFUSED',
    );

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

// Sites' own service workers through the stand-in's serviceWorkers (Electron 45's startWorkerForScope, send,
// startTask/end, ipc), the real service-worker preload logic inside it and the real ServiceWorkerHost in main.
test(
  "a push goes from the engine to the site's service worker and back: start, event, settle, deadline, one window per click, unregister and reconciliation",
  { timeout: 120_000 },
  async () => {
    const swData = tempDir('push-agent-main-sw-');
    // "Chromium" stops a worker 300 ms after its last task ended (30 s in Chromium).
    const env = { PUSH_AGENT_STUB_SW_IDLE_MS: '300' };
    let sw = launch(service, swData, [], env);
    await sw.waitFor('Connected', (r) => r.tray === 'Push Agent: Connected');
    const site = (name: string) => ({
      origin: `https://${name}.example`,
      scope: `https://${name}.example/`,
      scriptURL: `https://${name}.example/sw.js`,
    });
    const a = site('alpha');
    const b = site('beta');
    for (const s of [a, b]) assert.equal((await sw.command({ type: 'sw-register', ...s })).result, true);
    const subA = (await sw.command({ type: 'site-subscribe', ...a })).result as {
      endpoint: string;
      keys: { p256dh: string; auth: string };
    };
    const subB = (await sw.command({ type: 'site-subscribe', ...b })).result as {
      endpoint: string;
      keys: { p256dh: string; auth: string };
    };

    // Start, event, settle: the worker was stopped, is started, shows the notification it was asked for.
    assert.equal(await send(subA, 'Hello from the worker'), 201);
    await sw.waitFor('the worker started', (r) => r.serviceWorker === 'started' && r.scope === a.scope);
    const shown = await sw.waitFor(
      "the worker's notification",
      (r) => (r.notification as { title?: string } | undefined)?.title === 'Hello from the worker',
    );
    assert.equal((shown.notification as { body: string }).body, `from ${a.scope}`);
    assert.ok(
      sw.records.some((r) => r.preloadScript === 'service-worker'),
      'the service-worker preload is registered in the site session',
    );

    // One window per click, counted in main: the click handler asks 100 times.
    assert.deepEqual(
      (await sw.command({ type: 'notification', title: 'Hello from the worker', event: 'click' })).result,
      { emitted: true },
    );
    const opened = await sw.waitFor('the click handler', (r) => r.serviceWorker === 'openWindow');
    assert.equal(opened.opened, 1);
    assert.equal(
      sw.records.filter((r) => typeof r.openExternal === 'string' && (r.openExternal as string).startsWith(a.origin))
        .length,
      1,
    );

    // Deadline: a worker that never settles is given up at 1 s, its task ended, and "Chromium" stops it; another
    // origin is served meanwhile.
    await sw.command({
      type: 'settings',
      method: 'setPreferences',
      args: [{ eventDeadlineSeconds: { ac: 1, battery: 1, low: 1 } }],
    });
    const stoppedBefore = sw.records.filter((r) => r.serviceWorker === 'stopped' && r.scope === b.scope).length;
    assert.equal(await send(subB, 'hang'), 201);
    await sw.waitFor('the hanging worker started', (r) => r.serviceWorker === 'started' && r.scope === b.scope);
    assert.equal(await send(subA, 'Alpha meanwhile'), 201);
    await sw.waitFor(
      'the other origin served',
      (r) => (r.notification as { title?: string } | undefined)?.title === 'Alpha meanwhile',
    );
    await sw.waitFor(
      'the hanging worker stopped after its deadline',
      () => sw.records.filter((r) => r.serviceWorker === 'stopped' && r.scope === b.scope).length > stoppedBefore,
    );

    // registration.unregister() in the running worker ends the push subscription.
    assert.equal(await send(subA, 'Wake alpha'), 201);
    await sw.waitFor('alpha shown', (r) => (r.notification as { title?: string } | undefined)?.title === 'Wake alpha');
    assert.equal((await sw.command({ type: 'sw-unregister', origin: a.origin, scope: a.scope })).result, true);
    await waitUntil(async () => !(await labels(sw)).includes('alpha.example'), "alpha's subscription ended");

    // Reconciliation: beta's registration is gone while the app is not running (the stand-in keeps none across
    // launches); at the next start its subscription ends.
    assert.deepEqual(await labels(sw), ['beta.example']);
    await sw.command({ type: 'quit' }).catch(() => undefined);
    assert.equal(await sw.exited, 0);
    sw = launch(service, swData, [], env);
    await sw.waitFor('Connected', (r) => r.tray === 'Push Agent: Connected');
    await waitUntil(
      async () => !(await labels(sw)).includes('beta.example'),
      "beta's subscription ended by reconciliation",
    );
    assert.ok((await labels(sw)).length === 0);
    assert.ok(
      !sw.logs.some((l) => l.includes(subB.endpoint) || l.includes(subB.keys.auth)),
      'no endpoint or key in the logs',
    );
    await sw.command({ type: 'quit' }).catch(() => undefined);
    assert.equal(await sw.exited, 0);
  },
);

async function labels(app: RunningApp): Promise<string[]> {
  const list = (await app.command({ type: 'settings', method: 'listSubscriptions', args: [] })).result as {
    value: Array<{ label: string }>;
  };
  return list.value.map((s) => s.label);
}

async function waitUntil(probe: () => Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
