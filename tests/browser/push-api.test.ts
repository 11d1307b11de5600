// The in-page Push API (src/page/push-api.ts) on real Chromium: a locally served site subscribes through the
// patched PushManager with a VAPID key and the test sends as its application server with web-push through the local
// push service. The page script's bridge is a Playwright binding here (tests/support/playwright-site-bridge.ts, the
// stand-in for Electron's site-window preload). Sites' workers running the push, on the product's Chromium host, are
// tests/browser/site-workers.test.ts. Nothing is mocked except the desktop notifier (it cannot be observed here).

import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import webpush from 'web-push';
import { startPushService } from '../../tools/push-service/index.ts';
import { SiteService, type PermissionPort } from '../../src/engine/services/site-service.ts';
import type { SitePermissionState } from '../../src/shared/site-bridge.ts';
import { send, sendStatus, startEngine, waitFor, type Harness } from '../support/engine-harness.ts';
import { launchChromium } from '../support/playwright-chromium.ts';
import { bindSiteBridge } from '../support/playwright-site-bridge.ts';

// ---- the test site ------------------------------------------------------------------------------------

const SW = `self.addEventListener('push', () => {});`;

function startSite(): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://site').pathname;
    if (path === '/sw.js')
      res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' }).end(SW);
    else if (path.endsWith('/') || path.endsWith('.html'))
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>site</title>');
    else res.writeHead(404).end();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// ---- page-side helpers (run in the site page) -----------------------------------------------------------

type Outcome =
  | {
      ok: true;
      json: { endpoint: string; expirationTime: null; keys: { p256dh: string; auth: string } };
      p256dh: string;
      auth: string;
      serverKey: string | null;
      userVisibleOnly: boolean;
    }
  | { ok: false; name: string; message: string };

