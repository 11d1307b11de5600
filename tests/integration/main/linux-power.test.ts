// The Linux power report both hosts use (src/host/linux-power.ts): sysfs power supplies from a fake
// /sys/class/power_supply tree (the real one is the machine's), power-profiles-daemon over a real private D-Bus
// daemon with a real peer owning its name (support/private-bus.ts), and the engine's power policy deciding `low`
// from the report with the live threshold.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { linuxPowerSource, readProfileSaver, readSysfsPower } from '../../../src/host/linux-power.ts';
import { openBus, openSessionBus } from '../../../src/host/dbus-client.ts';
import { PowerPolicy, powerStateFromReport } from '../../../src/engine/policy/power.ts';
import { defaultPreferences } from '../../../src/engine/preferences-service.ts';
import { silentLogger } from '../../../src/engine/log.ts';
import type { PowerReport, PowerState } from '../../../src/engine/ports.ts';
import { tempDir } from '../../support/engine-harness.ts';
import { fakePeer, startPrivateBus, type PrivateBus } from '../../support/private-bus.ts';

type Supply = Record<string, string>;
function sysfs(supplies: Record<string, Supply>): string {
  const root = tempDir('power-supply-');
  for (const [name, files] of Object.entries(supplies)) {
    fs.mkdirSync(path.join(root, name));
    for (const [f, v] of Object.entries(files)) fs.writeFileSync(path.join(root, name, f), `${v}\n`);
  }
  return root;
}
const AC_ON: Supply = { type: 'Mains', online: '1' };
const AC_OFF: Supply = { type: 'Mains', online: '0' };
const bat = (capacity: number, status: string): Supply => ({
  type: 'Battery',
  present: '1',
  capacity: String(capacity),
  status,
});

const table: Array<[string, Record<string, Supply>, { onBattery: boolean; percent: number | null }]> = [
  ['no supplies at all (desktop, container)', {}, { onBattery: false, percent: null }],
  ['mains only', { AC: AC_ON }, { onBattery: false, percent: null }],
  ['laptop on mains, charging', { AC: AC_ON, BAT0: bat(50, 'Charging') }, { onBattery: false, percent: 50 }],
  ['on battery, 80%', { AC: AC_OFF, BAT0: bat(80, 'Discharging') }, { onBattery: true, percent: 80 }],
  [
    'two batteries averaged',
    { BAT0: bat(10, 'Discharging'), BAT1: bat(50, 'Discharging') },
    { onBattery: true, percent: 30 },
  ],
  [
    'a wireless mouse battery does not count',
    { AC: AC_ON, hidpp: { ...bat(5, 'Discharging'), scope: 'Device' } },
    { onBattery: false, percent: null },
  ],
  ['absent battery slot', { AC: AC_OFF, BAT1: { type: 'Battery', present: '0' } }, { onBattery: false, percent: null }],
  [
    'garbage capacity: level unknown',
    { BAT0: { type: 'Battery', capacity: 'lots', status: 'Discharging' } },
    { onBattery: true, percent: null },
  ],
];
for (const [name, supplies, want] of table) {
  test(`sysfs: ${name}`, () => assert.deepEqual(readSysfsPower(sysfs(supplies)), want));
}
test('sysfs: a missing directory is AC with no level', () =>
  assert.deepEqual(readSysfsPower('/nonexistent/power_supply'), { onBattery: false, percent: null }));

test('the engine decides low from one report: the saver, or a known level under the threshold', () => {
  const r = (onBattery: boolean, percent: number | null, saver = false): PowerReport => ({ onBattery, percent, saver });
  assert.equal(powerStateFromReport(r(false, 5), 20), 'ac');
  assert.equal(powerStateFromReport(r(true, 20), 20), 'battery');
  assert.equal(powerStateFromReport(r(true, 19), 20), 'low');
  assert.equal(powerStateFromReport(r(true, null), 20), 'battery');
  assert.equal(powerStateFromReport(r(false, null, true), 20), 'low');
  assert.equal(powerStateFromReport(r(true, 90, true), 20), 'low');
});

