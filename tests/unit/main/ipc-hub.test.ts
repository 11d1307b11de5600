// The IPC hub's sender checks and validation, with stand-ins for ipcMain, WebContents and frames: Electron cannot
// run here, and the hub only uses these few members of them (it imports nothing from Electron at run time).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { IpcHub, type SiteFrameHandlers } from '../../../src/main/ipc-hub.ts';
import { silentLogger } from '../../../src/engine/log.ts';
import { IpcChannel, type IpcResult } from '../../../src/shared/ipc.ts';
import type { PushAgentApi } from '../../../src/shared/settings-api.ts';

type Handler = (event: unknown, ...args: unknown[]) => unknown;

class FakeIpcMain extends EventEmitter {
  readonly handlers = new Map<string, Handler>();
  handle(channel: string, fn: Handler): void {
    this.handlers.set(channel, fn);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
}

let nextId = 1;
class FakeContents extends EventEmitter {
  readonly id = nextId++;
  readonly mainFrame: { processId: number; routingId: number; url: string };
  readonly sent: Array<[string, ...unknown[]]> = [];
  constructor(url: string) {
    super();
    this.mainFrame = { processId: 1, routingId: this.id, url };
  }
  isDestroyed(): boolean {
    return false;
  }
  getURL(): string {
    return this.mainFrame.url;
  }
  send(channel: string, ...args: unknown[]): void {
    this.sent.push([channel, ...args]);
  }
  /** An event from the main frame, or from a child frame at another URL. */
  event(frame: 'main' | { url: string } | null = 'main') {
    const senderFrame =
      frame === 'main' ? this.mainFrame : frame === null ? null : { processId: 1, routingId: 9999, url: frame.url };
    return { sender: this, senderFrame };
  }
}

function setup() {
  const ipc = new FakeIpcMain();
  const hub = new IpcHub(ipc as unknown as ConstructorParameters<typeof IpcHub>[0], silentLogger);
  const calls: Array<{ method: string; args: unknown[] }> = [];
  const api = new Proxy(
    {},
    {
      get:
        (_t, method: string) =>
        async (...args: unknown[]) => {
          calls.push({ method, args });
          if (method === 'resume') throw Object.assign(new Error('No such subscription.'), { kind: 'not-found' });
          if (method === 'clearHistory') throw new TypeError('secret internals /wpush/v2/abc');
          return { from: method };
        },
    },
  ) as Omit<PushAgentApi, 'onEvent'>;
  hub.setSettingsApi(api);
  const invoke = (channel: string, event: unknown, ...args: unknown[]) =>
    ipc.handlers.get(channel)!(event, ...args) as Promise<unknown>;
  return { ipc, hub, calls, invoke };
}

test('settings calls are answered only for the settings window, from its main frame on our scheme', async () => {
  const { hub, calls, invoke } = setup();
  const settings = new FakeContents('push-agent://settings/settings.html');
  const site = new FakeContents('https://evil.example/');
  hub.setSettingsContents(settings as never);
  assert.deepEqual(await invoke(IpcChannel.settingsCall, settings.event(), 'getStatus', []), {
    ok: true,
    value: { from: 'getStatus' },
  });
  const forbidden = { ok: false, error: { kind: 'forbidden', message: 'Not allowed.' } };
  assert.deepEqual(await invoke(IpcChannel.settingsCall, site.event(), 'getStatus', []), forbidden);
  assert.deepEqual(
    await invoke(IpcChannel.settingsCall, settings.event({ url: 'https://evil.example/frame' }), 'getStatus', []),
    forbidden,
  );
  assert.deepEqual(await invoke(IpcChannel.settingsCall, settings.event(null), 'getStatus', []), forbidden);
  settings.mainFrame.url = 'https://navigated.example/';
  assert.deepEqual(await invoke(IpcChannel.settingsCall, settings.event(), 'getStatus', []), forbidden);
  assert.equal(calls.length, 1);
});

test('settings arguments are validated before the service sees them; errors cross as { kind, message } without internals', async () => {
  const { hub, calls, invoke } = setup();
  const settings = new FakeContents('push-agent://settings/settings.html');
  hub.setSettingsContents(settings as never);
  const bad = (await invoke(IpcChannel.settingsCall, settings.event(), 'setMuted', ['id', 'yes'])) as IpcResult;
  assert.equal(bad.ok, false);
  assert.equal(!bad.ok && bad.error.kind, 'invalid-argument');
  assert.equal(((await invoke(IpcChannel.settingsCall, settings.event(), 'constructor', [])) as IpcResult).ok, false);
  assert.equal(calls.length, 0);
  assert.deepEqual(await invoke(IpcChannel.settingsCall, settings.event(), 'resume', ['abc']), {
    ok: false,
    error: { kind: 'not-found', message: 'No such subscription.' },
  });
  assert.deepEqual(await invoke(IpcChannel.settingsCall, settings.event(), 'clearHistory', []), {
    ok: false,
    error: { kind: 'internal', message: 'Something went wrong in the app.' },
  });
});

test('events go to the settings window only while it shows our page', () => {
  const { hub } = setup();
  const settings = new FakeContents('push-agent://settings/settings.html');
  hub.sendSettingsEvent({ type: 'subscriptions' });
  hub.setSettingsContents(settings as never);
  hub.sendSettingsEvent({ type: 'subscriptions' });
  settings.mainFrame.url = 'https://elsewhere.example/';
  hub.sendSettingsEvent({ type: 'subscriptions' });
  assert.deepEqual(settings.sent, [[IpcChannel.settingsEvent, { type: 'subscriptions' }]]);
});

test("a site window's main frame reaches its own SiteService; other frames and unknown methods do not", async () => {
  const { hub, invoke } = setup();
  const seen: string[] = [];
  const handlers = Object.fromEntries(
    [
      'permissionState',
      'subscribe',
      'getSubscription',
      'unsubscribe',
      'legacyRegister',
      'legacyUnregister',
      'legacyRegistrations',
    ].map((m) => [m, async () => (seen.push(m), { ok: true, value: m })]),
  ) as unknown as SiteFrameHandlers;
  const site = new FakeContents('https://a.example/app');
  hub.registerSite(site as never, 'https://a.example', handlers);
  assert.deepEqual(await invoke(IpcChannel.siteCall, site.event(), 'permissionState', []), {
    ok: true,
    value: 'permissionState',
  });
  const denied = { ok: false, name: 'NotAllowedError', message: 'Not allowed.' };
  assert.deepEqual(
    await invoke(IpcChannel.siteCall, site.event({ url: 'https://ads.example/frame' }), 'subscribe', [{}]),
    denied,
  );
  site.mainFrame.url = 'https://b.example/';
  assert.deepEqual(await invoke(IpcChannel.siteCall, site.event(), 'subscribe', [{}]), denied);
  site.mainFrame.url = 'https://a.example/other';
  assert.equal(
    ((await invoke(IpcChannel.siteCall, site.event(), 'toString', [])) as { name: string }).name,
    'InvalidStateError',
  );
  assert.equal(
    ((await invoke(IpcChannel.siteCall, site.event(), 'subscribe', [1, 2, 3])) as { name: string }).name,
    'InvalidStateError',
  );
  hub.sendSiteMessage(site as never, { type: 'push-register' });
  assert.deepEqual(site.sent, [[IpcChannel.siteMessage, { type: 'push-register' }]]);
  assert.deepEqual(seen, ['permissionState']);
});
