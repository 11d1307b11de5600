// `push-agent site add|list|remove` and `listen` running sites' own service workers, end to end: real `push-agent`
// processes, Debian's Chromium on the agent's profile in the data dir, test sites served on loopback under
// *.localhost names, the local push service, web-push as the sender. Nothing is mocked: `listen --json` prints the
// notifications it shows instead of showing them on a desktop.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import webpush from 'web-push';
import { startPushService, type PushService } from '../../tools/push-service/index.ts';
import { defaultPreferences } from '../../src/shared/preferences.ts';
import { sendStatus, tempDir, waitFor } from '../support/engine-harness.ts';
import { listen, type Listener } from '../support/push-agent-process.ts';
import { runCli, runCliOnTerminal } from '../support/cli.ts';
import { workboxShellPage, workboxShellWorker } from '../support/workbox-shell-site.ts';

const vapid = webpush.generateVAPIDKeys();

const SW = `
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));
self.addEventListener('push', (e) => {
  const text = e.data ? e.data.text() : '';
  e.waitUntil(self.registration.showNotification('worker: ' + text, { body: self.registration.scope }));
});
`;

/**
 * The sites' page script: subscribes at load (`?close` then closes its own window); with `?unregister` it
 * unregisters its origin's service worker instead (which ends its push subscription) and closes.
 */
const PAGE_SCRIPT = `
(async () => {
  if (location.search.includes('unregister')) {
    const reg = await navigator.serviceWorker.getRegistration('/');
    await fetch('/report?unregistered=' + (reg ? await reg.unregister() : 'none'));
    window.close();
    return;
  }
  const reg = await navigator.serviceWorker.register('/sw.js');
  await navigator.serviceWorker.ready;
  await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: ${JSON.stringify(vapid.publicKey)} });
  await fetch('/report?subscribed=' + location.host + location.pathname);
  if (location.search.includes('close')) window.close();
})().catch((e) => fetch('/report?error=' + encodeURIComponent(e.message)));
`;
const APP = `<!doctype html><title>app</title><script>${PAGE_SCRIPT}</script>`;

/** Reports how many service workers its origin has registered, then closes. */
const CHECK = `<!doctype html><title>check</title><script>
navigator.serviceWorker.getRegistrations().then((r) => fetch('/report?registrations=' + r.length)).then(() => window.close());
</script>`;

const reports: string[] = [];

/** The Workbox app shell's worker (tests/support/workbox-shell-site.ts), built once. */
let shellWorker = '';

function startSites(): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    if (url.hostname.startsWith('shell')) {
      // The app shell: the network has only the shell and its worker; every other navigation is the worker's.
      if (url.pathname === '/sw.js') res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' }).end(shellWorker);
      else if (url.pathname === '/' || url.pathname === '/index.html') res.writeHead(200, { 'content-type': 'text/html' }).end(workboxShellPage(PAGE_SCRIPT));
      else if (url.pathname === '/report') {
        reports.push(`${url.hostname} ${decodeURIComponent(url.search.slice(1))}`);
        res.writeHead(204).end();
      } else res.writeHead(404, { 'content-type': 'text/plain' }).end('the network has no such page');
      return;
    }
    if (url.hostname.startsWith('apex.')) {
      res.writeHead(302, { location: `http://www.${url.host}${url.pathname}${url.search}` }).end();
      return;
    }
    if (url.pathname === '/sw.js') res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' }).end(SW);
    else if (url.pathname === '/report') {
      reports.push(`${url.hostname} ${decodeURIComponent(url.search.slice(1))}`);
      res.writeHead(204).end();
    } else if (url.pathname === '/check') res.writeHead(200, { 'content-type': 'text/html' }).end(CHECK);
    else res.writeHead(200, { 'content-type': 'text/html' }).end(APP);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

interface SiteLine {
  id: string;
  endpoint: string;
  expirationTime: null;
  keys: { p256dh: string; auth: string };
  origin: string;
  scope: string;
}

const BOUNDED = { timeout: 120_000 };

