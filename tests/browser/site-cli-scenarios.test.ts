// `push-agent site add` on the test sites of the service-worker issue, through the command: the Workbox app shell
// (its navigation route answers every navigation) and the unregister site (`registration.unregister()` ends the push
// subscription), each with and without a running `listen`. Real `push-agent` processes, Debian's Chromium, the local
// push service, web-push as the sender; `listen --json` prints the notifications it shows.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { sendStatus, tempDir, waitFor } from '../support/engine-harness.ts';
import type { Listener } from '../support/cli.ts';
import { parseSiteLines, reports, siteCli, vapid, type SiteLine } from '../support/site-cli-sites.ts';

const BOUNDED = { timeout: 120_000 };

describe('site add on the app shell and the unregister site, with and without listen', () => {
  const ctx = siteCli();
  const { cli, started, siteAdd } = ctx;
  const parseLines = parseSiteLines;
  let port: number;
  before(() => {
    port = ctx.port;
  });

  /** `site add` of the shell at `/`, then of a route only its worker answers: one subscription, found again. */
  async function addShell(dir: string, origin: string): Promise<SiteLine> {
    const r = await siteAdd(dir, `${origin}/?close`);
    assert.equal(r.code, 0, r.stderr);
    const [line, ...more] = parseLines(r.stdout);
    assert.ok(line, r.stderr);
    assert.equal(more.length, 0);
    assert.equal(line!.origin, origin);
    assert.equal(line!.scope, `${origin}/`);
    // The network has no /some/deep/route (404): the shell's navigation route answers it, with the page script,
    // and its subscribe() finds the subscription the origin already has.
    const deep = await siteAdd(dir, `${origin}/some/deep/route?close`);
    assert.equal(deep.code, 0, deep.stderr);
    assert.deepEqual(parseLines(deep.stdout), [line]);
    assert.ok(
      reports.includes(`${new URL(origin).hostname} subscribed=${new URL(origin).host}/some/deep/route`),
      reports.join('\n'),
    );
    return line!;
  }

  async function shellNotification(l: Listener, line: SiteLine, text: string): Promise<void> {
    assert.equal(await sendStatus(line, text, { vapid }), 201);
    await waitFor(
      "the shell's notification",
      () => l.lines.some((x) => x.type === 'notification' && x.body === text),
      60_000,
    );
    const n = l.lines.find((x) => x.type === 'notification' && x.body === text)!;
    assert.equal(n.title, 'shell', "shown by the shell's own worker");
    assert.equal(n.origin, line.origin);
  }

  test(
    'the Workbox app shell, site add without listen: its navigation route answers every navigation; listen then runs its push handler',
    BOUNDED,
    async () => {
      const dir = tempDir();
      const line = await addShell(dir, `http://shell-direct.localhost:${port}`);
      const l = await started(dir);
      await shellNotification(l, line, 'to the shell, added directly');
    },
  );

  test("the Workbox app shell, site add while listen runs: the same, in listen's browser", BOUNDED, async () => {
    const dir = tempDir();
    const l = await started(dir);
    const line = await addShell(dir, `http://shell-listen.localhost:${port}`);
    await shellNotification(l, line, 'to the shell, added through listen');
  });

  /** The unregister site: `registration.unregister()` in a later `site add` window ends the push subscription. */
  async function unregisterEnds(
    dir: string,
    origin: string,
    pushReachesWorker: (line: SiteLine) => Promise<void>,
  ): Promise<void> {
    const r = await siteAdd(dir, `${origin}/?close`);
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
    assert.ok(
      [404, 410].includes(await sendStatus(line!, 'after unregister', { vapid })),
      'the sender is told the subscription is gone',
    );
    assert.equal((await cli(dir, ['site', 'list', '--json'])).stdout, '[]\n');
  }

  const workerShows = (l: Listener, text: string) => async (line: SiteLine) => {
    assert.equal(await sendStatus(line, text, { vapid }), 201);
    await waitFor(
      "the worker's notification",
      () => l.lines.some((x) => x.type === 'notification' && x.title === `worker: ${text}`),
      60_000,
    );
    assert.equal(
      l.lines.find((x) => x.title === `worker: ${text}`)!.body,
      `${line.origin}/`,
      "shown by the site's own worker",
    );
  };

  test(
    'the unregister site without listen: registration.unregister() ends the push subscription; the sender then gets 404/410',
    BOUNDED,
    async () => {
      const dir = tempDir();
      await unregisterEnds(dir, `http://unreg-direct.localhost:${port}`, async (line) => {
        const l = await started(dir);
        await workerShows(l, 'before unregister, direct')(line);
        await l.stop();
      });
    },
  );

  test("the unregister site while listen runs: the same, in listen's browser", BOUNDED, async () => {
    const dir = tempDir();
    const l = await started(dir);
    await unregisterEnds(
      dir,
      `http://unreg-listen.localhost:${port}`,
      workerShows(l, 'before unregister, through listen'),
    );
  });
});
