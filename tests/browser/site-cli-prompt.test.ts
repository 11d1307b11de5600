// The agent's own notification prompt for `push-agent site add`: on the command's terminal (a pseudo-terminal made by
// util-linux `script`), whether the window is the command's own or a running `listen` hosts it and relays the
// question over its control socket; and `--browser` while `listen` runs. Real `push-agent` processes, Debian's
// Chromium, the local push service, web-push as the sender.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { before, describe, test } from 'node:test';
import { sendStatus, tempDir, waitFor } from '../support/engine-harness.ts';
import { runCliOnTerminal, type Listener } from '../support/cli.ts';
import { parseSiteLines, siteCli, vapid, type SiteLine } from '../support/site-cli-sites.ts';

const BOUNDED = { timeout: 120_000 };

describe('site add asks its user, with and without listen', () => {
  const ctx = siteCli();
  const { cli, started } = ctx;
  const parseLines = parseSiteLines;
  let port: number;
  before(() => {
    port = ctx.port;
  });

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

  const PROMPT = (origin: string) => `Allow notifications from ${origin}? [y/N] `;
  const NO_TERMINAL = (origin: string) =>
    `push-agent: ${origin} asked to show notifications: denied (no terminal to ask; use --allow-notifications)`;

  /**
   * Without a terminal: denied, not remembered; then on a terminal the same origin is asked again and "n" denies;
   * another origin asked on a terminal gets "y" and subscribes (its line is returned).
   */
  async function promptScenario(dir: string, origin: string): Promise<SiteLine> {
    const quiet = await cli(dir, ['site', 'add', `${origin}/?close`, '--headless', '--close-after', '8']);
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.equal(quiet.stdout, '');
    assert.ok(quiet.stderr.includes(NO_TERMINAL(origin)), quiet.stderr);

    const no = await runCliOnTerminal(
      [
        'site',
        'add',
        `${origin}/?close`,
        '--headless',
        '--close-after',
        '8',
        '--data-dir',
        dir,
        '--service',
        ctx.service.wsUrl,
      ],
      { answer: 'n', timeoutMs: 90_000 },
    );
    assert.equal(no.code, 0, no.output);
    assert.ok(
      no.output.includes(PROMPT(origin)),
      `asked again: the denial without a terminal was not remembered\n${no.output}`,
    );
    assert.match(no.output, /nothing subscribed in that window/);

    // "n" on a terminal is the user's answer: remembered, as in the app. Another origin gets its own question.
    const other = origin.replace('://', '://yes-');
    const yes = await runCliOnTerminal(
      [
        'site',
        'add',
        `${other}/?close`,
        '--headless',
        '--close-after',
        '60',
        '--data-dir',
        dir,
        '--service',
        ctx.service.wsUrl,
      ],
      { answer: 'y', timeoutMs: 90_000 },
    );
    assert.equal(yes.code, 0, yes.output);
    assert.ok(yes.output.includes(PROMPT(other)), yes.output);
    const lines = yes.output
      .split(/\r?\n/)
      .filter((x) => x.startsWith('{'))
      .map((x) => JSON.parse(x) as SiteLine);
    assert.equal(lines.length, 1, yes.output);
    assert.equal(lines[0]!.origin, other);
    return lines[0]!;
  }

  test(
    'site add without listen asks on its terminal: "y" subscribes, "n" denies; no terminal denies without remembering',
    BOUNDED,
    async (t) => {
      if (!fs.existsSync('/usr/bin/script')) {
        console.log('SKIPPED: no script(1) to give the command a terminal (sudo apt-get install bsdutils)');
        return t.skip('no script(1)');
      }
      const dir = tempDir();
      const line = await promptScenario(dir, `http://ask-direct.localhost:${port}`);
      const l = await started(dir);
      await workerShows(l, 'allowed on the terminal')(line);
    },
  );

  test(
    "site add while listen runs: listen relays the site's permission request to the command's terminal",
    BOUNDED,
    async (t) => {
      if (!fs.existsSync('/usr/bin/script')) {
        console.log('SKIPPED: no script(1) to give the command a terminal (sudo apt-get install bsdutils)');
        return t.skip('no script(1)');
      }
      const dir = tempDir();
      const l = await started(dir);
      const line = await promptScenario(dir, `http://ask-listen.localhost:${port}`);
      await workerShows(l, 'allowed through listen')(line);
    },
  );

  test(
    'a question left unanswered when the window closes is withdrawn: site add ends, with and without listen',
    BOUNDED,
    async () => {
      const dir = tempDir();
      for (const through of ['direct', 'listen']) {
        if (through === 'listen') await started(dir);
        const origin = `http://unanswered-${through}.localhost:${port}`;
        const r = await runCliOnTerminal(
          [
            'site',
            'add',
            `${origin}/?close`,
            '--headless',
            '--close-after',
            '6',
            '--data-dir',
            dir,
            '--service',
            ctx.service.wsUrl,
          ],
          { answer: null, timeoutMs: 60_000 },
        );
        assert.equal(r.code, 0, `${through}: ${r.output}`);
        assert.ok(r.output.includes(PROMPT(origin)), r.output);
        assert.match(r.output, /nothing subscribed in that window/);
      }
    },
  );

  test(
    "--browser on site commands while listen runs: a one-line warning that listen's browser is used",
    BOUNDED,
    async () => {
      const dir = tempDir();
      await started(dir);
      const warning = 'push-agent: --browser is ignored: the running listen uses its own browser\n';
      const origin = `http://flag.localhost:${port}`;
      const added = await cli(dir, [
        'site',
        'add',
        `${origin}/?close`,
        '--headless',
        '--allow-notifications',
        '--close-after',
        '60',
        '--browser',
        '/nonexistent/chromium',
      ]);
      assert.equal(added.code, 0, added.stderr);
      assert.equal(parseLines(added.stdout)[0]!.origin, origin);
      assert.equal(added.stderr, warning);
      const removed = await cli(dir, ['site', 'remove', origin, '--browser', '/nonexistent/chromium']);
      assert.equal(removed.code, 0, removed.stderr);
      assert.match(removed.stdout, /^removed /);
      assert.equal(removed.stderr, warning);
    },
  );
});
