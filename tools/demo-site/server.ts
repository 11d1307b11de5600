// A small demo site for `npm run dev`, served on loopback (a secure context, so the Push API is available): a page
// that subscribes through PushManager and a worker that shows what arrives, and a "Send me a push" button that
// makes this server send one with web-push, as any real site's backend would. Development only.

import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import webpush, { type PushSubscription } from 'web-push';

const here = path.dirname(fileURLToPath(import.meta.url));
const MAX_BODY = 16 * 1024;

export interface DemoSite {
  url: string;
  /** Subscriptions the page has sent us (tests, logs). */
  subscriptions(): number;
  close(): Promise<void>;
}

const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Push Agent demo site</title>
<meta name="viewport" content="width=device-width">
<link rel="stylesheet" href="/style.css"></head>
<body>
<h1>Push Agent demo site</h1>
<p>1. Enable notifications (Push Agent asks you first). 2. Send yourself a push. 3. Close this window: it still arrives.</p>
<p><button id="enable">Enable notifications</button> <button id="send" disabled>Send me a push</button></p>
<p id="status" role="status">Not subscribed.</p>
<script src="/app.js"></script>
</body></html>`;

const STYLE =
  'body{font:16px system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}button{font:inherit;padding:.5rem 1rem}';

function appScript(publicKey: string): string {
  return `const status = document.getElementById('status');
const send = document.getElementById('send');
const say = (t) => { status.textContent = t; };
async function subscription() {
  const reg = await navigator.serviceWorker.register('/sw.js');
  await navigator.serviceWorker.ready;
  return (await reg.pushManager.getSubscription()) ??
    reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: ${JSON.stringify(publicKey)} });
}
document.getElementById('enable').addEventListener('click', async () => {
  try {
    const sub = await subscription();
    const r = await fetch('/subscribe', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sub) });
    if (!r.ok) throw new Error('the demo server refused the subscription');
    send.disabled = false;
    say('Subscribed. Now send yourself a push.');
  } catch (err) { say('Could not subscribe: ' + err.message); }
});
send.addEventListener('click', async () => {
  const r = await fetch('/send', { method: 'POST' });
  say(r.ok ? 'Sent. Watch for the notification.' : 'Sending failed: ' + (await r.text()));
});`;
}

const WORKER = `self.addEventListener('push', (event) => {
  let data = {};
  try { data = event.data ? event.data.json() : {}; } catch { data = { body: event.data ? event.data.text() : '' }; }
  event.waitUntil(self.registration.showNotification(data.title || 'Demo site', {
    body: data.body || '', icon: '/icon.png', tag: 'demo', data: { url: data.url || self.registration.scope },
  }));
});
self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil(self.clients.openWindow(event.notification.data.url));
});`;

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** web-push encrypts and signs; we carry the request ourselves, since its transport speaks https only and the local
 * push service is http. */
async function sendPush(
  sub: PushSubscription,
  payload: string,
  vapid: { publicKey: string; privateKey: string },
): Promise<void> {
  const details = webpush.generateRequestDetails(sub, payload, {
    TTL: 60,
    vapidDetails: { subject: 'mailto:demo@localhost', ...vapid },
  });
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(details.headers)) headers[k] = String(v);
  const res = await fetch(details.endpoint, {
    method: details.method,
    headers,
    ...(details.body ? { body: new Uint8Array(details.body as Buffer) } : {}),
  });
  await res.arrayBuffer();
  if (res.status >= 400)
    throw Object.assign(new Error(`push service answered ${res.status}`), { statusCode: res.status });
}

function isSubscription(v: unknown): v is PushSubscription {
  const s = v as { endpoint?: unknown; keys?: { p256dh?: unknown; auth?: unknown } } | null;
  return (
    typeof s?.endpoint === 'string' &&
    /^https?:\/\//.test(s.endpoint) &&
    typeof s.keys?.p256dh === 'string' &&
    typeof s.keys?.auth === 'string'
  );
}

export async function startDemoSite(opts: { port?: number; host?: string } = {}): Promise<DemoSite> {
  const vapid = webpush.generateVAPIDKeys();
  const subs = new Map<string, PushSubscription>();
  let sent = 0;
  const icon = fs.readFileSync(path.join(here, '../../build/icons/128x128.png'));
  const files: Record<string, [string, string | Buffer]> = {
    '/': ['text/html; charset=utf-8', PAGE],
    '/style.css': ['text/css', STYLE],
    '/app.js': ['text/javascript', appScript(vapid.publicKey)],
    '/sw.js': ['text/javascript', WORKER],
    '/icon.png': ['image/png', icon],
  };
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://demo');
    try {
      if (req.method === 'POST' && url.pathname === '/subscribe') {
        const sub: unknown = JSON.parse(await readBody(req));
        if (!isSubscription(sub)) return void res.writeHead(400).end('not a subscription');
        subs.set(sub.endpoint, sub);
        return void res.writeHead(204).end();
      }
      if (req.method === 'POST' && url.pathname === '/send') {
        if (subs.size === 0) return void res.writeHead(409).end('nobody is subscribed yet');
        sent++;
        const payload = JSON.stringify({
          title: 'Hello from the demo site',
          body: `Push number ${sent}, sent with web-push.`,
          url: `http://${req.headers.host}/`,
        });
        const results = await Promise.allSettled([...subs.values()].map((s) => sendPush(s, payload, vapid)));
        [...subs.keys()].forEach((endpoint, i) => {
          const r = results[i]!;
          if (r.status === 'rejected' && [404, 410].includes((r.reason as { statusCode?: number }).statusCode ?? 0))
            subs.delete(endpoint);
        });
        for (const r of results)
          if (r.status === 'rejected') console.error(`demo site: push not sent: ${(r.reason as Error).message}`);
        const ok = results.filter((r) => r.status === 'fulfilled').length;
        return void res.writeHead(ok ? 200 : 502).end(ok ? `sent to ${ok}` : 'the push service refused');
      }
      const file = req.method === 'GET' ? files[url.pathname] : undefined;
      if (!file) return void res.writeHead(404).end('not found');
      res.writeHead(200, { 'content-type': file[0], 'cache-control': 'no-store' }).end(file[1]);
    } catch {
      if (!res.headersSent) res.writeHead(400).end('bad request');
    }
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    subscriptions: () => subs.size,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
