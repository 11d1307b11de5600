// systemd-logind's PrepareForSleep signal on the system bus: `false` is sent as the machine resumes. Where there is
// no system bus (containers, macOS, Windows) this does nothing and says so at debug level; clock-jump.ts covers those.
// The bus is $DBUS_SYSTEM_BUS_ADDRESS, else the standard socket path (src/host/dbus-client.ts).
import { openSystemBus } from '../host/dbus-client.ts';
import type { Logger } from '../engine/ports.ts';

const LOGIND = 'org.freedesktop.login1';
const PATH = '/org/freedesktop/login1';
const IFACE = 'org.freedesktop.login1.Manager';

export function watchLogindSleep(opts: { onResume: () => void; logger: Logger; env?: NodeJS.ProcessEnv }): {
  close(): void;
} {
  const env = opts.env ?? process.env;
  const bus = env.DBUS_SYSTEM_BUS_ADDRESS ? openSystemBus(env.DBUS_SYSTEM_BUS_ADDRESS) : openSystemBus();
  if (!bus) {
    opts.logger.debug('no system bus: resume is noticed by the clock check only');
    return { close() {} };
  }
  // Nothing on the bus may stop the agent: a bus that is missing or goes away only ends the watch.
  void bus
    .onSignal(LOGIND, PATH, IFACE, 'PrepareForSleep', (body) => {
      if (body[0] === false) opts.onResume();
    })
    .then((watching) =>
      opts.logger.debug(
        watching
          ? 'watching logind for resume'
          : 'cannot watch logind on the system bus: resume is noticed by the clock check only',
      ),
    );
  return { close: () => bus.close() };
}
