// The settings window's quality bar in real Chromium: axe-core finds no serious or critical violation in any view,
// light or dark; keyboard-only use works with a visible focus; 200% zoom reflows without sideways scrolling; and
// every view is screenshotted in both schemes (UPDATE_SCREENSHOTS=1 writes them to docs/screenshots/ for the README).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { SettingsService } from '../../src/engine/services/settings-service.ts';
import { startPushService, type PushService } from '../../tools/push-service/index.ts';
import { send, sendStatus, startEngine, waitFor, type Harness } from '../support/engine-harness.ts';
import { launchChromium } from '../support/playwright-chromium.ts';
import { axeViolations, openSettingsPage, type OpenOptions } from '../support/settings-page.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shotsDir =
  process.env.UPDATE_SCREENSHOTS === '1'
    ? path.join(root, 'docs/screenshots')
    : fs.mkdtempSync(path.join(os.tmpdir(), 'settings-shots-'));
const VIEWS = [
  { name: 'sites', tab: 'Sites' },
  { name: 'endpoints', tab: 'Endpoints' },
  { name: 'activity', tab: /Activity/ },
  { name: 'status', tab: 'Status and preferences' },
] as const;

let browser: Browser;
let push: PushService;
let h: Harness;
let service: SettingsService;

/** A lived-in agent: sites in every state, an endpoint, and messages with different fates. */
async function seed(): Promise<void> {
  const e = h.engine;
  const news = await e.subscribe({
    kind: 'site',
    origin: 'https://news.example',
    applicationServerKey: null,
    userVisibleOnly: true,
    label: 'Daily News',
  });
  const chat = await e.subscribe({
    kind: 'site',
    origin: 'https://chat.example',
    applicationServerKey: null,
    userVisibleOnly: false,
    label: 'Chat',
  });
  const shop = await e.subscribe({
    kind: 'site',
    origin: 'https://shop.example',
    applicationServerKey: null,
    userVisibleOnly: true,
    label: 'Shop',
  });
  const build = await e.subscribe({ kind: 'endpoint', label: 'Build server' });
  // The pause as the policy sets it when a site's silent budget runs out (reaching it needs a site worker).
  e.pause(chat.id, 'silent-push budget used up');
  e.setMuted(shop.id, true);
  await send(
    news,
    JSON.stringify({ title: 'Storm warning for the coast', body: 'Gusts up to 90 km/h expected tonight.' }),
  );
  await send(build, JSON.stringify({ title: 'Deploy finished', body: 'main is green (4 min 12 s)' }));
  await send(shop, JSON.stringify({ title: 'Your order shipped', body: 'Arrives Tuesday' }));
  // Encrypted for other keys: the agent cannot decrypt it (a diagnostic on the Sites view).
  assert.equal(await sendStatus({ endpoint: news.endpoint, keys: build.keys }, 'wrong keys'), 201);
  await waitFor('four messages in history', () => e.history.list({}).length >= 4);
}

before(async () => {
  browser = await launchChromium();
  push = await startPushService({});
  h = await startEngine(push.wsUrl);
  service = new SettingsService(h.engine, { addSite: async () => {} });
  await seed();
});
after(async () => {
  service?.dispose();
  await h?.stop();
  await browser?.close();
  await push?.close();
});

async function open(opts: OpenOptions = {}) {
  const win = await openSettingsPage(browser, service, opts);
  // Content that arrives asynchronously is in before anything is measured.
  await win.page.locator('article.site').first().waitFor();
  return win;
}

async function showView(page: Page, tab: string | RegExp): Promise<void> {
  await page.getByRole('tab', { name: tab }).click();
  await page.locator('[role="tabpanel"]:not([hidden])').waitFor();
  // The Activity list loads when first shown.
  if (await page.locator('#panel-activity').isVisible())
    await page.locator('#activity-list[aria-busy="false"]').waitFor({ state: 'attached' });
  await page.evaluate(() => document.fonts.ready);
}

