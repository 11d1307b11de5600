#!/usr/bin/env node
// `push-agent`: the push engine without Electron (design.md §10).
import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import pkg from '../../package.json' with { type: 'json' };
import { PushEngine, SubscribeError } from '../engine/engine.ts';
import { streamLogger, silentLogger } from '../engine/log.ts';
import type { Notifier, UrlOpener } from '../engine/ports.ts';
import { StateError } from '../engine/state-schema.ts';
import { HELP, parseCommand, UsageError, type Command, type Common } from './args.ts';
import { openJsonFileStore } from './json-file-store.ts';
import { DataDirLockedError, lockDataDir, lockOwner } from './data-dir-lock.ts';
import { desktopNotifier } from './desktop-notifier.ts';
import { linuxPowerSource } from './linux-power-source.ts';
import { openKeyFileSecretBox } from './key-file-secret-box.ts';

const out = (line: string): void => {
  process.stdout.write(line + '\n');
};
const fail = (code: number, message: string): never => {
  process.stderr.write(`push-agent: ${message}\n`);
  process.exit(code);
};

function createEngine(common: Common, notifier: Notifier): PushEngine {
  fs.mkdirSync(common.dataDir, { recursive: true, mode: 0o700 });
  const logger = common.verbose ? streamLogger((l) => process.stderr.write(l), 'debug') : silentLogger;
  const opener: UrlOpener = {
    open: (url) => new Promise((resolve) => execFile('xdg-open', [url], { timeout: 5000 }, () => resolve())),
  };
  // The low-battery threshold is a preference of the engine, read at each poll.
  let engine: PushEngine | null = null;
  const power = linuxPowerSource({ lowPercent: () => engine?.preferences.current.policy.lowBatteryPercent ?? 20 });
  engine = new PushEngine({
    serviceUrl: common.service,
    dataDir: common.dataDir,
    store: openJsonFileStore(common.dataDir),
    secrets: openKeyFileSecretBox(common.dataDir),
    notifier,
    opener,
    logger,
    power,
  });
  return engine;
}

const noNotifier: Notifier = { show() {}, close() {} };

async function connected(engine: PushEngine): Promise<void> {
  await engine.start();
  try {
    await engine.connection.whenReady(15_000);
  } catch {
    await engine.stop();
    fail(1, `cannot reach the push service at ${engine.status().serviceUrl}`);
  }
}

function statusFile(dir: string): string {
  return path.join(dir, 'status.json');
}

