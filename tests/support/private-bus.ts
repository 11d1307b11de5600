// A private D-Bus daemon for a test (`dbus-daemon --session` on a socket in a temporary directory) and a real peer
// on it that owns a name and answers Properties.Get, standing in for power-profiles-daemon or a tray host. Both
// are real D-Bus: the code under test talks the wire protocol to a real bus daemon and a real peer. When
// dbus-daemon is not installed, `startPrivateBus` returns null and the test skips with the reason.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import dbus from '@homebridge/dbus-native';
import type { TestContext } from 'node:test';

export interface PrivateBus {
  address: string;
  stop(): void;
}

export function startPrivateBus(): PrivateBus | null {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'private-bus-'));
  const address = `unix:path=${path.join(dir, 'bus')}`;
  const r = spawnSync('dbus-daemon', ['--session', `--address=${address}`, '--fork', '--print-pid'], {
    encoding: 'utf8',
  });
  if (r.error || r.status !== 0) return null;
  const pid = Number(r.stdout.trim().split('\n')[0]);
  return {
    address,
    stop() {
      try {
        process.kill(pid);
      } catch {
        // already gone
      }
    },
  };
}

/** The library's connection, typed as far as the peers here use it. */
export interface RawBus {
  requestName(name: string, flags: number, cb: (err: unknown, code: number) => void): void;
  releaseName(name: string, cb: (err: unknown) => void): void;
  exportInterface(
    obj: object,
    path: string,
    iface: {
      name: string;
      // [in signature, out signature, in names, out names]
      methods: Record<string, [string, string, string[], string[]]>;
      properties: Record<string, string>;
      // [signature, ...names]
      signals: Record<string, string[]>;
    },
  ): void;
  connection: { end(): void; on(e: string, f: () => void): void };
}

/** A peer's own connection to the bus at `address`. */
export function connectPeer(address: string): RawBus {
  const bus = (dbus as unknown as { sessionBus(o: { busAddress: string }): RawBus }).sessionBus({
    busAddress: address,
  });
  bus.connection.on('error', () => {});
  return bus;
}

/** Owns `name` on the bus, or rejects when another peer owns it. */
export function ownName(bus: RawBus, name: string): Promise<void> {
  // Flag 4 = DBUS_NAME_FLAG_DO_NOT_QUEUE; reply 1 = primary owner.
  return new Promise<void>((resolve, reject) =>
    bus.requestName(name, 4, (err, code) =>
      err || code !== 1 ? reject(new Error(`could not own ${name}: ${String(code)}`)) : resolve(),
    ),
  );
}

/** Ends the connection; resolves once the bus has dropped it (and so the peer's names), so another can own them. */
export function closePeer(bus: RawBus): Promise<void> {
  return new Promise<void>((resolve) => {
    bus.connection.on('end', resolve);
    bus.connection.end();
    setTimeout(resolve, 200).unref();
  });
}

/** A private bus stopped when `t` ends; null, with the test skipped and the reason printed, without dbus-daemon. */
export function privateBusForTest(t: TestContext): PrivateBus | null {
  const bus = startPrivateBus();
  if (!bus) {
    console.log('SKIPPED: dbus-daemon is not installed');
    t.skip('no dbus-daemon');
    return null;
  }
  t.after(() => bus.stop());
  return bus;
}

export interface FakePeer {
  /** Properties (iface -> name -> string value) the peer answers; change them at will. */
  properties: Record<string, Record<string, string>>;
  release(name: string): Promise<void>;
  close(): Promise<void>;
}

/** A peer on `address` owning `name`, answering Properties.Get on `objectPath` from `properties`. */
export async function fakePeer(
  address: string,
  name: string,
  objectPath: string,
  properties: Record<string, Record<string, string>> = {},
): Promise<FakePeer> {
  const bus = connectPeer(address);
  // The library answers Properties.Get from the exported object's own fields.
  for (const [iface, values] of Object.entries(properties)) {
    bus.exportInterface(values, objectPath, {
      name: iface,
      methods: {},
      properties: Object.fromEntries(Object.keys(values).map((k) => [k, 's'])),
      signals: {},
    });
  }
  await ownName(bus, name);
  return {
    properties,
    release: (n) => new Promise<void>((resolve) => bus.releaseName(n, () => resolve())),
    // Resolves once the bus has dropped the peer's names, so that the next peer can own them.
    close: () => closePeer(bus),
  };
}
