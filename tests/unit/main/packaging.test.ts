import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { FuseV1Options } from '@electron/fuses';
import afterPack, { buildKind, fuseConfig, packagedBinary } from '../../../build/after-pack.ts';
import { APP_ID } from '../../../src/main/app-id.ts';

test('a release build turns off RunAsNode, NODE_OPTIONS and inspect, and loads only an integrity-checked asar', () => {
  const c = fuseConfig('release') as unknown as Record<number, boolean>;
  assert.equal(c[FuseV1Options.RunAsNode], false);
  assert.equal(c[FuseV1Options.EnableNodeOptionsEnvironmentVariable], false);
  assert.equal(c[FuseV1Options.EnableNodeCliInspectArguments], false);
  assert.equal(c[FuseV1Options.OnlyLoadAppFromAsar], true);
  assert.equal(c[FuseV1Options.EnableEmbeddedAsarIntegrityValidation], true);
  assert.equal(c[FuseV1Options.GrantFileProtocolExtraPrivileges], false);
  // Every fuse has a decided value, so a new Electron fuse cannot slip through unset.
  assert.equal(fuseConfig('release').strictlyRequireAllFuses, true);
  const fuseCount = Object.values(FuseV1Options).filter((v) => typeof v === 'number').length;
  assert.equal(Object.keys(c).filter((k) => /^\d+$/.test(k)).length, fuseCount);
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
  const ctx = { appOutDir: '/out', productFilename: 'Push Agent', executableName: 'push-agent' };
  assert.equal(packagedBinary({ ...ctx, platform: 'darwin' }), '/out/Push Agent.app');
  assert.equal(packagedBinary({ ...ctx, platform: 'win32' }), '/out/Push Agent.exe');
  assert.equal(packagedBinary({ ...ctx, platform: 'linux' }), '/out/push-agent');
});

test('the installer, Windows notifications and the Linux desktop entry agree on one appId', () => {
  const yml = fs.readFileSync('electron-builder.yml', 'utf8');
  assert.equal(/^appId:\s*(\S+)/m.exec(yml)?.[1], APP_ID);
  assert.match(yml, /^afterPack: \.\/build\/after-pack\.ts$/m);
  assert.match(yml, /libnotify/);
  assert.match(yml, /libsecret/);
  assert.match(yml, /entitlements: build\/entitlements\.mac\.plist/);
  const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { desktopName: string; scripts: Record<string, string> };
  assert.equal(pkg.desktopName, `${APP_ID}.desktop`);
  assert.match(pkg.scripts.dist!, /electron-builder/);
  for (const icon of ['build/icon.png', 'build/icons/512x512.png', 'build/icons/tray-connected.png', 'build/icons/tray-reconnecting.png', 'build/icons/tray-offline.png']) {
    const head = fs.readFileSync(icon).subarray(0, 8);
    assert.deepEqual([...head], [137, 80, 78, 71, 13, 10, 26, 10], icon);
  }
});
