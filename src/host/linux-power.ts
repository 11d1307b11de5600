// The power report (ports.ts PowerReport) on Linux, for both hosts: the app and the headless command.
// - onBattery / percent: the kernel's power-supply class in sysfs (/sys/class/power_supply: type Mains/USB/Battery,
//   online, capacity, status, scope). sysfs sends no change events without udev, so it is polled: one directory
//   listing and a few small reads per minute, only while someone listens (the timer never keeps the process alive).
//   Electron's powerMonitor cannot replace it: on-battery/on-ac are macOS/Windows events, and Chromium's Linux power
//   source gives no level.
// - saver: power-profiles-daemon's ActiveProfile on the system bus, as `org.freedesktop.UPower.PowerProfiles`
//   (0.20 and later) or `net.hadess.PowerProfiles` (older); `power-saver` is the saver, read at each poll. Without
//   the daemon, the firmware's platform_profile `low-power` counts.
// The engine's power policy decides `low` from the report (policy/power.ts); nothing here knows the threshold.
import fs from 'node:fs';
import path from 'node:path';
import type { PowerReport, PowerSource } from '../engine/ports.ts';
import type { DBusClient } from './dbus-client.ts';

export interface LinuxPowerOptions {
  /** Default /sys/class/power_supply. */
  root?: string;
  /** Default /sys/firmware/acpi/platform_profile. */
  platformProfile?: string;
  /** The bus power-profiles-daemon is on (the system bus on real machines); null = none. */
  bus?: DBusClient | null;
  pollMs?: number;
}

function read(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
}

/** AC/battery and the mean level of the system batteries. Never throws: anything unreadable counts as absent. */
export function readSysfsPower(root = '/sys/class/power_supply'): { onBattery: boolean; percent: number | null } {
  let names: string[];
  try {
    names = fs.readdirSync(root);
  } catch {
    return { onBattery: false, percent: null };
  }
  let externalOnline = false;
  let discharging = false;
  const capacities: number[] = [];
  for (const name of names) {
    const dir = path.join(root, name);
    const type = read(path.join(dir, 'type'));
    if (type === 'Battery') {
      if (read(path.join(dir, 'present')) === '0') continue;
      // Peripherals (mice, keyboards) report scope "Device": they do not power this machine.
      if (read(path.join(dir, 'scope')) === 'Device') continue;
      const capacity = Number(read(path.join(dir, 'capacity')) ?? Number.NaN);
      if (Number.isFinite(capacity) && capacity >= 0 && capacity <= 100) capacities.push(capacity);
      if (read(path.join(dir, 'status')) === 'Discharging') discharging = true;
    } else if (type === 'Mains' || type === 'USB' || type === 'USB_C' || type === 'USB_PD') {
      if (read(path.join(dir, 'online')) === '1') externalOnline = true;
    }
  }
  const percent = capacities.length ? Math.round(capacities.reduce((a, b) => a + b, 0) / capacities.length) : null;
  // No battery (desktops, containers) or a supply online and not discharging: on AC.
  if (capacities.length === 0 && !discharging) return { onBattery: false, percent: null };
  return { onBattery: discharging || !externalOnline, percent };
}

const PROFILE_DAEMONS = [
  { name: 'org.freedesktop.UPower.PowerProfiles', path: '/org/freedesktop/UPower/PowerProfiles' },
  { name: 'net.hadess.PowerProfiles', path: '/net/hadess/PowerProfiles' },
];

/** True/false from power-profiles-daemon; null when no daemon answers. */
export async function readProfileSaver(bus: DBusClient | null | undefined): Promise<boolean | null> {
  if (!bus) return null;
  for (const d of PROFILE_DAEMONS) {
    const profile = await bus.getProperty(d.name, d.path, d.name, 'ActiveProfile');
    if (typeof profile === 'string') return profile === 'power-saver';
  }
  return null;
}

export interface LinuxPowerSource extends PowerSource {
  current(): PowerReport;
  /** Reads now (after a resume, or when Electron reports a change) and tells listeners if anything changed. */
  refresh(): Promise<void>;
  dispose(): void;
}

export function linuxPowerSource(opts: LinuxPowerOptions = {}): LinuxPowerSource {
  const firmwareSaver = () => read(opts.platformProfile ?? '/sys/firmware/acpi/platform_profile') === 'low-power';
  let daemonSaver: boolean | null = null;
  const measure = (): PowerReport => ({ ...readSysfsPower(opts.root), saver: daemonSaver ?? firmwareSaver() });
  let report = measure();
  const listeners = new Set<(r: PowerReport) => void>();
  let timer: ReturnType<typeof setInterval> | null = null;
  let disposed = false;
  const refresh = async () => {
    const saver = await readProfileSaver(opts.bus);
    if (disposed) return;
    daemonSaver = saver;
    const next = measure();
    if (next.onBattery === report.onBattery && next.percent === report.percent && next.saver === report.saver) return;
    report = next;
    for (const l of [...listeners]) l(next);
  };
  // The daemon's answer is asynchronous: the first report is sysfs + firmware, corrected as soon as it answers.
  void refresh();
  return {
    current: () => report,
    onChange(listener) {
      listeners.add(listener);
      if (!timer && !disposed) {
        timer = setInterval(() => void refresh(), opts.pollMs ?? 60_000);
        timer.unref();
      }
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && timer) {
          clearInterval(timer);
          timer = null;
        }
      };
    },
    refresh,
    dispose() {
      disposed = true;
      if (timer) clearInterval(timer);
      timer = null;
      listeners.clear();
    },
  };
}
