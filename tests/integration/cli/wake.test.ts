// `listen` reconnects at once when the machine wakes: a private D-Bus daemon stands in for the system bus, a test peer
// owns org.freedesktop.login1 and emits PrepareForSleep the way logind does; and a real SIGSTOP/SIGCONT of the
// process stands in for a freeze. The reconnect is seen as a new hello at the local push service.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import dbus from '@homebridge/dbus-native';
import { startPushService, type PushService } from '../../../tools/push-service/index.ts';
import { CLOCK_JUMP_PERIOD_MS, CLOCK_JUMP_THRESHOLD_MS } from '../../../src/cli/clock-jump.ts';
import { tempDir, waitFor } from '../../support/engine-harness.ts';
import { listen, type Listener } from '../../support/push-agent-process.ts';

interface Bus {
  connection: EventEmitter & { end(): void };
  requestName(name: string, flags: number, cb: (err: unknown, code: number) => void): void;
  sendSignal(path: string, iface: string, name: string, signature: string, args: unknown[]): void;
}
const createClient = (dbus as unknown as { createClient(o: { socket: string }): Bus }).createClient;

/** A bus daemon with the system bus's type, listening on a socket file in `dir`; anyone may own any name on it. */
async function startBus(dir: string): Promise<{ proc: ChildProcess; address: string; socket: string }> {
  const socket = path.join(dir, 'system_bus_socket');
  const config = path.join(dir, 'bus.conf');
  fs.writeFileSync(
    config,
    `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=${socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
`,
  );
  const proc = spawn('dbus-daemon', [`--config-file=${config}`, '--nofork', '--print-address'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Its complaints (it cannot raise the fd limit unprivileged...) are shown only if it does not start.
  let err = '';
  proc.stderr!.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const address = await new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      if (out.includes('\n')) resolve(out.trim());
    });
    proc.on('error', reject);
    proc.on('exit', (code) => reject(new Error(`dbus-daemon exited with ${code}: ${err}`)));
  });
  return { proc, address, socket };
}

describe('listen reconnects on wake', () => {
  let service: PushService;
  const hellos: number[] = [];
  const listeners: Listener[] = [];
  before(async () => {
    service = await startPushService();
    service.events.on('hello', (e: { at: number }) => hellos.push(e.at));
  });
  after(async () => {
    for (const l of listeners) await l.stop();
    await service.close();
  });

  test("logind's PrepareForSleep(false) on the system bus: a new hello at once; PrepareForSleep(true) changes nothing", async (t) => {
    if (!fs.existsSync('/usr/bin/dbus-daemon')) return t.skip('SKIPPED: dbus-daemon is not installed');
    const dir = tempDir();
    const bus = await startBus(dir);
    let logind: Bus | null = null;
    try {
      const l = listen(path.join(dir, 'data'), service.wsUrl, {
        extra: ['--verbose'],
        env: { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: bus.address },
      });
      listeners.push(l);
      await waitFor('connected', () => l.lines.some((x) => x.type === 'status' && x.state === 'connected'), 20_000);
      await waitFor('watching logind', () => l.stderr().includes('watching logind for resume'), 20_000);

      // The stand-in logind: owns the name (the agent's match names that sender), then signals.
      logind = createClient({ socket: bus.socket });
      logind.connection.on('error', () => {});
      const code = await new Promise<number>((resolve, reject) =>
        logind!.requestName('org.freedesktop.login1', 0, (err, c) => (err ? reject(err as Error) : resolve(c))),
      );
      assert.equal(code, 1, 'primary owner of org.freedesktop.login1');

      const before = hellos.length;
      logind.sendSignal('/org/freedesktop/login1', 'org.freedesktop.login1.Manager', 'PrepareForSleep', 'b', [true]);
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(hellos.length, before, 'going to sleep: no reconnect');

      const sentAt = performance.now();
      logind.sendSignal('/org/freedesktop/login1', 'org.freedesktop.login1.Manager', 'PrepareForSleep', 'b', [false]);
      await waitFor('a new hello', () => hellos.length > before, 10_000);
      const ms = Math.round(hellos[before]! - sentAt);
      t.diagnostic(`new hello ${ms} ms after PrepareForSleep(false)`);
      await waitFor(
        'connected again',
        () => l.lines.filter((x) => x.type === 'status' && x.state === 'connected').length === 2,
        10_000,
      );
      assert.match(l.stderr(), /woke up: reconnecting.*resumed from sleep \(logind\)/);
      assert.equal(l.proc.exitCode, null);
    } finally {
      logind?.connection.end();
      bus.proc.kill();
    }
  });

  test('without a system bus, listen runs and says so only in --verbose', async () => {
    const dir = tempDir();
    const l = listen(dir, service.wsUrl, {
      extra: ['--verbose'],
      env: { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: `unix:path=${path.join(dir, 'no-such-bus')}` },
    });
    listeners.push(l);
    await waitFor('connected', () => l.lines.some((x) => x.type === 'status' && x.state === 'connected'), 20_000);
    await waitFor('said', () => l.stderr().includes('no system bus'), 5_000);
    await l.stop();
    assert.equal(await l.exited, 0);
  });

  test(
    'a process frozen (SIGSTOP) for longer than the clock check allows reconnects when it runs again (SIGCONT)',
    { timeout: 120_000 },
    async (t) => {
      const dir = tempDir();
      // No bus: only the clock check can notice.
      const l = listen(dir, service.wsUrl, {
        extra: ['--verbose'],
        env: { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: `unix:path=${path.join(dir, 'no-such-bus')}` },
      });
      listeners.push(l);
      await waitFor('connected', () => l.lines.some((x) => x.type === 'status' && x.state === 'connected'), 20_000);
      const before = hellos.length;
      l.proc.kill('SIGSTOP');
      const frozenMs = CLOCK_JUMP_PERIOD_MS + CLOCK_JUMP_THRESHOLD_MS + 3_000;
      await new Promise((r) => setTimeout(r, frozenMs));
      const contAt = performance.now();
      l.proc.kill('SIGCONT');
      // Its next tick is due at once (the period passed while frozen).
      await waitFor('a new hello', () => hellos.length > before, CLOCK_JUMP_PERIOD_MS + 10_000);
      t.diagnostic(`new hello ${Math.round(hellos[before]! - contAt)} ms after SIGCONT (frozen ${frozenMs} ms)`);
      assert.match(l.stderr(), /woke up: reconnecting.*process was frozen/);
    },
  );
});
