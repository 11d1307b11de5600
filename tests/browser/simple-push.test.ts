// Simple Push (docs/architecture.md "Subscriptions") in a site window on real Chromium: `navigator.push.register()`
// gives an endpoint,
// the application server PUTs `version=N` to it at the local push service, and the page's
// `mozSetMessageHandler('push')` handler receives it; stale versions are ignored; after the service drops the UAID,
// `push-register` fires and `registrations()` has the renewed endpoint. Nothing is mocked.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { startPushService } from '../../tools/push-service/index.ts';
import { SiteService, type PermissionPort } from '../../src/engine/services/site-service.ts';
import { startEngine, waitFor, type Harness } from '../support/engine-harness.ts';
import { launchChromium } from '../support/playwright-chromium.ts';
import { bindSiteBridge, forwardSiteMessages } from '../support/playwright-site-bridge.ts';

type Received = { push: Array<{ pushEndpoint: string; version: number | null }>; register: number };

let site: http.Server;
let origin: string;
let service: Awaited<ReturnType<typeof startPushService>>;
let browser: Browser;
let h: Harness;
let siteService: SiteService;
let stopForwarding: () => void = () => undefined;
let page: Page;
const permission: PermissionPort = { state: () => 'granted', ask: async () => 'granted' };
const acked: number[] = [];

async function put(endpoint: string, version: number): Promise<number> {
  const res = await fetch(endpoint, {
    method: 'PUT',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `version=${version}`,
  });
  await res.arrayBuffer();
  return res.status;
}

function received(): Promise<Received> {
  return page.evaluate(() => (globalThis as unknown as { received: Received }).received);
}

async function waitForPage(what: string, predicate: (r: Received) => boolean): Promise<Received> {
  let last: Received;
  const deadline = Date.now() + 15_000;
  while (!predicate((last = await received()))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return last;
}

function attach(engineHarness: Harness): void {
  stopForwarding();
  siteService?.close();
  siteService = new SiteService(engineHarness.engine, origin, permission, engineHarness.logger);
  stopForwarding = forwardSiteMessages(page, siteService);
}

before(async () => {
  site = http.createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>legacy app</title>'),
  );
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  origin = `http://localhost:${(site.address() as AddressInfo).port}`;
  // A small per-session drain limit lets the test force a UAID reset (autopush's UaidReset).
  service = await startPushService({ maxMessagesPerSession: 20 });
  service.events.on('ack', (e: { version: unknown }) => {
    if (typeof e.version === 'number') acked.push(e.version);
  });
  browser = await launchChromium();
  page = await browser.newPage();
  await bindSiteBridge(page, () => siteService);
  h = await startEngine(service.wsUrl);
  attach(h);
  await page.goto(`${origin}/`);
  await page.evaluate(() => {
    const g = globalThis as unknown as { received: Received };
    g.received = { push: [], register: 0 };
    const nav = navigator as unknown as { mozSetMessageHandler(type: string, fn: (m: unknown) => void): void };
    nav.mozSetMessageHandler('push', (m) => g.received.push.push(m as Received['push'][number]));
    nav.mozSetMessageHandler('push-register', () => g.received.register++);
  });
});

after(async () => {
  stopForwarding();
  siteService?.close();
  await browser?.close();
  await h?.stop();
  await service?.close();
  site?.close();
});

type LegacyNavigator = {
  push: {
    register(): Promise<string> & { onsuccess: unknown; result: unknown };
    unregister(e: string): Promise<boolean>;
    registrations(): Promise<Array<{ pushEndpoint: string }>>;
  };
};

describe('Simple Push in a site window', () => {
  let endpoint = '';

  test('register() gives a /spush/v1/ endpoint (as a Promise and as a DOMRequest); registrations() lists it', async () => {
    endpoint = await page.evaluate(() => (navigator as unknown as LegacyNavigator).push.register());
    assert.match(endpoint, /^http:\/\/127\.0\.0\.1:\d+\/spush\/v1\/[A-Za-z0-9_-]+$/);
    const viaRequest = await page.evaluate(
      () =>
        new Promise<string>((resolve) => {
          const req = (navigator as unknown as LegacyNavigator).push.register();
          req.onsuccess = function (this: { result: string }) {
            resolve(this.result);
          };
        }),
    );
    assert.match(viaRequest, /\/spush\/v1\//);
    assert.notEqual(viaRequest, endpoint);
    const list = await page.evaluate(async () =>
      (await (navigator as unknown as LegacyNavigator).push.registrations()).map((r) => r.pushEndpoint),
    );
    assert.deepEqual(list.sort(), [endpoint, viaRequest].sort());
    assert.equal(
      await page.evaluate((e) => (navigator as unknown as LegacyNavigator).push.unregister(e), viaRequest),
      true,
    );
    assert.equal(
      await page.evaluate((e) => (navigator as unknown as LegacyNavigator).push.unregister(e), viaRequest),
      false,
    );
    assert.equal(await put(viaRequest, 1), 410, 'an unregistered endpoint is gone');
  });

  test("PUT version=N reaches the page's push handler; versions not above the last are ignored", async () => {
    assert.equal(await put(endpoint, 5), 200);
    let r = await waitForPage('version 5', (x) => x.push.length >= 1);
    assert.deepEqual(r.push, [{ pushEndpoint: endpoint, version: 5 }]);
    // The engine acks stale versions too; wait for each ack so they are known to have been judged.
    for (const stale of [5, 3]) {
      assert.equal(await put(endpoint, stale), 200);
      await waitFor(`ack of version ${stale}`, () => acked.filter((v) => v === stale).length >= (stale === 5 ? 2 : 1));
    }
    assert.equal(await put(endpoint, 7), 200);
    r = await waitForPage('version 7', (x) => x.push.length >= 2);
    assert.deepEqual(r.push, [
      { pushEndpoint: endpoint, version: 5 },
      { pushEndpoint: endpoint, version: 7 },
    ]);
  });

  test('after the service forgets the agent (new UAID), push-register fires and registrations() has the renewed endpoint', async () => {
    // A push service that lost its state: every UAID is unknown at the next hello, the Simple Push session's too.
    await h.stop();
    const port = service.port;
    await service.close();
    service = await startPushService({ port, maxMessagesPerSession: 20 });
    h = await startEngine(service.wsUrl, {}, h.dataDir);
    attach(h);
    await waitForPage('push-register', (x) => x.register === 1);
    await h.engine.settled();
    const list = await page.evaluate(async () =>
      (await (navigator as unknown as LegacyNavigator).push.registrations()).map((r) => r.pushEndpoint),
    );
    assert.equal(list.length, 1);
    const renewed = list[0]!;
    assert.notEqual(renewed, endpoint);
    assert.match(renewed, /\/spush\/v1\//);
    assert.equal(await put(endpoint, 8), 404, 'the old endpoint is gone (its UAID is unknown to this service)');
    // Versions start over with the new registration.
    assert.equal(await put(renewed, 1), 200);
    const r = await waitForPage('version 1 on the renewed endpoint', (x) => x.push.length >= 3);
    assert.deepEqual(r.push.at(-1), { pushEndpoint: renewed, version: 1 });
  });
});
