// `push-agent site add|list|remove` and `listen` running sites' own service workers, end to end: real `push-agent`
// processes, Debian's Chromium on the agent's profile in the data dir, test sites served on loopback under
// *.localhost names, the local push service, web-push as the sender. Nothing is mocked: `listen --json` prints the
// notifications it shows instead of showing them on a desktop.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { before, describe, test } from 'node:test';
import { defaultPreferences } from '../../src/shared/preferences.ts';
import { sendStatus, tempDir, waitFor } from '../support/engine-harness.ts';
import { listen } from '../support/push-agent-process.ts';
import { parseSiteLines, reports, siteCli, vapid } from '../support/site-cli-sites.ts';

const BOUNDED = { timeout: 120_000 };

describe("push-agent site add, list, remove; listen runs the sites' workers", () => {
  const ctx = siteCli();
  const { cli, started, siteAdd } = ctx;
  const parseLines = parseSiteLines;
  let port: number;
  before(() => {
    port = ctx.port;
  });

  test(
    'site add without listen: the page subscribes at load and closes itself; the JSON line; then listen runs its worker',
    BOUNDED,
    async () => {
      const dir = tempDir();
      const origin = `http://app.localhost:${port}`;
      const r = await siteAdd(dir, `${origin}/?close`);
      assert.equal(r.code, 0, r.stderr);
      const [line, ...more] = parseLines(r.stdout);
      assert.ok(line, r.stderr);
      assert.equal(more.length, 0);
      assert.deepEqual(Object.keys(line!), ['id', 'endpoint', 'expirationTime', 'keys', 'origin', 'scope']);
      assert.equal(line!.origin, origin);
      assert.equal(line!.scope, `${origin}/`);

      const l = await started(dir);
      assert.equal(await sendStatus(line!, 'hello', { vapid }), 201);
      await waitFor(
        "the worker's notification",
        () => l.lines.some((x) => x.type === 'notification' && x.title === 'worker: hello'),
        60_000,
      );
      const n = l.lines.find((x) => x.type === 'notification' && x.title === 'worker: hello')!;
      assert.equal(n.origin, origin);
      assert.equal(n.body, `${origin}/`, "shown by the site's own worker (its registration scope)");
    },
  );

  test(
    'site add while listen runs, through a redirect: the origin is the final one; its message reaches the worker',
    BOUNDED,
    async () => {
      const dir = tempDir();
      const l = await started(dir);
      const r = await cli(dir, [
        'site',
        'add',
        `http://apex.localhost:${port}/`,
        '--headless',
        '--allow-notifications',
        '--close-after',
        '8',
      ]);
      assert.equal(r.code, 0, r.stderr);
      const [line] = parseLines(r.stdout);
      const www = `http://www.apex.localhost:${port}`;
      assert.equal(line!.origin, www);
      assert.equal(await sendStatus(line!, 'via listen', { vapid }), 201);
      await waitFor(
        "the worker's notification",
        () => l.lines.some((x) => x.type === 'notification' && x.title === 'worker: via listen'),
        60_000,
      );
      assert.equal(l.lines.find((x) => x.title === 'worker: via listen')!.origin, www);
    },
  );

  test(
    "site add while listen runs, a page that messages its worker: listen shows the worker's notification outside a push event (the permission site add granted)",
    BOUNDED,
    async () => {
      const dir = tempDir();
      const l = await started(dir);
      const origin = `http://messaging.localhost:${port}`;
      const r = await cli(dir, [
        'site',
        'add',
        `${origin}/?message&close`,
        '--headless',
        '--allow-notifications',
        '--close-after',
        '30',
      ]);
      assert.equal(r.code, 0, r.stderr);
      await waitFor(
        "the worker's notification",
        () => l.lines.some((x) => x.type === 'notification' && x.title === 'message: hello'),
        60_000,
      );
      assert.equal(l.lines.find((x) => x.type === 'notification' && x.title === 'message: hello')!.origin, origin);
      await waitFor("the page's report", () => reports.includes(`messaging.localhost message=shown`), 20_000);
    },
  );

  test(
    'site list, site remove: unsubscribed at the service (404/410), no service worker left in the profile',
    BOUNDED,
    async () => {
      const dir = tempDir();
      const origin = `http://gone.localhost:${port}`;
      const added = await siteAdd(dir, `${origin}/?close`);
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
    },
  );

  test(
    'no browser: site add exits 1 with the reason; a page that cannot load exits 1; bad arguments exit 2',
    BOUNDED,
    async () => {
      const dir = tempDir();
      const r = await cli(dir, ['site', 'add', `http://app.localhost:${port}/`, '--headless'], {
        ...process.env,
        PUSH_AGENT_BROWSER: '/nonexistent',
      });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /PUSH_AGENT_BROWSER is '\/nonexistent', which is not an executable file/);
      const unreachable = await cli(dir, ['site', 'add', 'http://127.0.0.1:1/', '--headless', '--close-after', '5']);
      assert.equal(unreachable.code, 1, unreachable.stderr);
      assert.match(unreachable.stderr, /cannot load http:\/\/127\.0\.0\.1:1\/: net::ERR_/);
      for (const args of [
        ['site', 'add', 'ftp://x/'],
        ['site', 'add'],
        ['site', 'add', 'http://a/', '--close-after', '0'],
        ['site', 'remove'],
        ['site', 'frob'],
        ['site', 'list', '--headless'],
      ]) {
        const bad = await cli(dir, args);
        assert.equal(bad.code, 2, `${args.join(' ')}: ${bad.stderr}`);
      }
    },
  );

  test(
    'listen with no usable browser: the message stays in the journal, a generic notification says what is missing; delivered once a browser is there',
    BOUNDED,
    async () => {
      const dir = tempDir();
      const origin = `http://kept.localhost:${port}`;
      const added = await siteAdd(dir, `${origin}/?close`);
      assert.equal(added.code, 0, added.stderr);
      const [line] = parseLines(added.stdout);

      // The browser this listen is told to use does not exist yet; it appears later (a package being installed).
      const browserPath = path.join(dir, 'chromium');
      const env = { ...process.env, PUSH_AGENT_BROWSER: browserPath };
      const l = await started(dir, env);
      assert.equal(await sendStatus(line!, 'kept', { vapid }), 201);
      await waitFor(
        'the generic notification',
        () => l.lines.some((x) => x.type === 'notification' && x.title === `kept.localhost:${port} sent a message`),
        30_000,
      );
      const generic = l.lines.find(
        (x) => x.type === 'notification' && x.title === `kept.localhost:${port} sent a message`,
      )!;
      assert.match(
        String(generic.body),
        /no browser to run the site's service worker: PUSH_AGENT_BROWSER is '.*chromium', which is not an executable file/,
      );
      const status = await cli(dir, ['status', '--json']);
      assert.equal(
        (JSON.parse(status.stdout) as { pendingMessages: number }).pendingMessages,
        1,
        'kept in the journal',
      );
      assert.ok(!l.lines.some((x) => x.title === 'worker: kept'));

      fs.symlinkSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', browserPath);
      await waitFor(
        "the worker's notification",
        () => l.lines.some((x) => x.type === 'notification' && x.title === 'worker: kept'),
        60_000,
      );
      assert.equal(l.lines.filter((x) => x.type === 'notification' && x.title === 'worker: kept').length, 1);
      for (let i = 0; ; i++) {
        const pending = (JSON.parse((await cli(dir, ['status', '--json'])).stdout) as { pendingMessages: number })
          .pendingMessages;
        if (pending === 0) break;
        assert.ok(i < 20, 'the journal empties once the message is delivered');
        await new Promise((r) => setTimeout(r, 250));
      }
    },
  );

  test(
    'listen starts the browser when a push needs a worker and stops it after the keep-alive time with no worker needed',
    BOUNDED,
    async () => {
      const dir = tempDir();
      const origin = `http://idle.localhost:${port}`;
      const added = await siteAdd(dir, `${origin}/?close`);
      assert.equal(added.code, 0, added.stderr);
      const [line] = parseLines(added.stdout);
      assert.ok(line, added.stderr);
      // A 1 s keep-alive (the preference the settings window sets; per power state, all 1 s here).
      const statePath = path.join(dir, 'state.json');
      const state = JSON.parse(fs.readFileSync(statePath, 'utf8')) as Record<string, unknown>;
      const prefs = defaultPreferences(ctx.service.wsUrl);
      prefs.policy.workerKeepAliveSeconds = { ac: 1, battery: 1, low: 1 };
      fs.writeFileSync(statePath, JSON.stringify({ ...state, preferences: prefs }));

      const l = ctx.track(listen(dir, ctx.service.wsUrl, { extra: ['--verbose'] }));
      await waitFor(
        'listen connected',
        () => l.lines.some((x) => x.type === 'status' && x.state === 'connected'),
        20_000,
      );
      const log = () =>
        l
          .stderr()
          .split('\n')
          .filter((x) => x.startsWith('{'))
          .map((x) => JSON.parse(x) as { msg: string });
      const count = (msg: string) => log().filter((x) => x.msg === msg).length;
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(count('browser started'), 0, 'not started before a push needs it');

      for (const round of [1, 2]) {
        assert.equal(await sendStatus(line!, `round ${round}`, { vapid }), 201);
        await waitFor(
          `the worker's notification ${round}`,
          () => l.lines.some((x) => x.type === 'notification' && x.title === `worker: round ${round}`),
          60_000,
        );
        assert.equal(count('browser started'), round);
        await waitFor(`the browser stopped ${round}`, () => count('browser stopped') === round, 20_000);
      }
    },
  );

  test(
    'a visible site add window while listen runs headless: listen relaunches its browser headed on the same profile, then headless again',
    BOUNDED,
    async (t) => {
      if (!fs.existsSync('/usr/bin/Xvfb')) {
        console.log('SKIPPED: no X server for a visible window (sudo apt-get install xvfb)');
        return t.skip('no Xvfb');
      }
      const display = `:${90 + (process.pid % 9)}`;
      const xvfb = spawn('/usr/bin/Xvfb', [display, '-screen', '0', '1024x768x24', '-nolisten', 'tcp'], {
        stdio: 'ignore',
      });
      t.after(() => xvfb.kill());
      await new Promise((r) => setTimeout(r, 500));
      const env = { ...process.env, DISPLAY: display };

      const dir = tempDir();
      const first = `http://first.localhost:${port}`;
      const added = await siteAdd(dir, `${first}/?close`);
      const [firstLine] = parseLines(added.stdout);
      assert.ok(firstLine, added.stderr);
      const l = ctx.track(listen(dir, ctx.service.wsUrl, { extra: ['--verbose'], env }));
      await waitFor(
        'listen connected',
        () => l.lines.some((x) => x.type === 'status' && x.state === 'connected'),
        20_000,
      );
      const log = () =>
        l
          .stderr()
          .split('\n')
          .filter((x) => x.startsWith('{'))
          .map((x) => JSON.parse(x) as { msg: string; headed?: boolean });
      // A push starts the headless browser.
      assert.equal(await sendStatus(firstLine!, 'before', { vapid }), 201);
      await waitFor('the first worker notification', () => l.lines.some((x) => x.title === 'worker: before'), 60_000);
      assert.deepEqual(
        log()
          .filter((x) => x.msg === 'browser started')
          .map((x) => x.headed),
        [false],
      );

      const origin = `http://visible.localhost:${port}`;
      const r = await cli(
        dir,
        ['site', 'add', `${origin}/?close`, '--allow-notifications', '--close-after', '60'],
        env,
      );
      assert.equal(r.code, 0, r.stderr);
      const [line] = parseLines(r.stdout);
      assert.ok(line, r.stderr);
      assert.equal(line!.origin, origin);
      assert.deepEqual(
        log()
          .filter((x) => x.msg === 'browser started')
          .map((x) => x.headed),
        [false, true],
        'relaunched headed for the window',
      );

      // The window's worker registered in the profile listen runs: the next push starts the headless browser again.
      assert.equal(await sendStatus(line!, 'after', { vapid }), 201);
      await waitFor('the worker notification after', () => l.lines.some((x) => x.title === 'worker: after'), 60_000);
      assert.deepEqual(
        log()
          .filter((x) => x.msg === 'browser started')
          .map((x) => x.headed),
        [false, true, false],
      );
    },
  );
});
