// The few D-Bus questions the hosts ask: power-profiles-daemon's active profile (system bus), whether a tray host
// or a Secret Service is running (session bus). On @homebridge/dbus-native (pure JavaScript, no native build).
// Every answer is "null = could not tell": a missing bus, a peer that does not answer within the timeout, or a
// malformed reply never throws, and never reaches past this module.
import { existsSync } from 'node:fs';
import dbus from '@homebridge/dbus-native';

export interface DBusClient {
  /** Whether `name` has an owner on the bus; null when the bus did not answer. */
  nameHasOwner(name: string): Promise<boolean | null>;
  /** A property's value (unwrapped from its variant); null when absent or unanswered. */
  getProperty(destination: string, path: string, iface: string, property: string): Promise<unknown>;
  /** Calls `listener` with the body of each matching signal; resolves false when the bus refused the match. */
  onSignal(
    sender: string,
    path: string,
    iface: string,
    member: string,
    listener: (body: unknown[]) => void,
  ): Promise<boolean>;
  close(): void;
}

interface RawBus {
  invoke(message: Record<string, unknown>, callback: (error: unknown, ...values: unknown[]) => void): void;
  addMatch(match: string, callback: (error: unknown) => void): void;
  mangle(path: string, iface: string, member: string): string;
  signals: { on(event: string, fn: (body: unknown[]) => void): void };
  connection: { on(event: string, fn: (...args: unknown[]) => void): void; end(): void; stream?: { unref?(): void } };
}

/** The user's session bus (DBUS_SESSION_BUS_ADDRESS); null when there is none. */
export function openSessionBus(address = process.env.DBUS_SESSION_BUS_ADDRESS): DBusClient | null {
  return address ? openBus(address) : null;
}

/** The system bus (DBUS_SYSTEM_BUS_ADDRESS, else the standard socket); null when it cannot be opened. */
export function openSystemBus(
  address = process.env.DBUS_SYSTEM_BUS_ADDRESS ?? 'unix:path=/var/run/dbus/system_bus_socket',
): DBusClient | null {
  return openBus(address);
}

/** Opens the bus at a D-Bus address (`unix:path=...`); null when it cannot. */
export function openBus(address: string, timeoutMs = 2_000): DBusClient | null {
  // A socket file that is not there is no bus: say so now rather than through a connection error later.
  const socketPath = /^unix:path=([^,;]+)/.exec(address)?.[1];
  if (socketPath && !existsSync(socketPath)) return null;
  let bus: RawBus;
  try {
    // The package's typings declare only systemBus(); sessionBus({ busAddress }) connects to any address.
    bus = (dbus as unknown as { sessionBus(opts: { busAddress: string }): RawBus }).sessionBus({ busAddress: address });
  } catch {
    // An address form we cannot open (e.g. an abstract socket without its optional module).
    return null;
  }
  // The socket must never keep a command alive that has finished its work.
  (bus.connection as { stream?: { unref?(): void } }).stream?.unref?.();
  let broken = false;
  // A bus that goes away later is an absent bus, not a crash.
  bus.connection.on('error', () => {
    broken = true;
  });
  bus.connection.on('end', () => {
    broken = true;
  });
  const call = (message: Record<string, unknown>) =>
    new Promise<unknown[] | null>((resolve) => {
      if (broken) return resolve(null);
      const timer = setTimeout(() => resolve(null), timeoutMs);
      timer.unref();
      try {
        bus.invoke(message, (error, ...values) => {
          clearTimeout(timer);
          resolve(error ? null : values);
        });
      } catch {
        clearTimeout(timer);
        resolve(null);
      }
    });
  return {
    async nameHasOwner(name) {
      const r = await call({
        destination: 'org.freedesktop.DBus',
        path: '/org/freedesktop/DBus',
        interface: 'org.freedesktop.DBus',
        member: 'NameHasOwner',
        signature: 's',
        body: [name],
      });
      return r && typeof r[0] === 'boolean' ? r[0] : null;
    },
    async getProperty(destination, path, iface, property) {
      const r = await call({
        destination,
        path,
        interface: 'org.freedesktop.DBus.Properties',
        member: 'Get',
        signature: 'ss',
        body: [iface, property],
      });
      // dbus-native hands a variant over as [signature, [value]].
      const variant = r?.[0];
      if (!Array.isArray(variant) || !Array.isArray(variant[1])) return null;
      return variant[1][0] ?? null;
    },
    onSignal(sender, path, iface, member, listener) {
      return new Promise<boolean>((resolve) => {
        if (broken) return resolve(false);
        bus.signals.on(bus.mangle(path, iface, member), (body) => listener(Array.isArray(body) ? body : []));
        try {
          bus.addMatch(
            `type='signal',sender='${sender}',path='${path}',interface='${iface}',member='${member}'`,
            (error) => resolve(!error),
          );
        } catch {
          resolve(false);
        }
      });
    },
    close() {
      broken = true;
      try {
        bus.connection.end();
      } catch {
        // already closed
      }
    },
  };
}