for (const scheme of ['light', 'dark'] as const) {
  describe(`settings window, ${scheme}`, () => {
    test(`axe-core finds no serious or critical violations in any view (${scheme}), screenshots of each`, async () => {
      const win = await open({ colorScheme: scheme });
      try {
        for (const v of VIEWS) {
          await showView(win.page, v.tab);
          if (v.name === 'status') await win.page.locator('#policy-rows tr').first().waitFor();
          assert.deepEqual(await axeViolations(win.page), [], `${v.name} view`);
          await win.page.screenshot({ path: path.join(shotsDir, `${v.name}-${scheme}.png`), fullPage: true });
        }
        // The check can fail: a nameless button is a critical violation.
        await win.page.evaluate(() =>
          document.body.appendChild(document.createElement('button')).setAttribute('id', 'axe-probe'),
        );
        assert.ok((await axeViolations(win.page)).some((v) => v.includes('button-name')));
        await win.page.evaluate(() => document.getElementById('axe-probe')?.remove());
        // The confirmation dialog too.
        await showView(win.page, 'Sites');
        await win.page.getByRole('button', { name: 'Unsubscribe…' }).first().click();
        await win.page.getByRole('dialog').waitFor();
        assert.deepEqual(await axeViolations(win.page), [], 'confirmation dialog');
        await win.page.keyboard.press('Escape');
        assert.deepEqual(win.errors, []);
      } finally {
        await win.close();
      }
    });
  });
}

describe('settings window, keyboard and zoom', () => {
  test('keyboard only: skip link, tabs with arrow keys, visible focus, dialog traps and returns focus', async () => {
    const win = await open();
    const { page } = win;
    try {
      await page.bringToFront();
      await page.keyboard.press('Tab');
      assert.equal(
        await page.evaluate(() => `${document.activeElement?.tagName} ${document.activeElement?.textContent}`),
        'A Skip to content',
      );
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'tab-sites');
      // The focus ring is drawn (focus-visible), not just present.
      const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
      assert.equal(outline, 'solid');
      await page.keyboard.press('ArrowRight');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'tab-endpoints');
      assert.equal(await page.locator('#panel-endpoints').isVisible(), true);
      await page.keyboard.press('End');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'tab-status');
      await page.keyboard.press('ArrowRight');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'tab-sites');
      // Tab leaves the tablist for the panel: only the selected tab is a Tab stop.
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'panel-sites');
      // Into the first site's Unsubscribe, open the dialog from the keyboard; Escape returns focus to the button.
      const unsubscribe = page.getByRole('button', { name: 'Unsubscribe…' }).first();
      await unsubscribe.focus();
      await page.keyboard.press('Enter');
      await page.getByRole('dialog').waitFor();
      assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Cancel');
      await page.keyboard.press('Escape');
      await page.getByRole('dialog').waitFor({ state: 'hidden' });
      assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Unsubscribe…');
      assert.equal(h.engine.status().subscriptions, 4);
    } finally {
      await win.close();
    }
  });

  test('at 200% zoom every view reflows without sideways scrolling', async () => {
    // A 900-px-wide window at 200% zoom lays out in 450 CSS pixels at two device pixels each.
    const win = await open({ viewport: { width: 450, height: 760 }, deviceScaleFactor: 2 });
    try {
      for (const v of VIEWS) {
        await showView(win.page, v.tab);
        const overflow = await win.page.evaluate(
          () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
        );
        assert.ok(overflow <= 0, `${v.name} view scrolls sideways by ${overflow}px at 200%`);
      }
      await win.page.screenshot({ path: path.join(shotsDir, 'status-zoom-200.png') });
    } finally {
      await win.close();
    }
  });

  test('a message arriving while the window is open appears without a reload and badges the Activity tab', async () => {
    const win = await open();
    try {
      const build = h.engine.subscriptionRecords().find((s) => s.kind === 'endpoint')!;
      const json = h.engine.subscriptionJSON(build.id)!;
      await send(json, JSON.stringify({ title: 'Nightly build failed', body: 'see the log' }));
      await win.page.locator('#unread:not([hidden])').waitFor();
      assert.equal(await win.page.locator('#unread').textContent(), String((await service.getStatus()).unread));
      assert.ok((await service.getStatus()).unread >= 1);
      await showView(win.page, /Activity/);
      await win.page.locator('#activity-list .entry-title', { hasText: 'Nightly build failed' }).waitFor();
      await win.page.locator('#unread').waitFor({ state: 'hidden' });
      assert.equal((await service.getStatus()).unread, 0);
    } finally {
      await win.close();
    }
  });
});