test('a changed lowBatteryPercent preference applies to the last report without a new one', () => {
  const prefs = defaultPreferences('ws://x/');
  let listener: ((v: PowerReport) => void) | null = null;
  const source = {
    current: (): PowerReport => ({ onBattery: true, percent: 25, saver: false }),
    onChange: (l: (v: PowerReport) => void) => ((listener = l), () => {}),
  };
  const seen: PowerState[] = [];
  const policy = new PowerPolicy(
    source as never,
    () => prefs.policy,
    silentLogger,
    (s) => seen.push(s),
  );
  assert.equal(policy.state, 'battery');
  prefs.policy.lowBatteryPercent = 30;
  policy.reevaluate();
  assert.equal(policy.state, 'low');
  listener!({ onBattery: false, percent: 25, saver: false });
  assert.deepEqual(seen, ['low', 'ac']);
});

// Started while the tests are defined, so that `skip` can say whether it exists.
const bus: PrivateBus | null = startPrivateBus();
after(() => bus?.stop());
const skipNoBus = () => (bus ? false : 'SKIPPED: dbus-daemon could not start a private bus');

test(
  'power-profiles-daemon over D-Bus: power-saver is the saver, other profiles are not, no daemon is unknown',
  { skip: skipNoBus() },
  async () => {
    const client = openBus(bus!.address)!;
    assert.equal(await readProfileSaver(client), null, 'nobody owns the name');
    const ppd = await fakePeer(
      bus!.address,
      'org.freedesktop.UPower.PowerProfiles',
      '/org/freedesktop/UPower/PowerProfiles',
      { 'org.freedesktop.UPower.PowerProfiles': { ActiveProfile: 'power-saver' } },
    );
    assert.equal(await readProfileSaver(client), true);
    ppd.properties['org.freedesktop.UPower.PowerProfiles']!.ActiveProfile = 'balanced';
    assert.equal(await readProfileSaver(client), false);
    await ppd.close();
    // The older name, as power-profiles-daemon before 0.20 has it.
    const old = await fakePeer(bus!.address, 'net.hadess.PowerProfiles', '/net/hadess/PowerProfiles', {
      'net.hadess.PowerProfiles': { ActiveProfile: 'power-saver' },
    });
    assert.equal(await readProfileSaver(client), true);
    await old.close();
    client.close();
  },
);

test(
  'the Linux source reports sysfs plus the daemon, and tells listeners when either changes',
  { skip: skipNoBus() },
  async () => {
    const root = sysfs({ AC: AC_ON, BAT0: bat(60, 'Charging') });
    const client = openBus(bus!.address)!;
    const ppd = await fakePeer(
      bus!.address,
      'org.freedesktop.UPower.PowerProfiles',
      '/org/freedesktop/UPower/PowerProfiles',
      { 'org.freedesktop.UPower.PowerProfiles': { ActiveProfile: 'balanced' } },
    );
    const source = linuxPowerSource({ root, platformProfile: path.join(root, 'none'), bus: client, pollMs: 60_000 });
    const reports: PowerReport[] = [];
    source.onChange((r) => reports.push(r as PowerReport));
    await source.refresh();
    assert.deepEqual(source.current(), { onBattery: false, percent: 60, saver: false });
    // Unplugged: the kernel's files change.
    fs.writeFileSync(path.join(root, 'AC/online'), '0\n');
    fs.writeFileSync(path.join(root, 'BAT0/status'), 'Discharging\n');
    await source.refresh();
    ppd.properties['org.freedesktop.UPower.PowerProfiles']!.ActiveProfile = 'power-saver';
    await source.refresh();
    await source.refresh();
    assert.deepEqual(reports, [
      { onBattery: true, percent: 60, saver: false },
      { onBattery: true, percent: 60, saver: true },
    ]);
    source.dispose();
    await ppd.close();
    client.close();
  },
);

test('no bus at all: the session bus is null, the saver falls back to the firmware profile', async () => {
  assert.equal(openSessionBus(''), null);
  assert.equal(
    openBus('unix:path=/nonexistent/bus') === null ||
      (await readProfileSaver(openBus('unix:path=/nonexistent/bus'))) === null,
    true,
  );
  const root = sysfs({ BAT0: bat(90, 'Discharging') });
  fs.writeFileSync(path.join(root, 'platform_profile'), 'low-power\n');
  const source = linuxPowerSource({ root, platformProfile: path.join(root, 'platform_profile'), bus: null });
  assert.deepEqual(source.current(), { onBattery: true, percent: 90, saver: true });
  source.dispose();
});
