// Battery level for the `low` power state (design.md §7: battery under the threshold). Electron reports on-battery
// but no level, so on Linux it is read from sysfs; elsewhere the level is unknown and `low` is never reported
// (NOT DONE for macOS/Windows: they would need pmset / GetSystemPowerStatus). Pure apart from the directory read.
import fs from 'node:fs';
import path from 'node:path';
import type { PowerState } from '../engine/ports.ts';

export function powerStateFrom(onBattery: boolean, percent: number | null, lowPercent: number): PowerState {
  if (!onBattery) return 'ac';
  return percent !== null && percent < lowPercent ? 'low' : 'battery';
}

/** The mean capacity (0-100) of the system batteries under `dir` (/sys/class/power_supply), or null when none. */
export function readLinuxBatteryPercent(dir = '/sys/class/power_supply'): number | null {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return null;
  }
  const levels: number[] = [];
  for (const name of names) {
    try {
      const base = path.join(dir, name);
      if (fs.readFileSync(path.join(base, 'type'), 'utf8').trim() !== 'Battery') continue;
      // Peripherals (mice, headsets) report scope Device; only system batteries count.
      const scope = fs.existsSync(path.join(base, 'scope')) ? fs.readFileSync(path.join(base, 'scope'), 'utf8').trim() : 'System';
      if (scope !== 'System') continue;
      const level = Number(fs.readFileSync(path.join(base, 'capacity'), 'utf8').trim());
      if (Number.isFinite(level) && level >= 0 && level <= 100) levels.push(level);
    } catch {
      // A supply that vanished or cannot be read is skipped.
    }
  }
  return levels.length ? Math.round(levels.reduce((a, b) => a + b, 0) / levels.length) : null;
}
