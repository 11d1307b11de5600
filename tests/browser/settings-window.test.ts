// The settings window in real Chromium, driven like a user would (keyboard and clicks), with `window.pushAgent`
// bound to a real SettingsService over a real engine, a local push service and `web-push` as the sender (directly,
// through `push-agent send` as the window shows it, and through the window's own test button).
// Mocked: only addSite's site window (Electron-only; the service gets a recorder) and the desktop notifier (the
// engine harness records notifications instead of showing them).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { SettingsService } from '../../src/engine/services/settings-service.ts';
import { startPushService, type PushService } from '../../tools/push-service/index.ts';
import { CLI } from '../support/cli.ts';
import { send, sendStatus, startEngine, tempDir, type Harness } from '../support/engine-harness.ts';
import { launchChromium } from '../support/playwright-chromium.ts';
import { buildSettingsAssets, openSettingsPage, type SettingsPage } from '../support/settings-page.ts';

let browser: Browser;
let push: PushService;

before(async () => {
  browser = await launchChromium();
  push = await startPushService({});
});
after(async () => {
  await browser?.close();
  await push?.close();
});

interface World {
  h: Harness;
  service: SettingsService;
  win: SettingsPage;
  page: Page;
  addSiteCalls: string[];
  close(): Promise<void>;
}

async function world(hash?: string, dataDir?: string): Promise<World> {
  const h = await startEngine(push.wsUrl, {}, dataDir);
  const addSiteCalls: string[] = [];
  const service = new SettingsService(h.engine, { addSite: async (url) => void addSiteCalls.push(url) });
  const win = await openSettingsPage(browser, service, hash ? { hash } : {});
  return {
    h,
    service,
    win,
    page: win.page,
    addSiteCalls,
    close: async () => {
      await win.close();
      service.dispose();
      await h.stop();
    },
  };
}

