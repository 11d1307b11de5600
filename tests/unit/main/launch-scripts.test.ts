// scripts/electron-binary.ts, scripts/linux-sandbox.ts and the scripts that use them (start, test:electron), run
// against stand-in `electron` packages in temporary directories: Electron's real package would try to download its
// binary here, which this machine cannot. The stand-ins do what Electron 45's index.js does: return the binary's
// path, or throw "Electron failed to install correctly" when the download fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { findElectronBinary, noElectronAdvice } from '../../../scripts/electron-binary.ts';
import { probeSandbox, sandboxProblem, type SandboxProbe } from '../../../scripts/linux-sandbox.ts';

const root = path.resolve(import.meta.dirname, '../../..');

function projectWithElectron(indexJs: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'electron-pkg-'));
  fs.mkdirSync(path.join(dir, 'node_modules/electron'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), '{"name":"x"}');
  fs.writeFileSync(path.join(dir, 'node_modules/electron/package.json'), '{"name":"electron","main":"index.js"}');
  fs.writeFileSync(path.join(dir, 'node_modules/electron/index.js'), indexJs);
  return dir;
}
const OFFLINE =
  'throw new Error(\'Electron failed to install correctly. Please delete `node_modules/electron` and run "npx install-electron --no" manually.\\nmore\');';

test("the binary is the path require('electron') returns, as Electron's own package finds it", () => {
  const dir = projectWithElectron("module.exports = require('path').join(__dirname, 'dist', 'electron');");
  fs.mkdirSync(path.join(dir, 'node_modules/electron/dist'));
  fs.writeFileSync(path.join(dir, 'node_modules/electron/dist/electron'), '');
  assert.deepEqual(findElectronBinary(dir), { ok: true, path: path.join(dir, 'node_modules/electron/dist/electron') });
  const missing = projectWithElectron("module.exports = '/nonexistent/electron';");
  assert.deepEqual(findElectronBinary(missing), { ok: false, reason: 'no Electron binary at /nonexistent/electron' });
});

test('a failed first-run download is caught and turned into advice naming the headless agent', () => {
  const result = findElectronBinary(projectWithElectron(OFFLINE));
  assert.equal(result.ok, false);
  assert.match((result as { reason: string }).reason, /^Electron failed to install correctly/);
  assert.doesNotMatch((result as { reason: string }).reason, /more/, 'one line only');
  assert.equal(findElectronBinary(fs.mkdtempSync(path.join(os.tmpdir(), 'no-electron-'))).ok, false);
  assert.ok(noElectronAdvice('x').some((l) => l.includes('npm run -s push-agent -- subscribe')));
});

test('npm start without an Electron binary says what to run instead and exits 1; test:electron prints SKIPPED', () => {
  const dir = projectWithElectron(OFFLINE);
  const start = spawnSync(process.execPath, [path.join(root, 'scripts/start.ts')], { cwd: dir, encoding: 'utf8' });
  assert.equal(start.status, 1);
  assert.match(start.stderr, /Electron is not available \(Electron failed to install correctly/);
  assert.match(start.stderr, /npm run -s push-agent -- subscribe --service local/);
  const t = spawnSync(process.execPath, [path.join(root, 'scripts/test-electron.ts')], { cwd: dir, encoding: 'utf8' });
  assert.equal(t.status, 0);
  assert.match(t.stdout, /^SKIPPED: no Electron binary could be had \(Electron failed to install correctly/);
});

const probe = (p: Partial<SandboxProbe>): SandboxProbe => ({
  restrictUserns: null,
  usernsClone: null,
  helper: { uid: 1000, mode: 0o755 },
  profileNamesBinary: false,
  ...p,
});

test("Ubuntu's AppArmor user-namespace restriction with a non-setuid helper is reported, with the fix, not worked around", () => {
  const bin = '/p/node_modules/electron/dist/electron';
  const lines = sandboxProblem(bin, probe({ restrictUserns: '1' }));
  assert.ok(lines);
  assert.ok(lines.some((l) => l.includes("sudo chown root:root '/p/node_modules/electron/dist/chrome-sandbox'")));
  assert.ok(!lines.some((l) => /--no-sandbox/.test(l)));
  assert.ok(sandboxProblem(bin, probe({ usernsClone: '0' })));
  // Nothing to report: namespaces allowed, a setuid-root helper, or a profile naming the binary.
  assert.equal(sandboxProblem(bin, probe({})), null);
  assert.equal(sandboxProblem(bin, probe({ restrictUserns: '0' })), null);
  assert.equal(sandboxProblem(bin, probe({ restrictUserns: '1', helper: { uid: 0, mode: 0o4755 } })), null);
  assert.ok(sandboxProblem(bin, probe({ restrictUserns: '1', helper: { uid: 0, mode: 0o755 } })));
  assert.equal(sandboxProblem(bin, probe({ restrictUserns: '1', profileNamesBinary: true })), null);
});

test('the probe reads the sysctls, the helper beside the binary and AppArmor profiles naming it', () => {
  const fakeRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-root-'));
  const bin = path.join(fakeRoot, 'app/electron');
  fs.mkdirSync(path.join(fakeRoot, 'proc/sys/kernel'), { recursive: true });
  fs.mkdirSync(path.join(fakeRoot, 'etc/apparmor.d'), { recursive: true });
  fs.mkdirSync(path.dirname(bin));
  fs.writeFileSync(path.join(fakeRoot, 'proc/sys/kernel/apparmor_restrict_unprivileged_userns'), '1\n');
  fs.writeFileSync(path.join(path.dirname(bin), 'chrome-sandbox'), '', { mode: 0o755 });
  let p = probeSandbox(bin, fakeRoot);
  assert.deepEqual(
    { ...p, helper: p.helper && { mode: p.helper.mode } },
    { restrictUserns: '1', usernsClone: null, helper: { mode: 0o755 }, profileNamesBinary: false },
  );
  assert.ok(sandboxProblem(bin, p));
  fs.writeFileSync(
    path.join(fakeRoot, 'etc/apparmor.d/electron-dev'),
    `abi <abi/4.0>,\nprofile electron-dev ${bin} flags=(unconfined) {\n  userns,\n}\n`,
  );
  p = probeSandbox(bin, fakeRoot);
  assert.equal(p.profileNamesBinary, true);
  assert.equal(sandboxProblem(bin, p), null);
});
