// The app's PowerSource: one power report ({onBattery, percent, saver}) for the engine's power policy, which
// decides `low` (policy/power.ts). Resume and unlock go to `onWake` so main can call engine.wake().
// - Linux: src/host/linux-power.ts (sysfs, power-profiles-daemon on the system bus), read again on resume.
//   powerMonitor's on-battery/on-ac are macOS/Windows events, and Chromium's Linux power source reports unknown.
// - macOS and Windows: powerMonitor.isOnBatteryPower() and on-battery/on-ac. Electron 45 has no battery level and
//   no power-saver API on any platform, so `percent` is null and `saver` false there: `low` is Linux-only.
import { powerMonitor } from 'electron';
import type { PowerReport, PowerSource } from '../engine/ports.ts';
import type { LinuxPowerSource } from '../host/linux-power.ts';

export interface ElectronPowerSource extends PowerSource {
  current(): PowerReport;
  onWake(listener: () => void): () => void;
  dispose(): void;
}

export function electronPowerSource(opts: {
  platform: NodeJS.Platform;
  linux?: LinuxPowerSource;
}): ElectronPowerSource {
  const wakers = new Set<() => void>();
  const listeners = new Set<(r: PowerReport) => void>();
  const linux = opts.platform === 'linux' ? opts.linux : undefined;
  const electronReport = (): PowerReport => ({
    onBattery: powerMonitor.isOnBatteryPower(),
    percent: null,
    saver: false,
  });
  let report = linux ? linux.current() : electronReport();
  const offLinux = linux?.onChange((r) => {
    report = r as PowerReport;
    for (const l of [...listeners]) l(report);
  });
  const fromElectron = () => {
    const next = electronReport();
    if (next.onBattery === report.onBattery) return;
    report = next;
    for (const l of [...listeners]) l(report);
  };
  const wake = () => {
    if (linux) void linux.refresh();
    for (const w of [...wakers]) w();
  };
  const platformEvents = opts.platform === 'darwin' || opts.platform === 'win32';
  if (platformEvents && !linux) {
    powerMonitor.on('on-battery', fromElectron);
    powerMonitor.on('on-ac', fromElectron);
  }
  powerMonitor.on('resume', wake);
  if (platformEvents) powerMonitor.on('unlock-screen', wake);
  return {
    current: () => report,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onWake(listener) {
      wakers.add(listener);
      return () => wakers.delete(listener);
    },
    dispose() {
      offLinux?.();
      linux?.dispose();
      powerMonitor.off('on-battery', fromElectron);
      powerMonitor.off('on-ac', fromElectron);
      powerMonitor.off('resume', wake);
      powerMonitor.off('unlock-screen', wake);
      listeners.clear();
      wakers.clear();
    },
  };
}
