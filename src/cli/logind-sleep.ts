// systemd-logind's PrepareForSleep signal on the system bus: `false` is sent as the machine resumes. Where there is
// no system bus (containers, macOS, Windows) this does nothing and says so at debug level; clock-jump.ts covers those.
// The bus is $DBUS_SYSTEM_BUS_ADDRESS, else the standard socket path.
import type { EventEmitter } from 'node:events';
import fs from 'node:fs';
import dbus from '@homebridge/dbus-native';
import type { Logger } from '../engine/ports.ts';

const LOGIND = 'org.freedesktop.login1';
const PATH = '/org/freedesktop/login1';
const IFACE = 'org.freedesktop.login1.Manager';
const DEFAULT_ADDRESS = 'unix:path=/var/run/dbus/system_bus_socket';

/** The part of the library's bus used here (its bundled types leave out createClient, addMatch, mangle). */
interface Bus {
  connection: EventEmitter & { end(): void };
  signals: EventEmitter;
  addMatch(match: string, callback: (err: unknown) => void): void;
  mangle(path: string, iface: string, member: string): string;
}
const createClient = (dbus as unknown as { createClient(opts: { socket: string }): Bus }).createClient;

/** A unix socket address the Node socket can open itself (the library needs an extra package for abstract ones). */
function unixSocket(address: string): string | null {
  for (const entry of address.split(';')) {
    const [family, params = ''] = entry.split(/:(.*)/s);
    if (family !== 'unix') continue;
    const kv = new Map(params.split(',').map((p) => p.split(/=(.*)/s) as [string, string]));
    if (kv.get('path')) return kv.get('path')!;
    if (kv.get('abstract')) return `\0${kv.get('abstract')}`;
  }
  return null;
}

export function watchLogindSleep(opts: { onResume: () => void; logger: Logger; env?: NodeJS.ProcessEnv }): { close(): void } {
  const address = (opts.env ?? process.env).DBUS_SYSTEM_BUS_ADDRESS || DEFAULT_ADDRESS;
  const socket = unixSocket(address);
  const none = { close() {} };
  if (!socket || (!socket.startsWith('\0') && !fs.existsSync(socket))) {
    opts.logger.debug('no system bus: resume is noticed by the clock check only');
    return none;
  }
  let bus: Bus;
  try {
    bus = createClient({ socket });
  } catch (err) {
    opts.logger.debug('system bus not usable', { error: (err as Error).message });
    return none;
  }
  // Nothing on the bus may stop the agent: errors and a bus that goes away only end the watch.
  bus.connection.on('error', (err: Error) => opts.logger.debug('system bus connection failed', { error: err.message }));
  const match = `type='signal',sender='${LOGIND}',path='${PATH}',interface='${IFACE}',member='PrepareForSleep'`;
  bus.addMatch(match, (err: unknown) => {
    if (err) opts.logger.debug('cannot watch logind on the system bus', { error: String((err as { message?: string }).message ?? err) });
    else opts.logger.debug('watching logind for resume');
  });
  bus.signals.on(bus.mangle(PATH, IFACE, 'PrepareForSleep'), (body: unknown[]) => {
    if (body?.[0] === false) opts.onResume();
  });
  return {
    close() {
      try {
        bus.connection.end();
      } catch {
        // already gone
      }
    },
  };
}
