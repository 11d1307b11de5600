// The PowerSource port on powerMonitor: `battery` / `ac` from on-battery / on-ac. Electron reports no battery level,
// so `low` (battery under 20%, design.md §7) is not detected yet: NOT DONE, it needs navigator.getBattery() from a
// renderer. Suspend, resume and lock/unlock are reported through `onWake`/`onSuspend` so main can call engine.wake().
import { powerMonitor } from 'electron';
import type { PowerSource, PowerState } from '../engine/ports.ts';

export interface ElectronPowerSource extends PowerSource {
  /** Resume from sleep or screen unlock: the socket may be dead, reconnect now. */
  onWake(listener: () => void): () => void;
  dispose(): void;
}

export function electronPowerSource(): ElectronPowerSource {
  const listeners = new Set<(s: PowerState) => void>();
  const wakers = new Set<() => void>();
  let state: PowerState = powerMonitor.isOnBatteryPower() ? 'battery' : 'ac';
  const set = (next: PowerState) => {
    if (next === state) return;
    state = next;
    for (const l of listeners) l(next);
  };
  const onBattery = () => set('battery');
  const onAc = () => set('ac');
  const wake = () => {
    // Power may have changed while asleep.
    set(powerMonitor.isOnBatteryPower() ? 'battery' : 'ac');
    for (const w of wakers) w();
  };
  powerMonitor.on('on-battery', onBattery);
  powerMonitor.on('on-ac', onAc);
  powerMonitor.on('resume', wake);
  powerMonitor.on('unlock-screen', wake);
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
      powerMonitor.off('on-battery', onBattery);
      powerMonitor.off('on-ac', onAc);
      powerMonitor.off('resume', wake);
      powerMonitor.off('unlock-screen', wake);
      listeners.clear();
      wakers.clear();
    },
  };
}
