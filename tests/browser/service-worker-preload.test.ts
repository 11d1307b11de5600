// The Electron service-worker preload's main-world function, as scripts/build.ts makes it
// (scripts/service-worker-wrapper.ts around the bundled service-worker script), run in a real service worker on
// Debian's Chromium. contextBridge.executeInMainWorld cannot run here: the worker calls the function itself, first,
// as Electron runs the preload before the site's script, and a plain function stands in for ipcRenderer.send and
// for main's answers (src/main/service-worker-host.ts).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { findBrowser } from '../../src/cli/browser-path.ts';
import { serviceWorkerScriptFunction } from '../../scripts/service-worker-wrapper.ts';
import { buildServiceWorkerScript } from '../support/chromium-host.ts';

let browser: Browser;
let server: http.Server;
let origin: string;

before(async () => {
  // The same text the build inlines, as a function expression.
  const fn = serviceWorkerScriptFunction(await buildServiceWorkerScript()).replace(/^export default /, '');
  const sw = `
const sent = [];
// main's side: every call is answered at once; showNotification succeeds.
let agent = null;
agent = (${fn})((json) => {
  const m = JSON.parse(json);
  sent.push(m);
  if (m.id) setTimeout(() => agent.reply(m.id, true, null));
});
// The site's own worker script, after the preload.
self.addEventListener('push', (e) => e.waitUntil(fetch('/ping').then(() => self.registration.showNotification('from ' + e.data.text(), { body: 'b' }))));
self.addEventListener('message', async (e) => {
  if (e.data === 'dispatch') {
    const result = await agent.dispatch({ type: 'push', data: btoa('the push') });
    e.source.postMessage({ result, sent: sent.splice(0), bindingLeft: Object.getOwnPropertyNames(self).filter((n) => n.startsWith('__pushAgentSw_')) });
  } else if (e.data === 'unregister') {
    const gone = await self.registration.unregister();
    e.source.postMessage({ gone, sent: sent.splice(0) });
  }
});`;
  server = http.createServer((req, res) => {
    if (req.url === '/sw.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(sw);
    if (req.url === '/ping') return res.writeHead(200).end('ok');
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>site</title>');
  });
  await new Promise<void>((r) => server.listen(0, 'localhost', r));
  origin = `http://localhost:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: findBrowser(), args: ['--no-sandbox'] });
});
after(async () => {
  await browser?.close();
  server?.close();
});

test(
  "the preload function installs the service-worker script in a real service worker: a push handler's waitUntil(fetch().then(showNotification)) reaches main, and unregister() is reported",
  { timeout: 60_000 },
  async () => {
    const page = await browser.newPage();
    const logs: string[] = [];
    page.context().on('serviceworker', (w) => w.on('console', (m) => logs.push(m.text())));
    page.on('console', (m) => logs.push(m.text()));
    await page.goto(`${origin}/`);
    const answer = await page
      .evaluate(async () => {
        const reg = await navigator.serviceWorker.register('/sw.js');
        const w = reg.installing ?? reg.waiting ?? reg.active;
        if (w && w.state !== 'activated')
          await new Promise((r) => w.addEventListener('statechange', () => w.state === 'activated' && r(null)));
        const ask = (what: string) =>
          new Promise<unknown>((resolve) => {
            navigator.serviceWorker.addEventListener('message', (e) => resolve(e.data), { once: true });
            reg.active!.postMessage(what);
          });
        return { dispatched: await ask('dispatch'), unregistered: await ask('unregister') };
      })
      .catch((err: Error) => {
        throw new Error(`${err.message}\n${logs.join('\n')}`);
      });
    const dispatched = answer.dispatched as {
      result: unknown;
      sent: Array<{ id: number; method: string; args: unknown[] }>;
      bindingLeft: string[];
    };
    assert.deepEqual(dispatched.result, { status: 'ok' });
    assert.deepEqual(
      dispatched.sent.map((m) => [m.method, m.args[0]]),
      [['showNotification', 'from the push']],
    );
    assert.deepEqual(dispatched.bindingLeft, [], 'the channel is no global once installed');
    const unregistered = answer.unregistered as { gone: boolean; sent: Array<{ id: number; method: string }> };
    assert.equal(unregistered.gone, true);
    assert.deepEqual(unregistered.sent, [{ id: 0, method: 'unregistered', args: [] }]);
    await page.close();
  },
);
