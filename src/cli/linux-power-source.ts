// PowerSource (src/engine/ports.ts) for the headless command on Linux: the kernel's power-supply class in sysfs.
// `ac` when a mains/USB supply is online or no battery is present (desktops, containers, other systems);
// `low` when on battery under the low-battery percentage or when the platform profile is `low-power` (the OS
// saver); `battery` otherwise. sysfs sends no change events without udev, so it is polled (once a minute by
// default, only while someone listens; the timer never keeps the process alive). UPower is not consulted: it
// reads the same sysfs files, and its D-Bus signals would need a D-Bus client this command does not have.

import fs from 'node:fs';
import path from 'node:path';
import type { PowerSource, PowerState } from '../engine/ports.ts';

export interface LinuxPowerOptions {
  /** Default /sys/class/power_supply. */
  root?: string;
  /** Default /sys/firmware/acpi/platform_profile. */
  platformProfile?: string;
  /** Battery percentage under which the state is `low`; read at each poll (the preference may change). */
  lowPercent?: () => number;
  pollMs?: number;
}

function read(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
}

/** Reads the power state once. Never throws: anything unreadable counts as absent. */
export function readLinuxPowerState(opts: LinuxPowerOptions = {}): PowerState {
  const root = opts.root ?? '/sys/class/power_supply';
  let names: string[];
  try {
    names = fs.readdirSync(root);
  } catch {
    return 'ac';
  }
  let externalOnline = false;
  const capacities: number[] = [];
  let discharging = false;
  for (const name of names) {
    const dir = path.join(root, name);
    const type = read(path.join(dir, 'type'));
    if (type === 'Battery') {
      if (read(path.join(dir, 'present')) === '0') continue;
      // Peripherals (mice, keyboards) report scope "Device": they do not power this machine.
      if (read(path.join(dir, 'scope')) === 'Device') continue;
      const capacity = Number(read(path.join(dir, 'capacity')));
      if (Number.isFinite(capacity) && capacity >= 0 && capacity <= 100) capacities.push(capacity);
      if (read(path.join(dir, 'status')) === 'Discharging') discharging = true;
    } else if (type === 'Mains' || type === 'USB' || type === 'USB_C' || type === 'USB_PD') {
      if (read(path.join(dir, 'online')) === '1') externalOnline = true;
    }
  }
  if (capacities.length === 0 && !discharging) return 'ac';
  if (externalOnline && !discharging) return 'ac';
  const saver = read(opts.platformProfile ?? '/sys/firmware/acpi/platform_profile') === 'low-power';
  const level = capacities.length ? capacities.reduce((a, b) => a + b, 0) / capacities.length : 100;
  const lowPercent = opts.lowPercent?.() ?? 20;
  return saver || level < lowPercent ? 'low' : 'battery';
}

export function linuxPowerSource(opts: LinuxPowerOptions = {}): PowerSource {
  let state = readLinuxPowerState(opts);
  const listeners = new Set<(s: PowerState) => void>();
  let timer: ReturnType<typeof setInterval> | null = null;
  const poll = () => {
    const next = readLinuxPowerState(opts);
    if (next === state) return;
    state = next;
    for (const l of [...listeners]) l(next);
  };
  return {
    current: () => state,
    onChange(listener) {
      listeners.add(listener);
      if (!timer) {
        timer = setInterval(poll, opts.pollMs ?? 60_000);
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
  };
}
