// The settings preload's bridge logic (src/preload/settings-bridge.ts), bundled as the app bundles it and loaded
// into real Chromium. Electron's ipcRenderer cannot run here, so the transport is a Playwright binding standing in
// for the main process; everything between the page and that transport is the shipped code.

import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { SETTINGS_METHODS, type IpcResult } from '../../src/shared/ipc.ts';
import { launchChromium } from '../support/playwright-chromium.ts';

let browser: Browser;
let page: Page;
let bundle: string;
let calls: Array<{ method: string; args: unknown[] }> = [];
let answer: (method: string, args: unknown[]) => IpcResult | Promise<IpcResult> | 'throw' = () => ({
  ok: true,
  value: null,
});

before(async () => {
  const out = await build({
    entryPoints: ['src/preload/settings-bridge.ts'],
    bundle: true,
    write: false,
    format: 'iife',
    globalName: 'SettingsBridge',
    platform: 'browser',
    logLevel: 'silent',
  });
  bundle = out.outputFiles[0]!.text;
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

beforeEach(async () => {
  await page?.close();
  page = await browser.newPage();
  calls = [];
  answer = () => ({ ok: true, value: null });
  await page.exposeBinding('__invoke', async (_source, method: string, args: unknown[]) => {
    calls.push({ method, args });
    const a = await answer(method, args);
    if (a === 'throw') throw new Error('main went away');
    return a;
  });
  await page.setContent('<!doctype html><title>settings</title>');
  await page.addScriptTag({ content: bundle });
  await page.evaluate(() => {
    const g = globalThis as unknown as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    const listeners = new Set<(e: unknown) => void>();
    g.__emit = (e: unknown) => listeners.forEach((l) => l(e));
    g.__listenerCount = () => listeners.size;
    g.pushAgent = g.SettingsBridge.createSettingsBridge(
      {
        invoke: (method: string, args: unknown[]) => g.__invoke(method, args),
        subscribe: (l: (e: unknown) => void) => {
          listeners.add(l);
          return () => listeners.delete(l);
        },
      },
      g.SettingsBridge.plainApiError,
    );
    delete g.SettingsBridge;
  });
});

test('window.pushAgent is frozen and offers exactly the contract: no ipcRenderer, no transport', async () => {
  const shape = await page.evaluate(() => {
    const api = (globalThis as unknown as { pushAgent: object }).pushAgent;
    return {
      keys: Object.keys(api).sort(),
      frozen: Object.isFrozen(api),
      hasIpc: 'ipcRenderer' in api || 'invoke' in api,
    };
  });
  assert.deepEqual(shape.keys, [...SETTINGS_METHODS, 'onEvent'].sort());
  assert.equal(shape.frozen, true);
  assert.equal(shape.hasIpc, false);
});

test('each method sends its own name and arguments and resolves with the answer', async () => {
  answer = (method) => ({ ok: true, value: { echoed: method } });
  const result = await page.evaluate(async () => {
    const api = (globalThis as unknown as { pushAgent: import('../../src/shared/settings-api.ts').PushAgentApi })
      .pushAgent;
    return [await api.setMuted('id-1', true), await api.getHistory({ limit: 5 }), await api.getStatus()];
  });
  assert.deepEqual(result, [{ echoed: 'setMuted' }, { echoed: 'getHistory' }, { echoed: 'getStatus' }]);
  assert.deepEqual(calls, [
    { method: 'setMuted', args: ['id-1', true] },
    { method: 'getHistory', args: [{ limit: 5 }] },
    { method: 'getStatus', args: [] },
  ]);
});

test('errors cross as { kind, message }; a dead or confused main is ipc-failed', async () => {
  const rejection = () =>
    page.evaluate(() =>
      (globalThis as unknown as { pushAgent: { resume(id: string): Promise<void> } }).pushAgent.resume('x').then(
        () => null,
        (e: { kind: string; message: string; name: string }) => ({ kind: e.kind, message: e.message, name: e.name }),
      ),
    );
  answer = () => ({ ok: false, error: { kind: 'not-found', message: 'No such subscription.' } });
  assert.deepEqual(await rejection(), { kind: 'not-found', message: 'No such subscription.', name: 'PushAgentError' });
  answer = () => 'throw';
  assert.equal((await rejection())?.kind, 'ipc-failed');
  answer = () => ({ weird: true }) as unknown as IpcResult;
  assert.equal((await rejection())?.kind, 'ipc-failed');
});

test('onEvent delivers the contract events only, survives a throwing listener and stops when asked', async () => {
  const seen = await page.evaluate(() => {
    const g = globalThis as unknown as {
      pushAgent: import('../../src/shared/settings-api.ts').PushAgentApi;
      __emit(e: unknown): void;
      __listenerCount(): number;
    };
    const got: string[] = [];
    g.pushAgent.onEvent(() => {
      throw new Error('bad listener');
    });
    const stop = g.pushAgent.onEvent((e) => got.push(e.type));
    g.__emit({ type: 'subscriptions' });
    g.__emit({ type: 'evil', payload: 1 });
    g.__emit(null);
    g.__emit('status');
    g.__emit({ type: 'status', status: {} });
    const before = g.__listenerCount();
    stop();
    stop();
    g.__emit({ type: 'subscriptions' });
    return { got, before, after: g.__listenerCount() };
  });
  assert.deepEqual(seen, { got: ['subscriptions', 'status'], before: 2, after: 1 });
});
