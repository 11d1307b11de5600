import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { powerStateFrom, readLinuxBatteryPercent } from '../../../src/main/battery.ts';

test('ac, battery, and low under the threshold; an unknown level is never low', () => {
  assert.equal(powerStateFrom(false, 5, 20), 'ac');
  assert.equal(powerStateFrom(true, 20, 20), 'battery');
  assert.equal(powerStateFrom(true, 19, 20), 'low');
  assert.equal(powerStateFrom(true, null, 20), 'battery');
  assert.equal(powerStateFrom(true, 50, 60), 'low');
});

test('the Linux level is the mean of system batteries; mains, peripherals and junk are ignored', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'power-supply-'));
  const supply = (name: string, files: Record<string, string>) => {
    fs.mkdirSync(path.join(dir, name));
    for (const [f, v] of Object.entries(files)) fs.writeFileSync(path.join(dir, name, f), `${v}\n`);
  };
  assert.equal(readLinuxBatteryPercent(dir), null);
  supply('AC', { type: 'Mains', online: '0' });
  supply('BAT0', { type: 'Battery', capacity: '30' });
  supply('BAT1', { type: 'Battery', capacity: '11', scope: 'System' });
  supply('hid-mouse', { type: 'Battery', capacity: '1', scope: 'Device' });
  supply('BAT2', { type: 'Battery', capacity: 'garbage' });
  supply('BAT3', { type: 'Battery' });
  assert.equal(readLinuxBatteryPercent(dir), 21);
  assert.equal(readLinuxBatteryPercent(path.join(dir, 'missing')), null);
});
