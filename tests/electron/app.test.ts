// Electron smoke tests through Playwright's `_electron`: the real app (dist/main/main.cjs) on a real Electron binary,
// pointed at the local push service, with its own data dir. They run only under `npm run test:electron`, which sets
// PUSH_AGENT_ELECTRON_BINARY (scripts/test-electron.ts) and skips with a message when no binary exists. On Linux
// they need a display (e.g. `xvfb-run npm run test:electron`) and a notification server for the native
// notification to be accepted; the test reads what the app handed to Electron's Notification through the
// PUSH_AGENT_TEST hooks (src/main/main.ts), since a native notification cannot be observed from here.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { _electron as electron, type ElectronApplication } from 'playwright-core';
import { startPushService, type PushService } from '../../tools/push-service/service.ts';
import { send, tempDir } from '../support/engine-harness.ts';
import { openSessionBus } from '../../src/host/dbus-client.ts';
import { linuxTrayHostPresent } from '../../src/main/desktop-bus-probes.ts';

const binary = process.env.PUSH_AGENT_ELECTRON_BINARY;
const root = path.resolve(import.meta.dirname, '../..');

interface TestHooks {
  trayTooltip(): string;
  notifications(): Array<{ title: string; body: string }>;
  unread(): number;
  status(): { state: string; subscriptions: number; pendingMessages: number };
  subscribe(label: string): Promise<{ endpoint: string; keys: { p256dh: string; auth: string } }>;
}

async function hooks<T>(app: ElectronApplication, fn: (h: TestHooks) => T | Promise<T>): Promise<T> {
  // Runs in the main process: the function is serialized, so it reaches the hooks through globalThis only.
  return app.evaluate(async (_electron, source: string) => {
    const h = (globalThis as unknown as { __pushAgentTest: TestHooks }).__pushAgentTest;
    return (0, eval)(`(${source})`)(h);
  }, fn.toString()) as Promise<T>;
}

async function eventually<T>(
  what: string,
  read: () => Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(v)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function launch(service: PushService, dataDir: string, extraArgs: string[] = []): Promise<ElectronApplication> {
  return electron.launch({
    executablePath: binary!,
    args: [root, `--service=${service.wsUrl}`, ...extraArgs],
    cwd: root,
    env: { ...process.env, PUSH_AGENT_DATA_DIR: dataDir, PUSH_AGENT_TEST: '1' },
    timeout: 60_000,
  });
}

describe(
  'the Electron app',
  { skip: binary ? false : 'no Electron binary (run through npm run test:electron)' },
  () => {
    let service: PushService;
    let app: ElectronApplication;
    const dataDir = tempDir('push-agent-electron-');

    before(async () => {
      service = await startPushService({});
      app = await launch(service, dataDir);
    });
    after(async () => {
      await app?.close().catch(() => undefined);
      await service?.close();
    });

    test('starts, connects and shows its state in the tray', async () => {
      assert.equal(await app.evaluate(({ app: a }) => a.isReady()), true);
      const tooltip = await eventually(
        'the tray to say Connected',
        () => hooks(app, (h) => h.trayTooltip()),
        (t) => t.startsWith('Push Agent: Connected'),
      );
      assert.match(tooltip, /^Push Agent: Connected/);
    });

    test('opens the settings window on the app scheme with only window.pushAgent exposed', async () => {
      const win = await app.firstWindow();
      await win.waitForLoadState('domcontentloaded');
      assert.equal(win.url(), 'push-agent://settings/settings.html');
      const shape = await win.evaluate(() => ({
        api: typeof (window as unknown as { pushAgent?: { getStatus?: unknown } }).pushAgent?.getStatus,
        require: typeof (globalThis as { require?: unknown }).require,
        process: typeof (globalThis as { process?: unknown }).process,
        ipc: 'ipcRenderer' in window,
      }));
      assert.deepEqual(shape, { api: 'function', require: 'undefined', process: 'undefined', ipc: false });
      const status = await win.evaluate(() =>
        (window as unknown as { pushAgent: { getStatus(): Promise<{ state: string }> } }).pushAgent.getStatus(),
      );
      assert.equal(status.state, 'connected');
      // The page cannot reach the settings channel by pretending to be something else: invalid arguments are refused.
      const refused = await win.evaluate(() =>
        (window as unknown as { pushAgent: { setMuted(id: unknown, m: unknown): Promise<void> } }).pushAgent
          .setMuted('x', 'yes')
          .then(
            () => 'accepted',
            (e: { kind: string }) => e.kind,
          ),
      );
      assert.equal(refused, 'invalid-argument');
    });

    test('a message sent with web-push through the local push service becomes a native notification', async () => {
      const sub = await hooks(app, (h) => h.subscribe('electron smoke'));
      const status = await send(sub, JSON.stringify({ title: 'Hello Electron', body: 'from web-push' }));
      assert.equal(status, 201);
      const shown = await eventually(
        'the notification',
        () => hooks(app, (h) => h.notifications()),
        (n) => n.some((x) => x.title === 'Hello Electron'),
      );
      assert.deepEqual(
        shown.find((x) => x.title === 'Hello Electron'),
        { title: 'Hello Electron', body: 'from web-push' },
      );
      assert.ok((await hooks(app, (h) => h.unread())) >= 1, 'handed to Electron Notification and still on screen');
    });

    test('a second launch shows the settings window of the running instance instead of starting another', async () => {
      for (const w of app.windows()) await w.close();
      await eventually(
        'no window',
        async () => app.windows().length,
        (n) => n === 0,
      );
      const second = spawn(binary!, [root, `--service=${service.wsUrl}`], {
        cwd: root,
        env: { ...process.env, PUSH_AGENT_DATA_DIR: dataDir },
        stdio: 'ignore',
      });
      const exited = new Promise<number | null>((resolve) => second.on('exit', resolve));
      await eventually(
        'the settings window',
        async () => app.windows().map((w) => w.url()),
        (urls) => urls.includes('push-agent://settings/settings.html'),
      );
      assert.equal(await exited, 0);
    });

    test('quitting flushes state: a relaunch has the subscription and nothing left pending', async () => {
      await app.evaluate(({ app: a }) => a.quit());
      await eventually(
        'the app to exit',
        async () => app.process().exitCode,
        (c) => c !== null,
      );
      assert.equal(app.process().exitCode, 0);
      const state = JSON.parse(fs.readFileSync(path.join(dataDir, 'state.json'), 'utf8')) as {
        subscriptions?: unknown;
      };
      assert.ok(JSON.stringify(state).includes('electron smoke'), 'the subscription is on disk');
      assert.match(fs.readFileSync(path.join(dataDir, 'logs', 'main.log'), 'utf8'), /quitting: flushing state/);
      app = await launch(service, dataDir, ['--hidden']);
      const after = await eventually(
        'the relaunched engine',
        () => hooks(app, (h) => h.status()),
        (s) => s.state === 'connected',
      );
      assert.equal(after.subscriptions, 1);
      assert.equal(after.pendingMessages, 0);
      // Linux without a tray host (xvfb, stock GNOME): there is no tray to start hidden in, so settings opens.
      const bus = process.platform === 'linux' ? openSessionBus() : null;
      const trayHost = process.platform !== 'linux' || (await linuxTrayHostPresent(bus));
      bus?.close();
      if (trayHost) assert.equal(app.windows().length, 0, '--hidden starts in the tray only');
      else
        await eventually(
          'the settings window',
          async () => app.windows().map((w) => w.url()),
          (urls) => urls.includes('push-agent://settings/settings.html'),
        );
    });
  },
);
