// The worker preload's bridge logic (src/preload/worker-bridge.ts), bundled and loaded into real Chromium under the
// real worker host page (src/worker) at a site's origin, running a real worker script. Electron's IPC cannot run
// here, so the transport is three Playwright bindings standing in for the main process (src/main/ipc-hub.ts).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { build } from 'esbuild';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { IpcResult } from '../../src/shared/ipc.ts';
import type { BridgeDispatch, BridgeOutcome } from '../../src/shared/worker-bridge.ts';
import { buildWorkerAssets, launchChromium } from '../support/playwright-worker-host.ts';

const ORIGIN = 'https://site.test';
const SW = `
self.addEventListener('push', (event) => {
  const text = event.data ? event.data.text() : '';
  if (text === 'refused') event.waitUntil(self.registration.showNotification('x', { body: 'y' }));
  else event.waitUntil(self.registration.showNotification('From ' + text, { body: 'hello', tag: 't' }));
});`;

let browser: Browser;
let context: BrowserContext;
let bundle: string;

before(async () => {
  const out = await build({ entryPoints: ['src/preload/worker-bridge.ts'], bundle: true, write: false, format: 'iife', globalName: 'WorkerBridgeModule', platform: 'browser', logLevel: 'silent' });
  bundle = out.outputFiles[0]!.text;
  const assets = await buildWorkerAssets();
  browser = await launchChromium();
  context = await browser.newContext();
  await context.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    const files: Record<string, [string, string]> = {
      '/__push-agent__/host.html': ['text/html', assets.hostHtml],
      '/__push-agent__/host.js': ['text/javascript', assets.hostJs],
      '/__push-agent__/scope.js': ['text/javascript', assets.scopeJs],
      '/sw.js': ['text/javascript', SW],
      '/blank.html': ['text/html', '<!doctype html><title>blank</title>'],
    };
    const file = url.origin === ORIGIN ? files[url.pathname] : undefined;
    await route.fulfill(file ? { status: 200, contentType: file[0], body: file[1] } : { status: 404, body: '' });
  });
});
after(async () => {
  await browser?.close();
});

interface FakeMain {
  page: Page;
  calls: Array<{ method: string; args: unknown[] }>;
  dispatch(id: number, request: BridgeDispatch): Promise<BridgeOutcome>;
}

/** A page with the bridge installed before its scripts (as a preload is), wired to a fake main. */
async function openWithBridge(path: string, answer: (method: string, args: unknown[]) => IpcResult): Promise<FakeMain> {
  const page = await context.newPage();
  const calls: FakeMain['calls'] = [];
  const replies = new Map<number, (o: BridgeOutcome) => void>();
  await page.exposeBinding('__call', (_s, method: string, args: unknown[]) => {
    calls.push({ method, args });
    return answer(method, args);
  });
  await page.exposeBinding('__reply', (_s, id: number, outcome: BridgeOutcome) => replies.get(id)?.(outcome));
  await page.addInitScript(`${bundle}
    (() => {
      let deliver = null;
      const bridge = WorkerBridgeModule.createWorkerBridge({
        call: (m, a) => globalThis.__call(m, a),
        onDispatch: (l) => { deliver = l; },
        reply: (id, outcome) => globalThis.__reply(id, outcome),
      });
      Object.defineProperty(globalThis, '__mainSends', { value: (id, r) => deliver(id, r) });
      Object.defineProperty(globalThis, 'pushAgentBridge', { value: bridge });
    })();`);
  await page.goto(`${ORIGIN}${path}`);
  return {
    page,
    calls,
    dispatch: (id, request) =>
      new Promise<BridgeOutcome>((resolve) => {
        replies.set(id, resolve);
        void page.evaluate(([i, r]) => (globalThis as unknown as { __mainSends(i: unknown, r: unknown): void }).__mainSends(i, r), [id, request] as const);
      }),
  };
}

const push = (text: string): BridgeDispatch => ({ scriptURL: `${ORIGIN}/sw.js`, scope: `${ORIGIN}/`, event: { type: 'push', data: btoa(text) }, deadlineMs: 10_000 });

test('a push dispatched over the bridge runs the site worker, whose notification comes back as a call', async () => {
  const main = await openWithBridge('/__push-agent__/host.html', () => ({ ok: true, value: undefined }));
  try {
    const outcome = await main.dispatch(7, push('bridge'));
    assert.deepEqual(outcome, { status: 'ok' });
    const shown = main.calls.filter((c) => c.method === 'showNotification');
    assert.equal(shown.length, 1);
    assert.equal(shown[0]!.args[0], 'From bridge');
    assert.equal((shown[0]!.args[1] as { body: string }).body, 'hello');
  } finally {
    await main.page.close();
  }
});

test('a refusal from main reaches the worker as a rejected showNotification (302)', async () => {
  const main = await openWithBridge('/__push-agent__/host.html', (method) =>
    method === 'showNotification' ? { ok: false, error: { kind: 'invalid-argument', message: 'options refused' } } : { ok: true, value: null },
  );
  try {
    const outcome = await main.dispatch(1, push('refused'));
    assert.equal(outcome.status, 'error');
    assert.equal((outcome as { code: number }).code, 302);
  } finally {
    await main.page.close();
  }
});

test('a dispatch before the page registers is answered as a bridge error; later registrations are ignored', async () => {
  const main = await openWithBridge('/blank.html', () => ({ ok: true, value: null }));
  try {
    const early = await main.dispatch(1, push('x'));
    assert.deepEqual(early, { status: 'error', code: 303, kind: 'bridge-error', message: 'host page not ready' });
    await main.page.evaluate(() => {
      const b = (globalThis as unknown as { pushAgentBridge: { onDispatch(h: unknown): void } }).pushAgentBridge;
      b.onDispatch(async () => ({ status: 'ok' }));
      b.onDispatch(async () => ({ status: 'timeout' }));
    });
    assert.deepEqual(await main.dispatch(2, push('x')), { status: 'ok' });
    await main.page.evaluate(() => {
      (globalThis as unknown as { pushAgentBridge: { onDispatch(h: unknown): void } }).pushAgentBridge.onDispatch(null);
    });
    const frozen = await main.page.evaluate(() => Object.isFrozen((globalThis as unknown as { pushAgentBridge: object }).pushAgentBridge));
    assert.equal(frozen, true);
  } finally {
    await main.page.close();
  }
});

test('a handler that throws or rejects becomes a 303 bridge-error outcome, not a hang', async () => {
  const main = await openWithBridge('/blank.html', () => ({ ok: true, value: null }));
  try {
    await main.page.evaluate(() => {
      (globalThis as unknown as { pushAgentBridge: { onDispatch(h: unknown): void } }).pushAgentBridge.onDispatch(() => {
        throw new Error('handler blew up');
      });
    });
    assert.deepEqual(await main.dispatch(3, push('x')), { status: 'error', code: 303, kind: 'bridge-error', message: 'handler blew up' });
  } finally {
    await main.page.close();
  }
});
