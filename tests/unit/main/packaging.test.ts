import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { flipFuses, FuseState, FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import afterPack, { buildKind, fuseConfig, packagedBinary } from '../../../build/after-pack.ts';
import { APP_ID } from '../../../src/main/app-id.ts';
import { linuxPackageLayout } from '../../support/linux-package.ts';

test('a release build turns off RunAsNode, NODE_OPTIONS and inspect, and loads only an integrity-checked asar', () => {
  const c = fuseConfig('release') as unknown as Record<number, boolean>;
  assert.equal(c[FuseV1Options.RunAsNode], false);
  assert.equal(c[FuseV1Options.EnableNodeOptionsEnvironmentVariable], false);
  assert.equal(c[FuseV1Options.EnableNodeCliInspectArguments], false);
  assert.equal(c[FuseV1Options.OnlyLoadAppFromAsar], true);
  assert.equal(c[FuseV1Options.EnableEmbeddedAsarIntegrityValidation], true);
  assert.equal(c[FuseV1Options.GrantFileProtocolExtraPrivileges], false);
  assert.equal(c[FuseV1Options.WasmTrapHandlers], true);
  assert.equal(fuseConfig('release').strictlyRequireAllFuses, true);
});

/** Electron's own fuse list for the release in package-lock.json (build/fuses/README.md says where it is from). */
function electronFuseList(): Array<{ name: string; value: string }> {
  // The file is JSON5 in name only: plain JSON, keys in wire order; `_`-keys are metadata.
  const list = JSON.parse(fs.readFileSync('build/fuses/fuses.json5', 'utf8')) as Record<string, string>;
  return Object.entries(list)
    .filter(([name]) => !name.startsWith('_'))
    .map(([name, value]) => ({ name, value }));
}

/** A file holding a fuse wire laid out as in an Electron binary: sentinel, version 1, length, one byte per fuse. */
function fakeBinaryWithWire(fuses: Array<{ value: string }>): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fuses-')), 'electron');
  const wire = Buffer.from(fuses.map((f) => f.value.charCodeAt(0)));
  fs.writeFileSync(
    file,
    Buffer.concat([
      Buffer.alloc(64, 7),
      Buffer.from('dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'),
      Buffer.from([1, wire.length]),
      wire,
      Buffer.alloc(64, 7),
    ]),
  );
  return file;
}

test("every fuse in the locked Electron's own fuse list has a decided value, in both build kinds", () => {
  const lockedElectron = (
    JSON.parse(fs.readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, { version: string }> }
  ).packages['node_modules/electron']!.version;
  assert.match(
    lockedElectron,
    /^45\./,
    'build/fuses/fuses.json5 is the Electron 45 list: copy the new one when Electron moves',
  );
  const fuses = electronFuseList();
  assert.equal(fuses.at(-1)?.name, 'wasm_trap_handlers');
  for (const kind of ['release', 'test'] as const) {
    const c = fuseConfig(kind) as unknown as Record<string, unknown>;
    const decided = Object.keys(c)
      .filter((k) => /^\d+$/.test(k))
      .map(Number)
      .sort((a, b) => a - b);
    const live = fuses.flatMap((f, i) => (f.value === 'r' ? [] : [i]));
    assert.deepEqual(decided, live, `${kind}: one value per fuse of Electron's list, none extra`);
  }
});

test('flipping the fuses with the release config succeeds on a wire as long as the locked Electron has', async () => {
  const fuses = electronFuseList();
  const binary = fakeBinaryWithWire(fuses);
  await flipFuses(binary, fuseConfig('release'));
  const wire = (await getCurrentFuseWire(binary)) as unknown as Record<number, FuseState>;
  const c = fuseConfig('release') as unknown as Record<number, boolean>;
  for (let i = 0; i < fuses.length; i++)
    assert.equal(wire[i], c[i] ? FuseState.ENABLE : FuseState.DISABLE, fuses[i]!.name);
  // A future Electron with one more fuse fails the build loudly rather than leaving it at Electron's default.
  const longer = fakeBinaryWithWire([...fuses, { value: '1' }]);
  await assert.rejects(flipFuses(longer, fuseConfig('release')), /strictlyRequireAllFuses/);
});

test("a test build differs only by keeping the inspect arguments Playwright's _electron needs", () => {
  const release = fuseConfig('release') as unknown as Record<string, unknown>;
  const testBuild = fuseConfig('test') as unknown as Record<string, unknown>;
  const differing = Object.keys(release).filter((k) => release[k] !== testBuild[k]);
  assert.deepEqual(differing, [String(FuseV1Options.EnableNodeCliInspectArguments)]);
  assert.equal(buildKind({ PUSH_AGENT_BUILD: 'test' }), 'test');
  assert.equal(buildKind({}), 'release');
  assert.equal(buildKind({ PUSH_AGENT_BUILD: 'anything' }), 'release');
  assert.equal(typeof afterPack, 'function');
});

test('the fuses are flipped on the binary electron-builder produced for each platform', () => {
  const ctx = { appOutDir: '/out', productFilename: 'Push Agent', executableName: 'push-agent-app' };
  assert.equal(packagedBinary({ ...ctx, platform: 'darwin' }), '/out/Push Agent.app');
  assert.equal(packagedBinary({ ...ctx, platform: 'win32' }), '/out/Push Agent.exe');
  assert.equal(packagedBinary({ ...ctx, platform: 'linux' }), '/out/push-agent-app');
});