describe('push-agent site add, list, remove; listen runs the sites\' workers', () => {
  let service: PushService;
  let sites: http.Server;
  let port: number;
  const listeners: Listener[] = [];
  before(async () => {
    service = await startPushService();
    shellWorker = await workboxShellWorker();
    sites = await startSites();
    port = (sites.address() as AddressInfo).port;
  });
  after(async () => {
    for (const l of listeners) await l.stop();
    await service.close();
    // Keep-alive connections from the browsers would hold the server (and this process) open.
    sites.closeAllConnections();
    sites.close();
  });

  const cli = (dir: string, args: string[], env: NodeJS.ProcessEnv = process.env) => runCli([...args, '--data-dir', dir, '--service', service.wsUrl], { env, timeoutMs: 90_000 });
  async function started(dir: string, env?: NodeJS.ProcessEnv): Promise<Listener> {
    const l = listen(dir, service.wsUrl, env ? { env } : {});
    listeners.push(l);
    await waitFor('listen connected', () => l.lines.some((x) => x.type === 'status' && x.state === 'connected'), 20_000);
    return l;
  }
  const parseLines = (stdout: string) => stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as SiteLine);

  test('site add without listen: the page subscribes at load and closes itself; the JSON line; then listen runs its worker', BOUNDED, async () => {
    const dir = tempDir();
    const origin = `http://app.localhost:${port}`;
    const r = await cli(dir, ['site', 'add', `${origin}/?close`, '--headless', '--allow-notifications', '--close-after', '60']);
    assert.equal(r.code, 0, r.stderr);
    const [line, ...more] = parseLines(r.stdout);
    assert.ok(line, r.stderr);
    assert.equal(more.length, 0);
    assert.deepEqual(Object.keys(line!), ['id', 'endpoint', 'expirationTime', 'keys', 'origin', 'scope']);
    assert.equal(line!.origin, origin);
    assert.equal(line!.scope, `${origin}/`);

    const l = await started(dir);
    assert.equal(await sendStatus(line!, 'hello', { vapid }), 201);
    await waitFor('the worker\'s notification', () => l.lines.some((x) => x.type === 'notification' && x.title === 'worker: hello'), 60_000);
    const n = l.lines.find((x) => x.type === 'notification' && x.title === 'worker: hello')!;
    assert.equal(n.origin, origin);
    assert.equal(n.body, `${origin}/`, 'shown by the site\'s own worker (its registration scope)');
  });

  test('site add while listen runs, through a redirect: the origin is the final one; its message reaches the worker', BOUNDED, async () => {
    const dir = tempDir();
    const l = await started(dir);
    const r = await cli(dir, ['site', 'add', `http://apex.localhost:${port}/`, '--headless', '--allow-notifications', '--close-after', '8']);
    assert.equal(r.code, 0, r.stderr);
    const [line] = parseLines(r.stdout);
    const www = `http://www.apex.localhost:${port}`;
    assert.equal(line!.origin, www);
    assert.equal(await sendStatus(line!, 'via listen', { vapid }), 201);
    await waitFor('the worker\'s notification', () => l.lines.some((x) => x.type === 'notification' && x.title === 'worker: via listen'), 60_000);
    assert.equal(l.lines.find((x) => x.title === 'worker: via listen')!.origin, www);
  });

  test('site list, site remove: unsubscribed at the service (404/410), no service worker left in the profile', BOUNDED, async () => {
    const dir = tempDir();
    const origin = `http://gone.localhost:${port}`;
    const added = await cli(dir, ['site', 'add', `${origin}/?close`, '--headless', '--allow-notifications', '--close-after', '60']);
    assert.equal(added.code, 0, added.stderr);
    const [line] = parseLines(added.stdout);
    assert.ok(line, added.stderr);

    const list = await cli(dir, ['site', 'list', '--json']);
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(JSON.parse(list.stdout), [line]);
    const text = await cli(dir, ['site', 'list']);
    assert.equal(text.stdout, `${origin}  ${origin}/  ${line!.id}\n`);

    const l = await started(dir);
    const removed = await cli(dir, ['site', 'remove', origin]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(removed.stdout, new RegExp(`^removed ${origin}: 1 subscription`));
    assert.ok([404, 410].includes(await sendStatus(line!, 'after remove', { vapid })));
    assert.equal((await cli(dir, ['site', 'list', '--json'])).stdout, '[]\n');
    await l.stop();

    reports.length = 0;
    const check = await cli(dir, ['site', 'add', `${origin}/check`, '--headless', '--close-after', '30']);
    assert.equal(check.code, 0, check.stderr);
    assert.equal(check.stdout, '', 'nothing subscribed');
    assert.match(check.stderr, /nothing subscribed in that window/);
    assert.deepEqual(reports, [`gone.localhost registrations=0`]);
    const again = await cli(dir, ['site', 'remove', origin]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /no site with origin/);
  });

  test('no browser: site add exits 1 with the reason; a page that cannot load exits 1; bad arguments exit 2', BOUNDED, async () => {
    const dir = tempDir();
    const r = await cli(dir, ['site', 'add', `http://app.localhost:${port}/`, '--headless'], { ...process.env, PUSH_AGENT_BROWSER: '/nonexistent' });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /PUSH_AGENT_BROWSER is '\/nonexistent', which is not an executable file/);
    const unreachable = await cli(dir, ['site', 'add', 'http://127.0.0.1:1/', '--headless', '--close-after', '5']);
    assert.equal(unreachable.code, 1, unreachable.stderr);
    assert.match(unreachable.stderr, /cannot load http:\/\/127\.0\.0\.1:1\/: net::ERR_/);
    for (const args of [['site', 'add', 'ftp://x/'], ['site', 'add'], ['site', 'add', 'http://a/', '--close-after', '0'], ['site', 'remove'], ['site', 'frob'], ['site', 'list', '--headless']]) {
      const bad = await cli(dir, args);
      assert.equal(bad.code, 2, `${args.join(' ')}: ${bad.stderr}`);
    }
  });

  test('listen with no usable browser: the message stays in the journal, a generic notification says what is missing; delivered once a browser is there', BOUNDED, async () => {
    const dir = tempDir();
    const origin = `http://kept.localhost:${port}`;
    const added = await cli(dir, ['site', 'add', `${origin}/?close`, '--headless', '--allow-notifications', '--close-after', '60']);
    assert.equal(added.code, 0, added.stderr);
    const [line] = parseLines(added.stdout);

    // The browser this listen is told to use does not exist yet; it appears later (a package being installed).
    const browserPath = path.join(dir, 'chromium');
    const env = { ...process.env, PUSH_AGENT_BROWSER: browserPath };
    const l = await started(dir, env);
    assert.equal(await sendStatus(line!, 'kept', { vapid }), 201);
    await waitFor('the generic notification', () => l.lines.some((x) => x.type === 'notification' && x.title === `kept.localhost:${port} sent a message`), 30_000);
    const generic = l.lines.find((x) => x.type === 'notification' && x.title === `kept.localhost:${port} sent a message`)!;
    assert.match(String(generic.body), /no browser to run the site's service worker: PUSH_AGENT_BROWSER is '.*chromium', which is not an executable file/);
    const status = await cli(dir, ['status', '--json']);
    assert.equal((JSON.parse(status.stdout) as { pendingMessages: number }).pendingMessages, 1, 'kept in the journal');
    assert.ok(!l.lines.some((x) => x.title === 'worker: kept'));

    fs.symlinkSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', browserPath);
    await waitFor('the worker\'s notification', () => l.lines.some((x) => x.type === 'notification' && x.title === 'worker: kept'), 60_000);
    assert.equal(l.lines.filter((x) => x.type === 'notification' && x.title === 'worker: kept').length, 1);
    for (let i = 0; ; i++) {
      const pending = (JSON.parse((await cli(dir, ['status', '--json'])).stdout) as { pendingMessages: number }).pendingMessages;
      if (pending === 0) break;
      assert.ok(i < 20, 'the journal empties once the message is delivered');
      await new Promise((r) => setTimeout(r, 250));
    }
  });

  test('listen starts the browser when a push needs a worker and stops it after the keep-alive time with no worker needed', BOUNDED, async () => {
    const dir = tempDir();
    const origin = `http://idle.localhost:${port}`;
    const added = await cli(dir, ['site', 'add', `${origin}/?close`, '--headless', '--allow-notifications', '--close-after', '60']);
    assert.equal(added.code, 0, added.stderr);
    const [line] = parseLines(added.stdout);
    assert.ok(line, added.stderr);
    // A 1 s keep-alive (the preference the settings window sets; per power state, all 1 s here).
    const statePath = path.join(dir, 'state.json');
    const state = JSON.parse(fs.readFileSync(statePath, 'utf8')) as Record<string, unknown>;
    const prefs = defaultPreferences(service.wsUrl);
    prefs.policy.workerKeepAliveSeconds = { ac: 1, battery: 1, low: 1 };
    fs.writeFileSync(statePath, JSON.stringify({ ...state, preferences: prefs }));

    const l = listen(dir, service.wsUrl, { extra: ['--verbose'] });
    listeners.push(l);
    await waitFor('listen connected', () => l.lines.some((x) => x.type === 'status' && x.state === 'connected'), 20_000);
    const log = () => l.stderr().split('\n').filter((x) => x.startsWith('{')).map((x) => JSON.parse(x) as { msg: string });
    const count = (msg: string) => log().filter((x) => x.msg === msg).length;
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(count('browser started'), 0, 'not started before a push needs it');

    for (const round of [1, 2]) {
      assert.equal(await sendStatus(line!, `round ${round}`, { vapid }), 201);
      await waitFor(`the worker's notification ${round}`, () => l.lines.some((x) => x.type === 'notification' && x.title === `worker: round ${round}`), 60_000);
      assert.equal(count('browser started'), round);
      await waitFor(`the browser stopped ${round}`, () => count('browser stopped') === round, 20_000);
    }
  });

  test('a visible site add window while listen runs headless: listen relaunches its browser headed on the same profile, then headless again', BOUNDED, async (t) => {
    if (!fs.existsSync('/usr/bin/Xvfb')) {
      console.log('SKIPPED: no X server for a visible window (sudo apt-get install xvfb)');
      return t.skip('no Xvfb');
    }
    const display = `:${90 + (process.pid % 9)}`;
    const xvfb = spawn('/usr/bin/Xvfb', [display, '-screen', '0', '1024x768x24', '-nolisten', 'tcp'], { stdio: 'ignore' });
    t.after(() => xvfb.kill());
    await new Promise((r) => setTimeout(r, 500));
    const env = { ...process.env, DISPLAY: display };

    const dir = tempDir();
    const first = `http://first.localhost:${port}`;
    const added = await cli(dir, ['site', 'add', `${first}/?close`, '--headless', '--allow-notifications', '--close-after', '60']);
    const [firstLine] = parseLines(added.stdout);
    assert.ok(firstLine, added.stderr);
    const l = listen(dir, service.wsUrl, { extra: ['--verbose'], env });
    listeners.push(l);
    await waitFor('listen connected', () => l.lines.some((x) => x.type === 'status' && x.state === 'connected'), 20_000);
    const log = () => l.stderr().split('\n').filter((x) => x.startsWith('{')).map((x) => JSON.parse(x) as { msg: string; headed?: boolean });
    // A push starts the headless browser.
    assert.equal(await sendStatus(firstLine!, 'before', { vapid }), 201);
    await waitFor('the first worker notification', () => l.lines.some((x) => x.title === 'worker: before'), 60_000);
    assert.deepEqual(log().filter((x) => x.msg === 'browser started').map((x) => x.headed), [false]);

    const origin = `http://visible.localhost:${port}`;
    const r = await cli(dir, ['site', 'add', `${origin}/?close`, '--allow-notifications', '--close-after', '60'], env);
    assert.equal(r.code, 0, r.stderr);
    const [line] = parseLines(r.stdout);
    assert.ok(line, r.stderr);
    assert.equal(line!.origin, origin);
    assert.deepEqual(log().filter((x) => x.msg === 'browser started').map((x) => x.headed), [false, true], 'relaunched headed for the window');

    // The window's worker registered in the profile listen runs: the next push starts the headless browser again.
    assert.equal(await sendStatus(line!, 'after', { vapid }), 201);
    await waitFor('the worker notification after', () => l.lines.some((x) => x.title === 'worker: after'), 60_000);
    assert.deepEqual(log().filter((x) => x.msg === 'browser started').map((x) => x.headed), [false, true, false]);
  });

  // ---- the test sites of the service-worker issue, through the command: the app shell and unregister ----

  /** `site add` of the shell at `/`, then of a route only its worker answers: one subscription, found again. */
  async function addShell(dir: string, origin: string): Promise<SiteLine> {
    const r = await cli(dir, ['site', 'add', `${origin}/?close`, '--headless', '--allow-notifications', '--close-after', '60']);
    assert.equal(r.code, 0, r.stderr);
    const [line, ...more] = parseLines(r.stdout);
    assert.ok(line, r.stderr);
    assert.equal(more.length, 0);
    assert.equal(line!.origin, origin);
    assert.equal(line!.scope, `${origin}/`);
    // The network has no /some/deep/route (404): the shell's navigation route answers it, with the page script,
    // and its subscribe() finds the subscription the origin already has.
    const deep = await cli(dir, ['site', 'add', `${origin}/some/deep/route?close`, '--headless', '--allow-notifications', '--close-after', '60']);
    assert.equal(deep.code, 0, deep.stderr);
    assert.deepEqual(parseLines(deep.stdout), [line]);
    assert.ok(reports.includes(`${new URL(origin).hostname} subscribed=${new URL(origin).host}/some/deep/route`), reports.join('\n'));
    return line!;
  }

  async function shellNotification(l: Listener, line: SiteLine, text: string): Promise<void> {
    assert.equal(await sendStatus(line, text, { vapid }), 201);
    await waitFor('the shell\'s notification', () => l.lines.some((x) => x.type === 'notification' && x.body === text), 60_000);
    const n = l.lines.find((x) => x.type === 'notification' && x.body === text)!;
    assert.equal(n.title, 'shell', 'shown by the shell\'s own worker');
    assert.equal(n.origin, line.origin);
  }

  test('the Workbox app shell, site add without listen: its navigation route answers every navigation; listen then runs its push handler', BOUNDED, async () => {
    const dir = tempDir();
    const line = await addShell(dir, `http://shell-direct.localhost:${port}`);
    const l = await started(dir);
    await shellNotification(l, line, 'to the shell, added directly');
  });

  test('the Workbox app shell, site add while listen runs: the same, in listen\'s browser', BOUNDED, async () => {
    const dir = tempDir();
    const l = await started(dir);
    const line = await addShell(dir, `http://shell-listen.localhost:${port}`);
    await shellNotification(l, line, 'to the shell, added through listen');
  });

  /** The unregister site: `registration.unregister()` in a later `site add` window ends the push subscription. */
  async function unregisterEnds(dir: string, origin: string, pushReachesWorker: (line: SiteLine) => Promise<void>): Promise<void> {
    const r = await cli(dir, ['site', 'add', `${origin}/?close`, '--headless', '--allow-notifications', '--close-after', '60']);
    assert.equal(r.code, 0, r.stderr);
    const [line] = parseLines(r.stdout);
    assert.ok(line, r.stderr);
    await pushReachesWorker(line!);

    reports.length = 0;
    const u = await cli(dir, ['site', 'add', `${origin}/?unregister`, '--headless', '--close-after', '60']);
    assert.equal(u.code, 0, u.stderr);
    assert.deepEqual(reports, [`${new URL(origin).hostname} unregistered=true`]);
    assert.equal(u.stdout, '', 'no subscription left for the origin');
    assert.match(u.stderr, /nothing subscribed in that window/);
    assert.ok([404, 410].includes(await sendStatus(line!, 'after unregister', { vapid })), 'the sender is told the subscription is gone');
    assert.equal((await cli(dir, ['site', 'list', '--json'])).stdout, '[]\n');
  }

  const workerShows = (l: Listener, text: string) => async (line: SiteLine) => {
    assert.equal(await sendStatus(line, text, { vapid }), 201);
    await waitFor('the worker\'s notification', () => l.lines.some((x) => x.type === 'notification' && x.title === `worker: ${text}`), 60_000);
    assert.equal(l.lines.find((x) => x.title === `worker: ${text}`)!.body, `${line.origin}/`, 'shown by the site\'s own worker');
  };

  test('the unregister site without listen: registration.unregister() ends the push subscription; the sender then gets 404/410', BOUNDED, async () => {
    const dir = tempDir();
    await unregisterEnds(dir, `http://unreg-direct.localhost:${port}`, async (line) => {
      const l = await started(dir);
      await workerShows(l, 'before unregister, direct')(line);
      await l.stop();
    });
  });

  test('the unregister site while listen runs: the same, in listen\'s browser', BOUNDED, async () => {
    const dir = tempDir();
    const l = await started(dir);
    await unregisterEnds(dir, `http://unreg-listen.localhost:${port}`, workerShows(l, 'before unregister, through listen'));
  });

  // ---- the agent's own prompt: on the terminal of `site add`, whether or not listen hosts the window ----

  const PROMPT = (origin: string) => `Allow notifications from ${origin}? [y/N] `;
  const NO_TERMINAL = (origin: string) => `push-agent: ${origin} asked to show notifications: denied (no terminal to ask; use --allow-notifications)`;

  /** Without a terminal: denied, not remembered; then on a terminal: asked, and `answer` decides. */
  async function promptScenario(dir: string, origin: string): Promise<SiteLine> {
    const quiet = await cli(dir, ['site', 'add', `${origin}/?close`, '--headless', '--close-after', '8']);
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.equal(quiet.stdout, '');
    assert.ok(quiet.stderr.includes(NO_TERMINAL(origin)), quiet.stderr);

    const no = await runCliOnTerminal(['site', 'add', `${origin}/?close`, '--headless', '--close-after', '8', '--data-dir', dir, '--service', service.wsUrl], { answer: 'n', timeoutMs: 90_000 });
    assert.equal(no.code, 0, no.output);
    assert.ok(no.output.includes(PROMPT(origin)), `asked again: the denial without a terminal was not remembered\n${no.output}`);
    assert.match(no.output, /nothing subscribed in that window/);

    // "n" on a terminal is the user's answer: remembered, as in the app. Another origin gets its own question.
    const other = origin.replace('://', '://yes-');
    const yes = await runCliOnTerminal(['site', 'add', `${other}/?close`, '--headless', '--close-after', '60', '--data-dir', dir, '--service', service.wsUrl], { answer: 'y', timeoutMs: 90_000 });
    assert.equal(yes.code, 0, yes.output);
    assert.ok(yes.output.includes(PROMPT(other)), yes.output);
    const lines = yes.output.split(/\r?\n/).filter((x) => x.startsWith('{')).map((x) => JSON.parse(x) as SiteLine);
    assert.equal(lines.length, 1, yes.output);
    assert.equal(lines[0]!.origin, other);
    return lines[0]!;
  }

  test('site add without listen asks on its terminal: "y" subscribes, "n" denies; no terminal denies without remembering', BOUNDED, async (t) => {
    if (!fs.existsSync('/usr/bin/script')) {
      console.log('SKIPPED: no script(1) to give the command a terminal (sudo apt-get install bsdutils)');
      return t.skip('no script(1)');
    }
    const dir = tempDir();
    const line = await promptScenario(dir, `http://ask-direct.localhost:${port}`);
    const l = await started(dir);
    await workerShows(l, 'allowed on the terminal')(line);
  });

  test('site add while listen runs: listen relays the site\'s permission request to the command\'s terminal', BOUNDED, async (t) => {
    if (!fs.existsSync('/usr/bin/script')) {
      console.log('SKIPPED: no script(1) to give the command a terminal (sudo apt-get install bsdutils)');
      return t.skip('no script(1)');
    }
    const dir = tempDir();
    const l = await started(dir);
    const line = await promptScenario(dir, `http://ask-listen.localhost:${port}`);
    await workerShows(l, 'allowed through listen')(line);
  });

  test('--browser on site commands while listen runs: a one-line warning that listen\'s browser is used', BOUNDED, async () => {
    const dir = tempDir();
    await started(dir);
    const warning = 'push-agent: --browser is ignored: the running listen uses its own browser\n';
    const origin = `http://flag.localhost:${port}`;
    const added = await cli(dir, ['site', 'add', `${origin}/?close`, '--headless', '--allow-notifications', '--close-after', '60', '--browser', '/nonexistent/chromium']);
    assert.equal(added.code, 0, added.stderr);
    assert.equal(parseLines(added.stdout)[0]!.origin, origin);
    assert.equal(added.stderr, warning);
    const removed = await cli(dir, ['site', 'remove', origin, '--browser', '/nonexistent/chromium']);
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(removed.stdout, /^removed /);
    assert.equal(removed.stderr, warning);
  });
});
