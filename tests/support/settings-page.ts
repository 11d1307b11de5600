// The settings window (src/renderer) in real Chromium, bound to a real SettingsService over a real engine: the
// test-side twin of Electron's settings window. The bundle is built the way scripts/build.ts builds it and served
// from 127.0.0.1 (a secure context, as the app's own scheme is) with the same CSP. `window.pushAgent` is made by
// an init script over one Playwright binding, the same shape the preload exposes through contextBridge: methods
// that return promises, errors that carry `{ kind, message }`, and `onEvent` fed by the service's 'event's.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { SettingsService } from '../../src/engine/services/settings-service.ts';
import type { SettingsEvent } from '../../src/shared/settings-api.ts';
import { SETTINGS_METHODS } from '../../src/shared/ipc.ts';
import { bundlePageScript } from './bundle-page.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Every method of PushAgentApi except onEvent: the only names the binding answers (the IPC contract's list). */
export const API_METHODS = SETTINGS_METHODS;

export interface SettingsAssets {
  html: string;
  css: string;
  js: string;
  csp: string;
}

let assets: Promise<SettingsAssets> | null = null;

export function buildSettingsAssets(): Promise<SettingsAssets> {
  assets ??= (async () => {
    const js = await bundlePageScript('src/renderer/settings.ts');
    const html = fs.readFileSync(path.join(root, 'src/renderer/settings.html'), 'utf8');
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1];
    if (!csp) throw new Error('settings.html has no CSP meta tag');
    return { html, css: fs.readFileSync(path.join(root, 'src/renderer/settings.css'), 'utf8'), js, csp };
  })();
  return assets;
}

/** Runs in the page before its scripts: builds window.pushAgent over the binding. */
function bridge(methods: readonly string[]): void {
  type Reply = { ok: unknown } | { error: { kind: string; message: string } };
  const call = (window as unknown as { __pushAgentCall(method: string, args: unknown[]): Promise<Reply> })
    .__pushAgentCall;
  const listeners = new Set<(e: unknown) => void>();
  const api: Record<string, unknown> = {};
  for (const m of methods) {
    api[m] = async (...args: unknown[]) => {
      const r = await call(m, args);
      if ('error' in r) throw Object.assign(new Error(r.error.message), { kind: r.error.kind });
      return r.ok;
    };
  }
  api.onEvent = (fn: (e: unknown) => void) => {
    listeners.add(fn);
    return () => listeners.delete(fn);
  };
  Object.defineProperty(window, '__pushAgentDeliver', {
    value: (e: unknown) => {
      for (const l of listeners) {
        try {
          l(e);
        } catch (err) {
          console.error(err);
        }
      }
    },
  });
  Object.defineProperty(window, 'pushAgent', { value: Object.freeze(api) });
}

export interface SettingsPage {
  page: Page;
  context: BrowserContext;
  url: string;
  /** Uncaught page errors and console errors: a test fails on any. */
  errors: string[];
  close(): Promise<void>;
}

export interface OpenOptions {
  colorScheme?: 'light' | 'dark';
  viewport?: { width: number; height: number };
  /** Device scale factor: 2 renders at 200% like a zoomed window. */
  deviceScaleFactor?: number;
  hash?: string;
}

export async function openSettingsPage(
  browser: Browser,
  service: SettingsService,
  opts: OpenOptions = {},
): Promise<SettingsPage> {
  const a = await buildSettingsAssets();
  const files: Record<string, [string, string]> = {
    '/settings.html': ['text/html; charset=utf-8', a.html],
    '/settings.css': ['text/css; charset=utf-8', a.css],
    '/settings.js': ['text/javascript; charset=utf-8', a.js],
  };
  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    if (pathname === '/favicon.ico') return void res.writeHead(204).end(); // Chromium asks; the app has none here
    const file = files[pathname];
    if (!file) return void res.writeHead(404).end();
    res
      .writeHead(200, { 'content-type': file[0], 'content-security-policy': a.csp, 'cache-control': 'no-store' })
      .end(file[1]);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const context = await browser.newContext({
    colorScheme: opts.colorScheme ?? 'light',
    viewport: opts.viewport ?? { width: 900, height: 760 },
    deviceScaleFactor: opts.deviceScaleFactor ?? 1,
    reducedMotion: 'reduce',
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  await context.exposeBinding('__pushAgentCall', async (_source, method: unknown, args: unknown) => {
    if (typeof method !== 'string' || !(API_METHODS as readonly string[]).includes(method) || !Array.isArray(args)) {
      return { error: { kind: 'invalid-argument', message: 'unknown method' } };
    }
    try {
      const fn = (service as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[method]!;
      return { ok: (await fn.apply(service, args)) ?? null };
    } catch (err) {
      const e = err as { kind?: unknown; message?: unknown };
      return {
        error: {
          kind: typeof e.kind === 'string' ? e.kind : 'failed',
          message: typeof e.message === 'string' ? e.message : 'failed',
        },
      };
    }
  });
  await context.addInitScript(bridge, API_METHODS);

  const forward = (event: SettingsEvent) => {
    for (const p of context.pages()) {
      p.evaluate(
        (e) => (window as unknown as { __pushAgentDeliver?(e: unknown): void }).__pushAgentDeliver?.(e),
        event,
      ).catch(() => {});
    }
  };
  service.on('event', forward);

  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  const url = `${base}/settings.html${opts.hash ? `#${opts.hash}` : ''}`;
  await page.goto(url);
  await page.waitForSelector('#sites-list[aria-busy="false"]', { state: 'attached' });
  return {
    page,
    context,
    url,
    errors,
    close: async () => {
      service.off('event', forward);
      await context.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Runs axe-core in the page; returns the serious and critical violations as readable lines. */
export async function axeViolations(page: Page): Promise<string[]> {
  const source = fs.readFileSync(path.join(root, 'node_modules/axe-core/axe.min.js'), 'utf8');
  // Injected by Playwright (CDP), not by a <script>: the page's CSP rightly forbids inline scripts.
  await page.evaluate(source);
  const result = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run(
            ctx: Document,
            o: unknown,
          ): Promise<{
            violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[] }> }>;
          }>;
        };
      }
    ).axe;
    return axe.run(document, { resultTypes: ['violations'] });
  });
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
}
