// The PowerSource port on powerMonitor: `ac` / `battery` from on-ac / on-battery, and `low` when the battery level
// (battery.ts; Linux only, Electron has no level API) is under the preference's threshold, polled only while on
// battery. Resume and unlock are reported through `onWake` so main can call engine.wake() (the socket may be dead).
import { powerMonitor } from 'electron';
import type { PowerSource, PowerState } from '../engine/ports.ts';
import { powerStateFrom } from './battery.ts';

const POLL_MS = 2 * 60_000;

export interface ElectronPowerSource extends PowerSource {
  onWake(listener: () => void): () => void;
  dispose(): void;
}

export function electronPowerSource(opts: { readPercent: () => number | null; lowPercent: () => number }): ElectronPowerSource {
  const listeners = new Set<(s: PowerState) => void>();
  const wakers = new Set<() => void>();
  let poll: ReturnType<typeof setTimeout> | null = null;
  const compute = (): PowerState => {
    const onBattery = powerMonitor.isOnBatteryPower();
    return powerStateFrom(onBattery, onBattery ? opts.readPercent() : null, opts.lowPercent());
  };
  let state: PowerState = compute();
  const refresh = () => {
    const next = compute();
    if (poll) clearTimeout(poll);
    poll = null;
    if (next !== 'ac') {
      poll = setTimeout(refresh, POLL_MS);
      poll.unref();
    }
    if (next === state) return;
    state = next;
    for (const l of [...listeners]) l(next);
  };
  const wake = () => {
    refresh();
    for (const w of [...wakers]) w();
  };
  powerMonitor.on('on-battery', refresh);
  powerMonitor.on('on-ac', refresh);
  powerMonitor.on('resume', wake);
  powerMonitor.on('unlock-screen', wake);
  refresh();
  return {
    current: () => state,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onWake(listener) {
      wakers.add(listener);
      return () => wakers.delete(listener);
    },
    dispose() {
      if (poll) clearTimeout(poll);
      powerMonitor.off('on-battery', refresh);
      powerMonitor.off('on-ac', refresh);
      powerMonitor.off('resume', wake);
      powerMonitor.off('unlock-screen', wake);
      listeners.clear();
      wakers.clear();
    },
  };
}