/** Registers /sw.js at `scope`, waits for it to be active, subscribes with `key` (a string or byte array). */
function subscribeIn(
  page: Page,
  scope: string,
  key: string | number[] | null,
  userVisibleOnly: boolean | 'omit' = true,
): Promise<Outcome> {
  return page.evaluate(
    async ({ scope, key, userVisibleOnly }) => {
      const b64 = (buf: ArrayBuffer | null) =>
        buf
          ? btoa(String.fromCharCode(...new Uint8Array(buf)))
              .replace(/\+/g, '-')
              .replace(/\//g, '_')
              .replace(/=+$/, '')
          : null;
      try {
        const reg = await navigator.serviceWorker.register('/sw.js', { scope });
        while (!reg.active) await new Promise((r) => setTimeout(r, 20));
        const applicationServerKey = Array.isArray(key) ? new Uint8Array(key) : key;
        const sub = await reg.pushManager.subscribe(
          userVisibleOnly === 'omit' ? { applicationServerKey } : { userVisibleOnly, applicationServerKey },
        );
        return {
          ok: true as const,
          json: sub.toJSON() as never,
          p256dh: b64(sub.getKey('p256dh'))!,
          auth: b64(sub.getKey('auth'))!,
          serverKey: b64(sub.options.applicationServerKey),
          userVisibleOnly: sub.options.userVisibleOnly,
        };
      } catch (err) {
        return { ok: false as const, name: (err as Error).name, message: (err as Error).message };
      }
    },
    { scope, key, userVisibleOnly },
  );
}

function getSubscriptionIn(page: Page, scope: string): Promise<string | null> {
  return page.evaluate(async (scope) => {
    const reg = await navigator.serviceWorker.getRegistration(scope);
    const sub = await reg!.pushManager.getSubscription();
    return sub ? JSON.stringify(sub) : null;
  }, scope);
}

function failure(o: Outcome): string {
  assert.equal(o.ok, false, 'expected the call to fail');
  return (o as { name: string }).name;
}

// ---- fixtures -------------------------------------------------------------------------------------------

let site: http.Server;
let origin: string;
let service: Awaited<ReturnType<typeof startPushService>>;
let browser: Browser;
let h: Harness;
let siteService: SiteService;
let context: BrowserContext;
let page: Page;
const permissions = new Map<string, SitePermissionState>();
let answer: 'granted' | 'denied' = 'granted';
const asked: string[] = [];
const permission: PermissionPort = {
  state: (o) => permissions.get(o) ?? 'prompt',
  ask: async (o) => {
    asked.push(o);
    permissions.set(o, answer);
    return answer;
  },
};
const vapid = webpush.generateVAPIDKeys();
const otherVapid = webpush.generateVAPIDKeys();

before(async () => {
  site = await startSite();
  const port = (site.address() as AddressInfo).port;
  // localhost is a secure context, so Chromium offers PushManager and service workers over plain http.
  origin = `http://localhost:${port}`;
  service = await startPushService();
  browser = await launchChromium();
  // No worker host: this browser is Playwright's, not the product's host; a push gets the engine's generic
  // notification.
  h = await startEngine(service.wsUrl);
  siteService = new SiteService(h.engine, origin, permission, h.logger);
  context = await browser.newContext();
  page = await context.newPage();
  await bindSiteBridge(page, () => siteService);
  await page.goto(`${origin}/`);
});

after(async () => {
  siteService?.close();
  await context?.close();
  await h?.stop();
  await browser?.close();
  await service?.close();
  site?.close();
});

beforeEach(() => {
  permissions.set(origin, 'granted');
  answer = 'granted';
  asked.length = 0;
});

describe('in-page Push API', () => {
  test('a site subscribes with a VAPID key; the push reaches the engine for that subscription', async () => {
    const sub = await subscribeIn(page, '/news/', vapid.publicKey);
    assert.ok(sub.ok, JSON.stringify(sub));
    assert.equal(sub.json.expirationTime, null);
    assert.equal(sub.p256dh, sub.json.keys.p256dh);
    assert.equal(sub.auth, sub.json.keys.auth);
    assert.equal(sub.serverKey, vapid.publicKey);
    assert.equal(sub.userVisibleOnly, true);
    assert.deepEqual(
      await page.evaluate(
        () => (PushManager as unknown as { supportedContentEncodings: string[] }).supportedContentEncodings,
      ),
      ['aes128gcm', 'aesgcm'],
    );

    const info = h.engine.list().find((s) => s.endpoint === sub.json.endpoint)!;
    const record = h.engine.subscription(info.id)!;
    assert.equal(record.kind, 'site');
    assert.equal(record.scope, `${origin}/news/`);
    assert.equal(record.workerScriptURL, `${origin}/sw.js`, "the registration's script URL was recorded");
    assert.deepEqual(h.engine.subscriptionJSON(info.id), sub.json);

    // The worker's part (its notification, a click opening a window) is site-workers.test.ts, on the Chromium host.
    assert.equal(await send(sub.json, JSON.stringify({ title: 'Breaking' }), { vapid }), 201);
    await waitFor('the fate', () => h.engine.history.list({ subscriptionId: info.id }).length === 1, 20_000);
  });

  test('getSubscription returns the same subscription after a reload', async () => {
    const sub = await subscribeIn(page, '/reload/', vapid.publicKey);
    assert.ok(sub.ok);
    assert.equal(await getSubscriptionIn(page, '/reload/'), JSON.stringify(sub.json));
    await page.reload();
    assert.equal(await getSubscriptionIn(page, '/reload/'), JSON.stringify(sub.json));
    // Subscribing again with the same key (now as bytes) returns the same subscription.
    const again = await subscribeIn(page, '/reload/', [...Buffer.from(vapid.publicKey, 'base64url')]);
    assert.ok(again.ok);
    assert.equal(again.json.endpoint, sub.json.endpoint);
  });

  test('unsubscribe() resolves true, getSubscription is null and the endpoint answers 410', async () => {
    const sub = await subscribeIn(page, '/gone/', vapid.publicKey);
    assert.ok(sub.ok);
    const results = await page.evaluate(async () => {
      const reg = await navigator.serviceWorker.getRegistration('/gone/');
      const s = await reg!.pushManager.getSubscription();
      return [await s!.unsubscribe(), await s!.unsubscribe(), await reg!.pushManager.getSubscription()];
    });
    assert.deepEqual(results, [true, false, null]);
    assert.equal(await sendStatus(sub.json, 'after unsubscribe', { vapid }), 410);
  });

  test('a bad applicationServerKey: InvalidCharacterError for bad base64url, InvalidAccessError for a key that is not a P-256 point', async () => {
    assert.equal(failure(await subscribeIn(page, '/bad-key/', 'not base64url!')), 'InvalidCharacterError');
    assert.equal(failure(await subscribeIn(page, '/bad-key/', new Array(64).fill(4))), 'InvalidAccessError');
    // 65 bytes in the uncompressed form but off the curve: only the engine can tell.
    assert.equal(failure(await subscribeIn(page, '/bad-key/', [4, ...new Array(64).fill(1)])), 'InvalidAccessError');
    assert.equal(await getSubscriptionIn(page, '/bad-key/'), null);
  });

  test('a different key while subscribed is an InvalidStateError', async () => {
    assert.ok((await subscribeIn(page, '/rekey/', vapid.publicKey)).ok);
    assert.equal(failure(await subscribeIn(page, '/rekey/', otherVapid.publicKey)), 'InvalidStateError');
  });

  test('userVisibleOnly: false (or omitted) is accepted: the silent-push budget pays for it', async () => {
    const silent = await subscribeIn(page, '/silent/', vapid.publicKey, false);
    assert.ok(silent.ok, JSON.stringify(silent));
    assert.equal(silent.userVisibleOnly, false);
    assert.equal(
      h.engine.subscription(h.engine.list().find((s) => s.endpoint === silent.json.endpoint)!.id)!.userVisibleOnly,
      false,
    );
    const omitted = await subscribeIn(page, '/silent-omitted/', vapid.publicKey, 'omit');
    assert.ok(omitted.ok, JSON.stringify(omitted));
    assert.equal(omitted.userVisibleOnly, false);
  });

  test('without permission: NotAllowedError; a prompt is asked once and its answer kept', async () => {
    const state = () =>
      page.evaluate(async () =>
        (await navigator.serviceWorker.getRegistration('/perm/'))?.pushManager.permissionState({
          userVisibleOnly: true,
        }),
      );
    permissions.set(origin, 'denied');
    assert.equal(failure(await subscribeIn(page, '/perm/', vapid.publicKey)), 'NotAllowedError');
    assert.equal(await state(), 'denied');
    assert.deepEqual(asked, [], 'a denied origin is not asked again');

    permissions.set(origin, 'prompt');
    assert.equal(await state(), 'prompt');
    answer = 'denied';
    assert.equal(failure(await subscribeIn(page, '/perm/', vapid.publicKey)), 'NotAllowedError');
    assert.deepEqual(asked, [origin]);

    permissions.set(origin, 'prompt');
    answer = 'granted';
    assert.ok((await subscribeIn(page, '/perm/', vapid.publicKey)).ok);
    assert.equal(await state(), 'granted');
  });

  test("the bridge is bound to the window's origin: other origins' scopes and other frames are refused", async () => {
    const foreign = await page.evaluate(() =>
      (globalThis as unknown as { pushAgentSite: { subscribe(r: unknown): Promise<unknown> } }).pushAgentSite.subscribe(
        {
          scope: 'https://victim.example/',
          workerScriptURL: 'https://victim.example/sw.js',
          applicationServerKey: null,
          userVisibleOnly: true,
        },
      ),
    );
    assert.deepEqual(foreign, { ok: false, name: 'SecurityError', message: "scope must be at the page's origin" });
    const garbage = await page.evaluate(() =>
      (globalThis as unknown as { pushAgentSite: { subscribe(r: unknown): Promise<unknown> } }).pushAgentSite.subscribe(
        42,
      ),
    );
    assert.equal((garbage as { name: string }).name, 'InvalidAccessError');

    const other = await context.newPage();
    try {
      await bindSiteBridge(other, () => siteService);
      await other.goto(`${origin.replace('localhost', '127.0.0.1')}/`);
      const refused = await other.evaluate(() =>
        (
          globalThis as unknown as { pushAgentSite: { permissionState(): Promise<unknown> } }
        ).pushAgentSite.permissionState(),
      );
      assert.equal((refused as { name: string }).name, 'SecurityError');
    } finally {
      await other.close();
    }
  });
});