/** Polls the page until `fn` is true: a functional wait with a budget, not a timing assertion. */
async function until(page: Page, what: string, fn: () => Promise<boolean>, budgetMs = 5_000): Promise<void> {
  const deadline = Date.now() + budgetMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${budgetMs} ms waiting for ${what}`);
    await page.waitForTimeout(10);
  }
}

describe('settings window', () => {
  test('create an endpoint, copy its JSON, send to it with web-push, see it in Activity within a second', async () => {
    // The library itself (not its https-only CLI) sends to the plain-http local service.
    const w = await world('endpoints');
    try {
      const { page } = w;
      await page.getByLabel('Name').first().fill('Build server');
      await page.getByRole('button', { name: 'Create endpoint' }).click();
      const card = page.locator('article.endpoint', { has: page.getByRole('heading', { name: 'Build server' }) });
      await card.waitFor();
      // The copy button really copies: read the clipboard back.
      await card.getByRole('button', { name: 'Copy JSON' }).click();
      const copied = JSON.parse(await page.evaluate(() => navigator.clipboard.readText())) as {
        endpoint: string;
        keys: { p256dh: string; auth: string };
      };
      assert.match(copied.endpoint, /^http:\/\/127\.0\.0\.1:\d+\//);
      assert.equal(copied.keys.auth.length, 22);
      // A plain-http endpoint gets `push-agent send` (the web-push command fails there with EPROTO).
      const command = await card.locator('pre[id^="cmd-"]').textContent();
      assert.ok(
        command?.includes(copied.endpoint) &&
          command.includes(copied.keys.auth) &&
          command.includes(copied.keys.p256dh) &&
          command.includes('| push-agent send -'),
        command ?? '',
      );

      await page.getByRole('tab', { name: /Activity/ }).click();
      await assert.doesNotReject(send(copied, JSON.stringify({ title: 'Deploy finished', body: 'main is green' })));
      await until(
        page,
        'the message in Activity',
        async () => (await page.locator('#activity-list .entry-title', { hasText: 'Deploy finished' }).count()) === 1,
        1_000,
      );
      const entry = page.locator('#activity-list .entry').first();
      assert.equal(await entry.locator('.who').textContent(), 'Build server');
      assert.equal(await entry.locator('.badge').textContent(), 'Shown');
      assert.equal(await entry.locator('.entry-body').textContent(), 'main is green');
      assert.deepEqual(w.win.errors, []);
    } finally {
      await w.close();
    }
  });

  test("the shown send command, run as shown in a shell, delivers; the test button shows the service's answer and delivers", async () => {
    const w = await world('endpoints');
    try {
      const { page } = w;
      await page.getByLabel('Name').first().fill('Backups');
      await page.getByRole('button', { name: 'Create endpoint' }).click();
      const card = page.locator('article.endpoint', { has: page.getByRole('heading', { name: 'Backups' }) });
      await card.waitFor();
      assert.equal(await card.locator('.code-title').nth(1).textContent(), 'Send a test with push-agent send');
      await card.getByRole('button', { name: 'Copy command' }).click();
      const command = await page.evaluate(() => navigator.clipboard.readText());
      // `push-agent` on the PATH as installing the package puts it there (its bin runs src/cli/push-agent.ts here).
      const bin = tempDir();
      fs.writeFileSync(path.join(bin, 'push-agent'), `#!/bin/sh\nexec '${process.execPath}' '${CLI}' "$@"\n`, {
        mode: 0o755,
      });
      const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, PUSH_AGENT_DATA_DIR: tempDir() };
      const ran = await new Promise<{ code: number | null; out: string }>((resolve) => {
        const p = spawn('sh', ['-c', command], { env, timeout: 30_000 });
        let out = '';
        p.stdout.on('data', (c: Buffer) => (out += c.toString()));
        p.stderr.on('data', (c: Buffer) => (out += c.toString()));
        p.on('close', (code) => resolve({ code, out }));
      });
      assert.equal(ran.code, 0, ran.out);
      assert.equal(ran.out, '201 Created\n');
      await until(
        page,
        'the shell-sent message',
        async () => w.h.notifier.shown.some((n) => n.body === 'Hello from push-agent send'),
        10_000,
      );

      await card.getByRole('button', { name: 'Send a test notification' }).click();
      await until(
        page,
        "the service's answer",
        async () =>
          /Push service answered: 201 Created/.test((await card.locator('[role=status]').textContent()) ?? ''),
        10_000,
      );
      await until(
        page,
        'the test message shown',
        async () => w.h.notifier.shown.some((n) => n.title === 'Test notification'),
        10_000,
      );
      // The answer stays on screen through the re-render the arriving message causes.
      assert.match((await page.locator('article.endpoint [role=status]').first().textContent()) ?? '', /201 Created/);

      assert.deepEqual(w.win.errors, []);
    } finally {
      await w.close();
    }
  });

  test('unsubscribing a site (confirmed) removes it and its endpoint then answers 410', async () => {
    const w = await world();
    try {
      const sub = await w.h.engine.subscribe({
        kind: 'site',
        origin: 'https://site.example',
        applicationServerKey: null,
        userVisibleOnly: true,
      });
      const { page } = w;
      const card = page.locator('article.site', { has: page.getByRole('heading', { name: 'site.example' }) });
      await card.waitFor();
      assert.equal(await card.locator('.badge').textContent(), 'Active');
      // Cancel first: nothing changes.
      await card.getByRole('button', { name: 'Unsubscribe…' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
      assert.equal(w.h.engine.status().subscriptions, 1);
      await card.getByRole('button', { name: 'Unsubscribe…' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Unsubscribe' }).click();
      await page.getByText('No sites yet.').waitFor();
      assert.equal(w.h.engine.subscription(sub.id), undefined);
      let status = 0;
      await until(page, 'a 410 from the old endpoint', async () => (status = await sendStatus(sub, 'late')) === 410);
      assert.equal(status, 410);
    } finally {
      await w.close();
    }
  });

  test('a paused site shows why, and Resume makes it active again', async () => {
    const w = await world();
    try {
      const sub = await w.h.engine.subscribe({
        kind: 'site',
        origin: 'https://quiet.example',
        applicationServerKey: null,
        userVisibleOnly: false,
      });
      // Set the pause exactly as the policy does when the budget runs out (delivery/settlement.ts): reaching it for
      // real needs a site worker spending the budget, which the policy's own tests cover.
      w.h.engine.pause(sub.id, 'silent-push budget used up');
      w.h.engine.emit('subscriptions');
      const { page } = w;
      const card = page.locator('article.site', { has: page.getByRole('heading', { name: 'quiet.example' }) });
      await card.getByText('Paused: silent-push budget used up').waitFor();
      assert.equal(await card.locator('.badge').textContent(), 'Paused');
      await card.getByRole('button', { name: 'Resume' }).click();
      await card.locator('.badge', { hasText: 'Active' }).waitFor();
      assert.equal(w.h.engine.subscription(sub.id)?.paused, null);
      assert.equal(await card.getByRole('button', { name: 'Resume' }).count(), 0);
      // Mute and unmute, the user's own pause.
      await card.getByRole('button', { name: 'Mute' }).click();
      await card.locator('.badge', { hasText: 'Muted' }).waitFor();
      assert.equal(w.h.engine.subscription(sub.id)?.muted, true);
      await card.getByRole('button', { name: 'Unmute' }).click();
      await card.locator('.badge', { hasText: 'Active' }).waitFor();
      assert.deepEqual(w.win.errors, []);
    } finally {
      await w.close();
    }
  });

  test('preferences are validated in words and survive a reload and an engine restart', async () => {
    const w = await world('status');
    const dataDir = w.h.dataDir;
    try {
      const { page } = w;
      await until(
        page,
        'preferences to load',
        async () => (await page.locator('#pref-service-url').inputValue()) !== '',
      );
      // A bad value is refused with a sentence and focus on the field.
      await page.getByLabel('Low battery below (%)').fill('150');
      await page.getByRole('button', { name: 'Save preferences' }).click();
      await page.getByText('Low battery level: enter a whole number from 1 to 99.').waitFor();
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'pref-low-battery');

      await page.getByLabel('Low battery below (%)').fill('30');
      await page.getByLabel('Hold notifications during quiet hours').check();
      await page.getByLabel('From').fill('21:30');
      await page.getByLabel('to', { exact: true }).fill('07:15');
      await page.getByLabel('Silent messages allowed per site, on battery').fill('5');
      await page.getByRole('button', { name: 'Save preferences' }).click();
      await until(page, 'the save', async () => w.h.engine.preferences.get().policy.lowBatteryPercent === 30);

      await page.reload();
      await until(
        page,
        'the form to fill',
        async () => (await page.getByLabel('Low battery below (%)').inputValue()) === '30',
      );
      assert.equal(await page.getByLabel('Hold notifications during quiet hours').isChecked(), true);
      assert.equal(await page.getByLabel('From').inputValue(), '21:30');
      assert.equal(await page.getByLabel('to', { exact: true }).inputValue(), '07:15');
      assert.equal(await page.getByLabel('Silent messages allowed per site, on battery').inputValue(), '5');
    } finally {
      await w.close();
    }
    // The engine stores them: a new engine on the same data dir shows the same.
    const again = await world('status', dataDir);
    try {
      await until(
        again.page,
        'stored preferences',
        async () => (await again.page.getByLabel('Low battery below (%)').inputValue()) === '30',
      );
      assert.equal(await again.page.getByLabel('From').inputValue(), '21:30');
    } finally {
      await again.close();
    }
  });

  test('the push service can be switched to the embedded one and back, and the choice is stored', async () => {
    const w = await world('status');
    try {
      const { page } = w;
      await until(
        page,
        'preferences to load',
        async () => (await page.locator('#pref-service-url').inputValue()) !== '',
      );
      const address = await page.getByLabel('Push service address').inputValue();
      await page.getByLabel('Push service', { exact: true }).selectOption('local');
      assert.equal(
        await page.getByLabel('Push service address').isDisabled(),
        true,
        'no address for the embedded service',
      );
      await page.getByRole('button', { name: 'Save preferences' }).click();
      await until(page, 'the save', async () => w.h.engine.preferences.get().serviceUrl === 'local');

      await page.reload();
      await until(
        page,
        'the form to fill',
        async () => (await page.getByLabel('Push service', { exact: true }).inputValue()) === 'local',
      );
      assert.equal(await page.getByLabel('Push service address').isDisabled(), true);

      await page.getByLabel('Push service', { exact: true }).selectOption('url');
      await page.getByLabel('Push service address').fill(address);
      await page.getByRole('button', { name: 'Save preferences' }).click();
      await until(page, 'the save back', async () => w.h.engine.preferences.get().serviceUrl !== 'local');
      assert.deepEqual(w.win.errors, []);
    } finally {
      await w.close();
    }
  });

  test('titles, bodies and labels containing markup and script appear as text', async () => {
    const w = await world('activity');
    try {
      const { page } = w;
      let executed = false;
      await page.exposeFunction('__pwned', () => {
        executed = true;
      });
      const evil = '<img src=x onerror="__pwned()"><script>__pwned()</script><b>bold</b>';
      const info = await w.h.engine.subscribe({ kind: 'endpoint', label: `${evil} label` });
      await send(info, JSON.stringify({ title: `${evil} title`, body: `${evil} body` }));
      await page.locator('#activity-list .entry-title').first().waitFor();
      assert.equal(await page.locator('#activity-list .entry-title').first().textContent(), `${evil} title`);
      assert.equal(await page.locator('#activity-list .entry-body').first().textContent(), `${evil} body`);
      assert.equal(await page.locator('#activity-list .who').first().textContent(), `${evil} label`);
      await page.getByRole('tab', { name: 'Endpoints' }).click();
      assert.equal(await page.locator('article.endpoint h3').first().textContent(), `${evil} label`);
      // Nothing became an element, nothing ran.
      assert.equal(await page.locator('main img, main script:not([src]), main b').count(), 0);
      assert.equal(executed, false);
    } finally {
      await w.close();
    }
  });

  test('Add site validates the address and hands https origins to the site window', async () => {
    const w = await world();
    try {
      const { page } = w;
      await page.getByRole('button', { name: 'Add site' }).click();
      await page.getByLabel('Website address').fill('http://insecure.example');
      await page.getByRole('button', { name: 'Open site' }).click();
      await page.getByText('Only secure (https) websites can send push messages.').waitFor();
      await page.getByLabel('Website address').fill('news.example/today');
      await page.keyboard.press('Enter');
      await until(page, 'the addSite call', async () => w.addSiteCalls.length === 1);
      assert.deepEqual(w.addSiteCalls, ['https://news.example']);
    } finally {
      await w.close();
    }
  });

  test('endpoints can be renamed, replaced (the old one answers 410) and deleted, all from the keyboard', async () => {
    const w = await world('endpoints');
    try {
      const { page } = w;
      const first = await w.h.engine.subscribe({ kind: 'endpoint', label: 'Old name' });
      const card = page.locator('article.endpoint').first();
      await card.getByRole('heading', { name: 'Old name' }).waitFor();
      await card.getByRole('button', { name: 'Rename' }).focus();
      await page.keyboard.press('Enter');
      await page.keyboard.press('ControlOrMeta+a');
      await page.keyboard.type('New name');
      await page.keyboard.press('Enter');
      await page.locator('article.endpoint').getByRole('heading', { name: 'New name' }).waitFor();

      await page.locator('article.endpoint').getByRole('button', { name: 'Replace…' }).focus();
      await page.keyboard.press('Enter');
      await page.getByRole('dialog').waitFor();
      await page.getByRole('dialog').getByRole('button', { name: 'Replace' }).press('Enter');
      await until(
        page,
        'the replacement',
        async () => w.h.engine.status().subscriptions === 1 && !w.h.engine.subscription(first.id),
      );
      let status = 0;
      await until(
        page,
        'a 410 from the replaced endpoint',
        async () => (status = await sendStatus(first, 'x')) === 410,
      );
      assert.equal(status, 410);
      const replaced = w.h.engine.subscriptionRecords()[0]!;
      await until(page, 'the new JSON', async () =>
        ((await page.locator('article.endpoint pre[id^="json-"]').textContent()) ?? '').includes(replaced.endpoint),
      );
      assert.ok(!(await page.locator('article.endpoint pre[id^="json-"]').textContent())?.includes(first.endpoint));
      assert.equal(await page.locator('article.endpoint h3').textContent(), 'New name');

      await page.locator('article.endpoint').getByRole('button', { name: 'Delete…' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
      await page.getByText('No endpoints yet.').waitFor();
      assert.equal(w.h.engine.status().subscriptions, 0);
    } finally {
      await w.close();
    }
  });

  test('an invalid application server key is refused in words, next to the field', async () => {
    const w = await world('endpoints');
    try {
      const { page } = w;
      await page.getByLabel('Name').first().fill('VAPID one');
      await page.getByLabel(/Application server key/).fill('not-a-key');
      await page.getByRole('button', { name: 'Create endpoint' }).click();
      await page.getByText(/The application server key must be/).waitFor();
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'endpoint-key');
      assert.equal(w.h.engine.status().subscriptions, 0);
    } finally {
      await w.close();
    }
  });

  test('"Send a test notification" shows one through the engine and says so', async () => {
    const w = await world('status');
    try {
      const { page } = w;
      await page.getByRole('button', { name: 'Send a test notification' }).click();
      await page.locator('#send-test-result', { hasText: 'Sent. It should be on your desktop now.' }).waitFor();
      assert.equal(w.h.notifier.shown.length, 1);
      assert.equal(w.h.notifier.shown[0]!.title, 'Push Agent');
    } finally {
      await w.close();
    }
  });

  test("a site's History button opens Activity filtered to that site", async () => {
    const w = await world();
    try {
      const a = await w.h.engine.subscribe({
        kind: 'site',
        origin: 'https://a.example',
        applicationServerKey: null,
        userVisibleOnly: true,
        label: 'Site A',
      });
      const b = await w.h.engine.subscribe({
        kind: 'site',
        origin: 'https://b.example',
        applicationServerKey: null,
        userVisibleOnly: true,
        label: 'Site B',
      });
      await send(a, JSON.stringify({ title: 'from A' }));
      await send(b, JSON.stringify({ title: 'from B' }));
      const { page } = w;
      await until(page, 'both in history', async () => w.h.engine.history.list({}).length === 2);
      await page
        .locator('article.site', { has: page.getByRole('heading', { name: 'Site B' }) })
        .getByRole('button', { name: 'History' })
        .click();
      assert.equal(await page.getByRole('tab', { name: /Activity/ }).getAttribute('aria-selected'), 'true');
      await page.locator('#activity-list .entry-title', { hasText: 'from B' }).waitFor();
      assert.equal(await page.locator('#activity-list .entry').count(), 1);
      assert.equal(await page.getByLabel('Show').inputValue(), b.id);
      await page.getByLabel('Show').selectOption('');
      await until(page, 'everything again', async () => (await page.locator('#activity-list .entry').count()) === 2);
    } finally {
      await w.close();
    }
  });

  test('opened without the bridge, the window says where to open it instead of failing silently', async () => {
    const a = await buildSettingsAssets();
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.route('http://settings.test/**', (route) => {
        const p = new URL(route.request().url()).pathname;
        const body = p === '/settings.js' ? a.js : p === '/settings.css' ? a.css : a.html;
        const type = p.endsWith('.js') ? 'text/javascript' : p.endsWith('.css') ? 'text/css' : 'text/html';
        return route.fulfill({ status: 200, contentType: type, body });
      });
      await page.goto('http://settings.test/settings.html');
      await page.getByRole('alert').filter({ hasText: 'This window only works inside Push Agent.' }).waitFor();
    } finally {
      await context.close();
    }
  });
});
