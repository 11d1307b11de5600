// Proxies for the engine's WebSocket (src/host/proxy.ts): the headless command through a real local CONNECT proxy
// (node:http's 'connect' event, written here) to the real local push service, honouring the proxy environment
// and NO_PROXY, from source and as the Linux package runs it (support/linux-package.ts); and the app's side,
// Electron's PAC answers (session.resolveProxy) parsed into a proxy or direct.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { startPushService, type PushService } from '../../../tools/push-service/service.ts';
import { parsePacAnswer, proxyFromEnv, proxyTargetUrl } from '../../../src/host/proxy.ts';
import { tempDir } from '../../support/engine-harness.ts';
import { connectProxy, type ConnectProxy } from '../../support/connect-proxy.ts';
import { linuxPackageLayout } from '../../support/linux-package.ts';
import { runCli, type CliResult } from '../../support/cli.ts';

/** The command from source, or `bin` (an executable that is the command), with no proxy variable but `env`'s. */
function cli(args: string[], env: Record<string, string>, bin?: string): Promise<CliResult> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/_proxy$/i.test(k)));
  return runCli(args, { env: { ...clean, ...env }, ...(bin ? { bin } : {}) });
}

let service: PushService;
let proxy: ConnectProxy;
before(async () => {
  service = await startPushService({});
  proxy = await connectProxy();
});
after(async () => {
  await proxy?.close();
  await service?.close();
});

