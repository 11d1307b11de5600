// When the machine resumes (or this process was frozen), the headless agent reconnects at once rather than waiting
// for a dead socket to time out: logind's signal where there is a system bus, the clock check everywhere.
import type { Logger } from '../engine/ports.ts';
import { watchClockJumps } from './clock-jump.ts';
import { watchLogindSleep } from './logind-sleep.ts';

/** A resume reported twice (logind, then the clock check) or a burst of signals on the bus reconnects once. */
const MIN_WAKE_INTERVAL_MS = 5_000;

export function watchForWake(opts: { onWake: (reason: string) => void; logger: Logger }): { stop(): void } {
  let last = -Infinity;
  const wake = (reason: string) => {
    const now = performance.now();
    if (now - last < MIN_WAKE_INTERVAL_MS) return;
    last = now;
    opts.onWake(reason);
  };
  const clock = watchClockJumps({ onJump: (gapMs) => wake(`process was frozen ~${Math.round(gapMs / 1000)} s`) });
  const logind = watchLogindSleep({ onResume: () => wake('resumed from sleep (logind)'), logger: opts.logger });
  return {
    stop() {
      clock.stop();
      logind.close();
    },
  };
}
