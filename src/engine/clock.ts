// The real clock. Tests use tests/support/manual-clock.ts instead.
import type { Clock, TimerHandle } from './ports.ts';

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms) as TimerHandle,
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
