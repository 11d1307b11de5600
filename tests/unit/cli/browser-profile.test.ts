// Where the agent's browser keeps its profile: in the data dir, except for a snap-packaged Chromium, which cannot
// read hidden directories under $HOME (nor the host's /tmp) and gets its own writable directory.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { browserProfile, isSnapBrowser } from '../../../src/cli/browser-profile.ts';
import { tempDir } from '../../support/engine-harness.ts';

test('a Chromium that is no snap keeps its profile in the data dir', () => {
  const dir = tempDir();
  const chromium = path.join(dir, 'chromium');
  fs.writeFileSync(chromium, '\x7fELF', { mode: 0o755 });
  assert.deepEqual(browserProfile('/home/u/.local/share/push-agent', chromium, '/home/u'), {
    dir: '/home/u/.local/share/push-agent/browser-profile',
    note: null,
  });
});

test('a snap Chromium (its path, a link into /snap/, or the wrapper script that runs it) gets a profile under ~/snap/chromium/common', () => {
  const dir = tempDir();
  const wrapper = path.join(dir, 'chromium-browser');
  fs.writeFileSync(wrapper, '#!/bin/sh\nexec /snap/bin/chromium "$@"\n', { mode: 0o755 });
  const link = path.join(dir, 'chromium-link');
  fs.symlinkSync('/snap/bin/chromium', link);
  for (const exe of ['/snap/bin/chromium', wrapper, link]) assert.equal(isSnapBrowser(exe), true, exe);
  const p = browserProfile('/home/u/.local/share/push-agent', wrapper, '/home/u');
  assert.match(p.dir, /^\/home\/u\/snap\/chromium\/common\/push-agent\/[0-9a-f]{16}$/);
  assert.match(
    p.note!,
    /snap-packaged Chromium, which cannot read \/home\/u\/\.local\/share\/push-agent\/browser-profile/,
  );
  assert.notEqual(browserProfile('/home/u/other', wrapper, '/home/u').dir, p.dir, 'one profile per data dir');
});
