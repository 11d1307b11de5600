import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { BrowserNotFoundError, findBrowser, findExecutable } from '../../../src/cli/browser-path.ts';
import { preflight } from '../../../scripts/test-preflight.ts';
import { tempDir } from '../../support/engine-harness.ts';

/** A directory with executable files of these names, to stand in for a PATH. */
function binDir(...names: string[]): string {
  const dir = tempDir();
  for (const n of names) fs.writeFileSync(path.join(dir, n), '#!/bin/sh\n', { mode: 0o755 });
  return dir;
}

test('PUSH_AGENT_BROWSER overrides the PATH; a missing or non-executable file is refused, naming the package', () => {
  const bin = binDir('chromium', 'my-browser');
  assert.equal(findBrowser({ PATH: bin }), path.join(bin, 'chromium'));
  assert.equal(
    findBrowser({ PATH: bin, PUSH_AGENT_BROWSER: path.join(bin, 'my-browser') }),
    path.join(bin, 'my-browser'),
  );
  const plain = path.join(bin, 'not-executable');
  fs.writeFileSync(plain, '', { mode: 0o644 });
  for (const bad of [path.join(bin, 'missing'), plain, bin]) {
    assert.throws(
      () => findBrowser({ PATH: bin, PUSH_AGENT_BROWSER: bad }),
      (err: unknown) => {
        assert.ok(err instanceof BrowserNotFoundError);
        assert.equal(err.kind, 'browser-not-found');
        assert.match(err.message, /apt-get install chromium/);
        return true;
      },
    );
  }
});

test('without an override: chromium, else chromium-browser on the PATH, else a clear error', () => {
  const only = binDir('chromium-browser');
  assert.equal(findBrowser({ PATH: only }), path.join(only, 'chromium-browser'));
  assert.equal(findExecutable(['chromium'], { PATH: only }), null);
  const both = binDir('chromium-browser', 'chromium');
  assert.equal(findBrowser({ PATH: both }), path.join(both, 'chromium'));
  assert.throws(
    () => findBrowser({ PATH: binDir('firefox') }),
    /neither chromium nor chromium-browser is on the PATH.*apt-get install chromium/,
  );
  assert.throws(() => findBrowser({}), BrowserNotFoundError);
});

test('the test preflight names every missing package in one apt-get command, and Node 24', () => {
  const none = preflight({ PATH: binDir() }, '24.1.0');
  assert.deepEqual(none.packages, ['chromium', 'firefox-esr']);
  assert.equal(none.fix, 'sudo apt-get install chromium firefox-esr');
  const all = preflight({ PATH: binDir('chromium', 'firefox-esr') }, '24.1.0');
  assert.deepEqual(all, { problems: [], packages: [], fix: null });
  const oldNode = preflight({ PATH: binDir('chromium', 'firefox-esr') }, '20.20.2');
  assert.equal(oldNode.problems.length, 1);
  assert.match(oldNode.problems[0]!, /Node 20\.20\.2 .* need Node 24/);
  assert.match(oldNode.fix!, /npm ci/);
  const badOverride = preflight(
    { PATH: binDir('chromium', 'firefox-esr'), PUSH_AGENT_BROWSER: '/nonexistent/chromium' },
    '24.1.0',
  );
  assert.deepEqual(badOverride.packages, ['chromium']);
  assert.match(badOverride.problems[0]!, /PUSH_AGENT_BROWSER is '\/nonexistent\/chromium'/);
});