test('push-agent subscribe reaches the push service through the proxy in the environment', async () => {
  const { host } = new URL(service.wsUrl);
  const r = await cli(
    ['subscribe', '--label', 'via proxy', '--data-dir', tempDir('proxy-cli-'), '--service', service.wsUrl],
    { HTTP_PROXY: proxy.url },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(JSON.parse(r.stdout).endpoint, /\/wpush\//);
  assert.deepEqual(proxy.tunnels, [host], 'one CONNECT tunnel to the push service');
});

test('NO_PROXY naming the service host goes direct; a dead proxy means no connection, reported', async () => {
  const before = proxy.tunnels.length;
  const ok = await cli(['subscribe', '--data-dir', tempDir('proxy-cli-'), '--service', service.wsUrl], {
    HTTP_PROXY: proxy.url,
    NO_PROXY: '127.0.0.1',
  });
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(proxy.tunnels.length, before);
  const dead = await cli(['subscribe', '--data-dir', tempDir('proxy-cli-'), '--service', service.wsUrl], {
    http_proxy: 'http://127.0.0.1:9',
  });
  assert.equal(dead.code, 1);
  assert.match(dead.stderr, /cannot reach the push service/);
});

test(
  "the Linux package's push-agent resolves the proxy in the environment without a deprecation warning on stderr",
  { timeout: 60_000 },
  async () => {
    // The self-contained bundle has no node_modules around it, so Node 24 warns (DEP0169) about any url.parse()
    // bundled in: a user would see it on every run with a proxy set. Direct (NO_PROXY) and through the proxy.
    const { bin } = await linuxPackageLayout();
    const node = { PUSH_AGENT_NODE: process.execPath };
    const tunnels = proxy.tunnels.length;
    for (const env of [
      { HTTP_PROXY: proxy.url, ...node },
      { HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1', ...node },
    ]) {
      const r = await cli(['subscribe', '--data-dir', tempDir('proxy-deb-'), '--service', service.wsUrl], env, bin);
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /DEP0169|DeprecationWarning/);
    }
    assert.deepEqual(proxy.tunnels.slice(tunnels), [new URL(service.wsUrl).host], 'the first run went through it');
  },
);

test('wss:// uses HTTPS_PROXY or https_proxy, ws:// uses HTTP_PROXY; NO_PROXY matches hosts and domains', () => {
  assert.equal(proxyTargetUrl('wss://push.services.mozilla.com/'), 'https://push.services.mozilla.com/');
  assert.equal(proxyTargetUrl('ws://127.0.0.1:8080/'), 'http://127.0.0.1:8080/');
  const saved = { ...process.env };
  try {
    for (const k of Object.keys(process.env)) if (/_proxy$/i.test(k)) delete process.env[k];
    process.env.HTTPS_PROXY = 'http://corp:3128';
    assert.equal(proxyFromEnv('wss://push.services.mozilla.com/'), 'http://corp:3128');
    assert.equal(proxyFromEnv('ws://127.0.0.1:8080/'), null);
    delete process.env.HTTPS_PROXY;
    process.env.https_proxy = 'http://lower:3128';
    assert.equal(proxyFromEnv('wss://push.services.mozilla.com/'), 'http://lower:3128');
    process.env.NO_PROXY = '.mozilla.com,localhost';
    assert.equal(proxyFromEnv('wss://push.services.mozilla.com/'), null);
    assert.equal(proxyFromEnv('wss://push.example.org/'), 'http://lower:3128');
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
});

test("Electron's PAC answers: the first PROXY/HTTPS entry, DIRECT, and SOCKS reported as unsupported", () => {
  assert.deepEqual(parsePacAnswer('DIRECT'), { kind: 'direct' });
  assert.deepEqual(parsePacAnswer('PROXY corp:3128; DIRECT'), { kind: 'proxy', url: 'http://corp:3128' });
  assert.deepEqual(parsePacAnswer('HTTPS secure.corp:443'), { kind: 'proxy', url: 'https://secure.corp:443' });
  assert.deepEqual(parsePacAnswer('SOCKS5 s:1080; PROXY corp:3128'), { kind: 'proxy', url: 'http://corp:3128' });
  assert.deepEqual(parsePacAnswer('SOCKS5 s:1080'), { kind: 'unsupported', scheme: 'SOCKS5' });
  assert.deepEqual(parsePacAnswer(''), { kind: 'direct' });
});

test(
  'wss:// through the agent: direct, and tunnelled through the CONNECT proxy with TLS end to end',
  { timeout: 30_000 },
  async (t) => {
    const { spawnSync } = await import('node:child_process');
    const fs = await import('node:fs');
    const https = await import('node:https');
    const { WebSocketServer, WebSocket } = await import('ws');
    const { ResolvingProxyAgent } = await import('../../../src/host/proxy.ts');
    const dir = tempDir('tls-');
    const made = spawnSync('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost',
      '-keyout',
      path.join(dir, 'key.pem'),
      '-out',
      path.join(dir, 'cert.pem'),
    ]);
    if (made.status !== 0) return t.skip('SKIPPED: openssl could not make a test certificate');
    const cert = fs.readFileSync(path.join(dir, 'cert.pem'));
    const server = https.createServer({ key: fs.readFileSync(path.join(dir, 'key.pem')), cert });
    const wss = new WebSocketServer({ server });
    wss.on('connection', (ws) => ws.on('message', (m) => ws.send(`echo ${String(m)}`)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `wss://localhost:${(server.address() as net.AddressInfo).port}/`;
    const echo = (agent: InstanceType<typeof ResolvingProxyAgent>) =>
      new Promise<string>((resolve, reject) => {
        const ws = new WebSocket(url, { agent, ca: cert });
        ws.on('open', () => ws.send('hi'));
        ws.on('message', (m) => (resolve(String(m)), ws.close()));
        ws.on('error', reject);
      });
    try {
      const asked: string[] = [];
      assert.equal(await echo(new ResolvingProxyAgent(async (target) => (asked.push(target), null))), 'echo hi');
      assert.deepEqual(
        asked,
        [`https://localhost:${(server.address() as net.AddressInfo).port}/`],
        'asked with the https form of the service',
      );
      const tunnels = proxy.tunnels.length;
      assert.equal(await echo(new ResolvingProxyAgent(async () => proxy.url)), 'echo hi');
      assert.deepEqual(proxy.tunnels.slice(tunnels), [`localhost:${(server.address() as net.AddressInfo).port}`]);
      // A resolver that fails is a direct connection, not none.
      assert.equal(
        await echo(new ResolvingProxyAgent(async () => Promise.reject(new Error('PAC script threw')))),
        'echo hi',
      );
    } finally {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  },
);