async function run(cmd: Command): Promise<void> {
  if (cmd.name === 'help') return out(HELP);
  if (cmd.name === 'version') return out(pkg.version);
  const { common } = cmd;

  if (cmd.name === 'list' || cmd.name === 'status') {
    // Read-only: allowed while a `listen` holds the data dir.
    const engine = createEngine(common, noNotifier);
    await engine.load();
    if (cmd.name === 'list') {
      const subs = engine.list();
      if (cmd.json) return out(JSON.stringify(subs));
      if (subs.length === 0) return out('No subscriptions. Create one with: push-agent subscribe --label <name>');
      for (const s of subs) out(`${s.id}  ${s.kind.padEnd(8)}  ${s.label}  ${s.origin.startsWith('push-agent:') ? '' : s.origin}`);
      return;
    }
    const pid = lockOwner(common.dataDir);
    let live: unknown = null;
    if (pid !== null) {
      try {
        live = JSON.parse(fs.readFileSync(statusFile(common.dataDir), 'utf8'));
      } catch {
        live = null;
      }
    }
    const s = engine.status();
    const status = { running: pid !== null, pid, ...s, state: pid !== null && live && typeof live === 'object' ? (live as { state: string }).state : 'not running', dataDir: common.dataDir };
    if (cmd.json) return out(JSON.stringify(status));
    out(`push-agent ${pid !== null ? `listening (pid ${pid}), ${status.state}` : 'not running'}`);
    out(`service:       ${s.serviceUrl}`);
    out(`subscriptions: ${s.subscriptions}`);
    out(`data dir:      ${common.dataDir}`);
    if (s.uaidPrefix) out(`agent id:      ${s.uaidPrefix}…`);
    return;
  }

  let lock: { release(): void };
  try {
    lock = lockDataDir(common.dataDir);
  } catch (err) {
    if (err instanceof DataDirLockedError) return fail(3, err.message);
    throw err;
  }
  process.on('exit', () => lock.release());

  if (cmd.name === 'subscribe') {
    const engine = createEngine(common, noNotifier);
    await connected(engine);
    try {
      const info = await engine.subscribe({
        kind: 'endpoint',
        ...(cmd.label ? { label: cmd.label } : {}),
        ...(cmd.applicationServerKey ? { applicationServerKey: cmd.applicationServerKey } : {}),
        ...(cmd.origin ? { origin: cmd.origin } : {}),
      });
      out(JSON.stringify({ id: info.id, endpoint: info.endpoint, expirationTime: info.expirationTime, keys: info.keys }));
    } catch (err) {
      await engine.stop();
      if (err instanceof SubscribeError) return fail(1, err.message);
      throw err;
    }
    await engine.stop();
    return;
  }

  if (cmd.name === 'unsubscribe') {
    const engine = createEngine(common, noNotifier);
    await connected(engine);
    const removed = await engine.unsubscribe(cmd.id);
    await engine.stop();
    if (!removed) return fail(1, `no subscription with id ${cmd.id} (see: push-agent list)`);
    return out(`unsubscribed ${cmd.id}`);
  }

  // listen
  const logger = common.verbose ? streamLogger((l) => process.stderr.write(l), 'debug') : silentLogger;
  const desktop = cmd.json ? null : desktopNotifier(logger);
  const engine = createEngine(common, desktop ?? noNotifier);
  const writeStatus = (state: string) => {
    try {
      fs.writeFileSync(statusFile(common.dataDir), JSON.stringify({ state, at: new Date().toISOString() }), { mode: 0o600 });
    } catch {
      // status is informative only
    }
  };
  engine.on('notification', (n) => {
    if (cmd.json) {
      out(JSON.stringify({ type: 'notification', subscription: n.subscriptionId, origin: n.origin, title: n.title, body: n.body ?? '', tag: n.tag ?? '', data: n.data ?? null, navigate: n.navigate ?? null, receivedAt: new Date(n.receivedAt).toISOString() }));
    } else {
      out(`[${new Date(n.receivedAt).toLocaleTimeString()}] ${oneLine(n.title)}${n.body ? ` — ${oneLine(n.body)}` : ''}`);
    }
  });
  engine.on('state', (state, detail) => {
    writeStatus(state);
    if (cmd.json) out(JSON.stringify({ type: 'status', state, ...detail, at: new Date().toISOString() }));
    else if (state === 'connected') out(`connected to ${common.service}`);
    else if (state === 'waiting') out(`disconnected${detail.code ? ` (${detail.code})` : ''}; retrying in ${Math.round((detail.retryInMs ?? 0) / 1000)} s`);
  });
  engine.on('subscriptionchange', (c) => {
    if (cmd.json) out(JSON.stringify({ type: 'subscriptionchange', subscription: c.subscriptionId, newSubscription: c.newSubscription }));
    else out(`endpoint changed for ${c.subscriptionId}: ${JSON.stringify(c.newSubscription)}`);
  });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await engine.stop();
    writeStatus('stopped');
    lock.release();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  await engine.start();
  if (!cmd.json && engine.list().length === 0) out('No subscriptions yet. Create one with: push-agent subscribe --label <name>');
}

/** Payload text is shown as text: control characters that could steer a terminal are replaced. */
function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
}

let command: Command;
try {
  command = parseCommand(process.argv.slice(2));
} catch (err) {
  if (err instanceof UsageError) fail(2, err.message);
  throw err;
}
run(command!).catch((err: Error) => {
  if (err instanceof StateError) fail(1, err.message);
  fail(1, err.message);
});
