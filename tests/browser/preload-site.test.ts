// The site preload's bridge logic (src/preload/site-bridge.ts) in real Chromium, with the in-page Push API
// (src/page/push-api.ts) run the way the Electron preload runs it: inlined as a function body and re-created from
// its source text, as contextBridge.executeInMainWorld does. Electron's IPC cannot run here; a Playwright binding
// stands in for the main process (src/main/ipc-hub.ts + the engine's SiteService).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/playwright-chromium.ts';

let browser: Browser;
let bridgeBundle: string;
let pageScriptSource: string;

before(async () => {
  const bundle = async (entry: string, globalName?: string) =>
    (
      await build({
        entryPoints: [entry],
        bundle: true,
        write: false,
        format: 'iife',
        platform: 'browser',
        logLevel: 'silent',
        ...(globalName ? { globalName } : {}),
      })
    ).outputFiles[0]!.text;
  bridgeBundle = await bundle('src/preload/site-bridge.ts', 'SiteBridgeModule');
  // What scripts/build.ts's page-script plugin produces; executeInMainWorld serializes it with toString().
  pageScriptSource = `function pageScript() {\n${await bundle('src/page/push-api.ts')}\n}`;
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

async function sitePage(
  answer: (method: string, args: unknown[]) => unknown,
): Promise<{ page: Page; calls: Array<{ method: string; args: unknown[] }>; send(m: unknown): Promise<void> }> {
  const page = await browser.newPage();
  const calls: Array<{ method: string; args: unknown[] }> = [];
  await page.route('https://site.test/**', (route) =>
    route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>site</title>' }),
  );
  await page.exposeBinding('__siteCall', async (_s, method: string, args: unknown[]) => {
    calls.push({ method, args });
    const a = answer(method, args);
    if (a === 'throw') throw new Error('main went away');
    return a;
  });
  await page.addInitScript(`${bridgeBundle}
    (() => {
      let deliver = () => {};
      const bridge = SiteBridgeModule.createSiteBridge({
        call: (m, a) => globalThis.__siteCall(m, a),
        onMessage: (l) => { deliver = l; },
      });
      Object.defineProperty(globalThis, '__mainSends', { value: (m) => deliver(m) });
      Object.defineProperty(globalThis, 'pushAgentSite', { value: bridge });
    })();
    (${pageScriptSource})();`);
  await page.goto('https://site.test/');
  return {
    page,
    calls,
    send: (m) =>
      page.evaluate((msg) => (globalThis as unknown as { __mainSends(m: unknown): void }).__mainSends(msg), m),
  };
}

test('navigator.push.register() reaches main through the bridge, without saying which origin it is', async () => {
  const site = await sitePage(() => ({ ok: true, value: 'https://push.test/spush/v1/abc' }));
  try {
    const endpoint = await site.page.evaluate(() =>
      (navigator as unknown as { push: { register(): Promise<string> } }).push.register(),
    );
    assert.equal(endpoint, 'https://push.test/spush/v1/abc');
    assert.deepEqual(site.calls, [{ method: 'legacyRegister', args: [] }]);
  } finally {
    await site.page.close();
  }
});

test('a failing or confused main becomes the AbortError the spec names, never a hang', async () => {
  let mode: 'throw' | 'weird' | 'refused' = 'throw';
  const site = await sitePage(() =>
    mode === 'throw'
      ? 'throw'
      : mode === 'weird'
        ? { yes: 1 }
        : { ok: false, name: 'NotAllowedError', message: 'Permission denied.' },
  );
  const attempt = () =>
    site.page.evaluate(() =>
      (navigator as unknown as { push: { register(): Promise<string> } }).push.register().then(
        () => 'resolved',
        (e: DOMException) => e.name,
      ),
    );
  try {
    assert.equal(await attempt(), 'AbortError');
    mode = 'weird';
    assert.equal(await attempt(), 'AbortError');
    mode = 'refused';
    assert.equal(await attempt(), 'NotAllowedError');
  } finally {
    await site.page.close();
  }
});

test("main's Simple Push messages reach the page's handler; malformed ones and a site's own handler do not", async () => {
  const site = await sitePage(() => ({ ok: true, value: [] }));
  try {
    await site.page.evaluate(() => {
      const g = globalThis as unknown as {
        got: unknown[];
        hijacked: unknown[];
        pushAgentSite: { onMessage(h: (m: unknown) => void): void };
      };
      g.got = [];
      g.hijacked = [];
      (navigator as unknown as { mozSetMessageHandler(t: string, h: (m: unknown) => void): void }).mozSetMessageHandler(
        'push',
        (m) => g.got.push(m),
      );
      g.pushAgentSite.onMessage((m) => g.hijacked.push(m));
    });
    await site.send({ type: 'push', endpoint: 'https://push.test/spush/v1/abc', version: 3 });
    await site.send({ type: 'push', endpoint: 42, version: 'x' });
    await site.send(null);
    // A last valid message: delivery is in order, so once it arrives every earlier one has been handled.
    await site.send({ type: 'push', endpoint: 'https://push.test/spush/v1/last', version: null });
    const result = await site.page.waitForFunction(() => {
      const g = globalThis as unknown as { got: unknown[]; hijacked: unknown[] };
      return g.got.length >= 2 && { got: g.got, hijacked: g.hijacked };
    });
    assert.deepEqual(await result.jsonValue(), {
      got: [
        { pushEndpoint: 'https://push.test/spush/v1/abc', version: 3 },
        { pushEndpoint: 'https://push.test/spush/v1/last', version: null },
      ],
      hijacked: [],
    });
    const frozen = await site.page.evaluate(() =>
      Object.isFrozen((globalThis as unknown as { pushAgentSite: object }).pushAgentSite),
    );
    assert.equal(frozen, true);
  } finally {
    await site.page.close();
  }
});