test('the installer, Windows notifications and the Linux desktop entry agree on one appId', () => {
  const yml = fs.readFileSync('electron-builder.yml', 'utf8');
  assert.equal(/^appId:\s*(\S+)/m.exec(yml)?.[1], APP_ID);
  assert.match(yml, /^afterPack: \.\/build\/after-pack\.ts$/m);
  assert.match(yml, /libnotify/);
  assert.match(yml, /libsecret/);
  assert.match(yml, /entitlements: build\/entitlements\.mac\.plist/);
  const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8')) as {
    desktopName: string;
    scripts: Record<string, string>;
  };
  assert.equal(pkg.desktopName, `${APP_ID}.desktop`);
  assert.match(pkg.scripts.dist!, /electron-builder/);
  for (const icon of [
    'build/icon.png',
    'build/icons/512x512.png',
    'build/icons/tray-connected.png',
    'build/icons/tray-reconnecting.png',
    'build/icons/tray-offline.png',
  ]) {
    const head = fs.readFileSync(icon).subarray(0, 8);
    assert.deepEqual([...head], [137, 80, 78, 71, 13, 10, 26, 10], icon);
  }
});

test('macOS: notifications are alerts (action buttons show) and the tray icon keeps its coloured state dot', () => {
  const yml = fs.readFileSync('electron-builder.yml', 'utf8');
  assert.match(yml, /^mac:\n(?: {2}.*\n)*? {2}extendInfo:\n(?: {4}#.*\n)* {4}NSUserNotificationAlertStyle: alert$/m);
  // A template image is drawn in one colour by macOS: the dot that shows the connection state would be lost.
  assert.doesNotMatch(fs.readFileSync('src/main/tray.ts', 'utf8'), /setTemplateImage/);
});

test("Linux packages: the app is push-agent-app and /usr/bin/push-agent is the headless command, on electron-builder's own install scripts", () => {
  const yml = fs.readFileSync('electron-builder.yml', 'utf8');
  assert.match(yml, /^ {2}executableName: push-agent-app$/m);
  assert.match(yml, /^ {4}- from: build\/linux\/push-agent\n {6}to: push-agent$/m);
  assert.match(yml, /^ {4}- from: dist\/cli-standalone\/push-agent\.mjs\n {6}to: cli\/push-agent\.mjs$/m);
  // Its decryption thread, where src/engine/crypto/decrypt-thread.ts looks for it (beside the command): without it a
  // backlog is decrypted on the command's one thread.
  assert.match(yml, /^ {4}- from: dist\/cli-standalone\/decrypt-worker\.js\n {6}to: cli\/decrypt-worker\.js$/m);
  assert.match(yml, /^ {2}afterInstall: build\/linux\/after-install\.tpl$/m);
  assert.match(yml, /^ {2}afterRemove: build\/linux\/after-remove\.tpl$/m);
  // Ours = electron-builder's template (AppArmor profile, chrome-sandbox mode, the app's link) + the command's link.
  for (const script of ['after-install.tpl', 'after-remove.tpl']) {
    const library = fs.readFileSync(`node_modules/app-builder-lib/templates/linux/${script}`, 'utf8');
    const ours = fs.readFileSync(`build/linux/${script}`, 'utf8');
    assert.ok(
      ours.startsWith(library),
      `${script} starts with electron-builder's own (re-copy it when electron-builder changes)`,
    );
  }
  assert.match(
    fs.readFileSync('build/linux/after-install.tpl', 'utf8'),
    /ln -sf '\/opt\/\$\{sanitizedProductName\}\/push-agent' '\/usr\/bin\/push-agent'\n$/,
  );
  assert.equal(fs.statSync('build/linux/push-agent').mode & 0o111, 0o111, 'the wrapper is executable');
});

test('the packaged push-agent runs the self-contained command on Node 24, and says so plainly on an older Node', async () => {
  const { root, bin } = await linuxPackageLayout();
  const { spawnSync } = await import('node:child_process');
  const run = (node: string, args: string[]) =>
    spawnSync(bin, args, {
      encoding: 'utf8',
      cwd: root,
      env: { ...process.env, PUSH_AGENT_NODE: node },
    });
  const version = run(process.execPath, ['--version']);
  assert.equal(version.status, 0, version.stderr);
  assert.equal(version.stdout.trim(), JSON.parse(fs.readFileSync('package.json', 'utf8')).version);
  assert.match(run(process.execPath, ['--help']).stdout, /subscribe/);
  const old = fs.existsSync('/usr/bin/node')
    ? spawnSync('/usr/bin/node', ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).stdout.trim()
    : '';
  if (old && Number(old) < 24) {
    const r = run('/usr/bin/node', ['--version']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /needs Node\.js 24 or later; '\/usr\/bin\/node' is version \d+/);
  }
  const none = run('/nonexistent/node', ['--version']);
  assert.equal(none.status, 1);
  assert.match(none.stderr, /no 'node' is on PATH|needs Node\.js 24/);
});

test('electron-builder accepts electron-builder.yml (its own schema validation, as npm run dist runs it)', async () => {
  const { createRequire } = await import('node:module');
  const require = createRequire(path.resolve('package.json'));
  const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
    validateConfiguration(c: unknown, log: unknown): Promise<void>;
  };
  const yaml = require('js-yaml') as { load(s: string): Record<string, unknown> };
  const config = yaml.load(fs.readFileSync('electron-builder.yml', 'utf8'));
  const log = { on() {}, emit() {} };
  await validateConfiguration(config, log);
  await assert.rejects(
    validateConfiguration({ ...config, mac: { ...(config.mac as object), extendInfoo: {} } }, log),
    /does not match the API schema/,
  );
});
