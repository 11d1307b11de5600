import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { readLinuxPowerState } from '../../../src/cli/linux-power-source.ts';
import { tempDir } from '../../support/engine-harness.ts';
import type { PowerState } from '../../../src/engine/ports.ts';

type Supply = Record<string, string>;

/** A fake /sys/class/power_supply (and platform_profile) with the files the kernel provides. */
function sysfs(supplies: Record<string, Supply>, profile?: string) {
  const root = tempDir('power-supply-');
  for (const [name, files] of Object.entries(supplies)) {
    fs.mkdirSync(path.join(root, name));
    for (const [f, v] of Object.entries(files)) fs.writeFileSync(path.join(root, name, f), `${v}\n`);
  }
  const platformProfile = path.join(root, 'platform_profile');
  if (profile) fs.writeFileSync(platformProfile, `${profile}\n`);
  return { root, platformProfile };
}

const AC_ON: Supply = { type: 'Mains', online: '1' };
const AC_OFF: Supply = { type: 'Mains', online: '0' };
const bat = (capacity: number, status: string): Supply => ({ type: 'Battery', present: '1', capacity: String(capacity), status });

const table: Array<[string, Record<string, Supply>, string | undefined, PowerState]> = [
  ['no supplies at all (desktop, container)', {}, undefined, 'ac'],
  ['mains only', { AC: AC_ON }, undefined, 'ac'],
  ['laptop on mains, charging', { AC: AC_ON, BAT0: bat(50, 'Charging') }, undefined, 'ac'],
  ['laptop on mains, full', { AC: AC_ON, BAT0: bat(100, 'Full') }, undefined, 'ac'],
  ['on battery, 80%', { AC: AC_OFF, BAT0: bat(80, 'Discharging') }, undefined, 'battery'],
  ['on battery, 19%: low', { AC: AC_OFF, BAT0: bat(19, 'Discharging') }, undefined, 'low'],
  ['on battery, 20%: not yet low', { AC: AC_OFF, BAT0: bat(20, 'Discharging') }, undefined, 'battery'],
  ['on battery with the OS saver on', { AC: AC_OFF, BAT0: bat(90, 'Discharging') }, 'low-power', 'low'],
  ['two batteries averaged', { BAT0: bat(10, 'Discharging'), BAT1: bat(50, 'Discharging') }, undefined, 'battery'],
  ['a wireless mouse battery does not count', { AC: AC_ON, hidpp: { ...bat(5, 'Discharging'), scope: 'Device' } }, undefined, 'ac'],
  ['absent battery slot', { AC: AC_OFF, BAT1: { type: 'Battery', present: '0' } }, undefined, 'ac'],
  ['garbage capacity: treated as unknown level', { BAT0: { type: 'Battery', capacity: 'lots', status: 'Discharging' } }, undefined, 'battery'],
];
for (const [name, supplies, profile, want] of table) {
  test(`linux power state: ${name} -> ${want}`, () => {
    const { root, platformProfile } = sysfs(supplies, profile);
    assert.equal(readLinuxPowerState({ root, platformProfile }), want);
  });
}

test('the low-battery percentage is a live setting', () => {
  const { root, platformProfile } = sysfs({ BAT0: bat(25, 'Discharging') });
  assert.equal(readLinuxPowerState({ root, platformProfile, lowPercent: () => 20 }), 'battery');
  assert.equal(readLinuxPowerState({ root, platformProfile, lowPercent: () => 30 }), 'low');
});

test('a missing sysfs directory means ac', () => {
  assert.equal(readLinuxPowerState({ root: '/nonexistent/power_supply' }), 'ac');
});
