#!/usr/bin/env -S node --max-semi-space-size=1
// The young generation is capped at 1 MiB per semi-space: V8 grows it up to 32 MiB while start-up parses the state
// and opens every subscription, and an idle listener keeps it committed (64 MiB of RSS at 10,000 subscriptions,
// 16 MiB at 1,000; docs/PERFORMANCE.md); at 2 MiB an idle listener still kept 4 MiB of it (2 more than at 1).
// Messages are small, so the cap costs more scavenges, not throughput (draining 1,000 stored messages: 83 scavenges
// instead of 44, the same CPU time).
// `push-agent`: the push engine without Electron, as a command.
import fs from 'node:fs';
import { execFile } from 'node:child_process';
import pkg from '../../package.json' with { type: 'json' };
import { PushEngine, SubscribeError } from '../engine/engine.ts';
import { displayUrl, streamLogger, silentLogger } from '../engine/log.ts';
import type { Notifier, UrlOpener } from '../engine/ports.ts';
import { StateError } from '../engine/state-schema.ts';
import { embeddedServiceUrl, PushServiceError, startEmbeddedService, type PushService } from '../push-service/index.ts';
import { HELP, LOCAL_SERVICE, parseCommand, UsageError, type Command, type Common } from './args.ts';
import { openJsonFileStore } from './json-file-store.ts';
import { clockTime, printList, printStatus, statusReport, subscriptionOutput } from './command-output.ts';
import { routeCommand, type Route } from './control-client.ts';
import { agentHandlers } from './control-handlers.ts';
import { ControlError } from './control-protocol.ts';
import { controlPath, startControlServer, type ControlServer } from './control-socket.ts';
import { DataDirLockedError, lockDataDir, lockOwner, type DataDirLock } from './data-dir-lock.ts';
import { desktopNotifier } from './desktop-notifier.ts';
import { linuxPowerSource } from '../host/linux-power.ts';
import { openSystemBus } from '../host/dbus-client.ts';
import { proxyFromEnv, ResolvingProxyAgent } from '../host/proxy.ts';
import { keyFilePath, keyFileProblem, openKeyFileSecretBox } from './key-file-secret-box.ts';
import { Progress } from './progress.ts';
import { runSend, SendInputError, SendNetworkError } from './send.ts';
import { runOnListener } from './remote-command.ts';
import { watchForWake } from './wake.ts';
import { AgentBrowser, SiteWindowError } from './agent-browser.ts';
import {
  addSite,
  printSiteAdd,
  printSiteList,
  removedLine,
  removeSite,
  siteLines,
  SiteNotFoundError,
} from './site-commands.ts';
import { notificationPrompt, withdrawQuestions } from './terminal-prompt.ts';
import { liveStatus, writeLiveStatus } from './status.ts';

const out = (line: string): void => {
  process.stdout.write(line + '\n');
};
const fail = (code: number, message: string): never => {
  process.stderr.write(`push-agent: ${message}\n`);
  process.exit(code);
};

/** The engine on this data dir, its state loaded. Stops the command, changing nothing, when the key cannot open it. */
async function createEngine(
  common: Common,
  serviceUrl: string,
  notifier: Notifier,
  opts: { readOnly?: boolean; browser?: AgentBrowser } = {},
): Promise<PushEngine> {
  if (!opts.readOnly) fs.mkdirSync(common.dataDir, { recursive: true, mode: 0o700 });
  const store = openJsonFileStore(common.dataDir, { readOnly: opts.readOnly === true });
  const problem = keyFileProblem(common.dataDir, store);
  if (problem) fail(1, problem.message);
  const logger = common.verbose ? streamLogger((l) => process.stderr.write(l), 'debug') : silentLogger;
  const opener: UrlOpener = {
    open: (url) => new Promise((resolve) => execFile('xdg-open', [url], { timeout: 5000 }, () => resolve())),
  };
  // A power report (sysfs + power-profiles-daemon); the engine's power policy decides `low` from it.
  const power = linuxPowerSource({ bus: process.platform === 'linux' ? openSystemBus() : null });
  const engine = new PushEngine({
    serviceUrl,
    dataDir: common.dataDir,
    store,
    secrets: openKeyFileSecretBox(common.dataDir, store),
    notifier,
    opener,
    logger,
    power,
    // HTTPS_PROXY / https_proxy / NO_PROXY, read at each connection attempt (host/proxy.ts).
    connection: { agent: new ResolvingProxyAgent(async () => proxyFromEnv(serviceUrl)) },
    ...(opts.browser ? { workerHost: opts.browser } : {}),
    // The browser's permission store (made at attach, below): read for notifications a worker shows outside a push.
    ...(opts.browser ? { permissions: { state: (origin: string) => opts.browser!.permissions.state(origin) } } : {}),
  });
  opts.browser?.attach(engine, store);
  await engine.load();
  const aside = engine.status().subscriptionsAside;
  if (engine.status().subscriptions === 0 && aside.locked + aside.unopened > 0) {
    // Not one opens: the key is not the one they were sealed with. Going on would treat them as gone.
    fail(
      1,
      `the subscriptions in ${common.dataDir} do not open with the key file ${keyFilePath(common.dataDir)} (was it replaced?); nothing was changed`,
    );
  }
  return engine;
}

const noNotifier: Notifier = { show() {}, close() {} };

const progress = Progress.forStderr();

/** The push service for a command that connects: the URL given, or the embedded one started for this data dir. */
async function openService(common: Common): Promise<{ url: string; embedded: PushService | null }> {
  if (common.service !== LOCAL_SERVICE) return { url: common.service, embedded: null };
  fs.mkdirSync(common.dataDir, { recursive: true, mode: 0o700 });
  try {
    const embedded = await startEmbeddedService(common.dataDir);
    return { url: embedded.wsUrl, embedded };
  } catch (err) {
    if (err instanceof PushServiceError) return fail(1, err.message);
    throw err;
  }
}

/** For read-only commands: the URL without starting anything (the embedded service's, if it ever ran here). */
function knownServiceUrl(common: Common): string {
  if (common.service !== LOCAL_SERVICE) return common.service;
  // Before its first run in this data dir there is no port yet: the choice itself.
  return embeddedServiceUrl(common.dataDir) ?? LOCAL_SERVICE;
}

async function connected(
  engine: PushEngine,
  serviceUrl: string,
  timeoutSeconds: number | null,
  closeService: () => Promise<void>,
): Promise<void> {
  progress.watch(engine, serviceUrl);
  await engine.start();
  try {
    // With --timeout its own deadline says "timed out"; without, 15 s of silence means the service is unreachable.
    await engine.whenConnected(timeoutSeconds !== null ? timeoutSeconds * 1000 + 5_000 : 15_000);
  } catch {
    await engine.stop();
    await closeService();
    fail(1, `cannot reach the push service at ${engine.status().serviceUrl}`);
  }
}

/** --timeout: the whole command, whatever it is waiting for, ends with exit 1 after that many seconds. */
function deadline(seconds: number | null): void {
  if (seconds === null) return;
  setTimeout(() => fail(1, `timed out after ${seconds} s waiting for ${progress.waitingFor}`), seconds * 1000).unref();
}

function readStdin(): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (c: Buffer) => chunks.push(c));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks)));
    process.stdin.on('error', reject);
  });
}

async function run(cmd: Command): Promise<void> {
  if (cmd.name === 'help') return out(HELP);
  if (cmd.name === 'version') return out(pkg.version);
  const { common } = cmd;
  if ('timeoutSeconds' in cmd) deadline(cmd.timeoutSeconds ?? null);

  if (cmd.name === 'send') {
    // Reads the data dir only (no lock): it works while `listen` runs.
    progress.step("the push service's answer");
    let code: number;
    try {
      code = await runSend(cmd, {
        lookup: async (id) => {
          const engine = await createEngine(common, knownServiceUrl(common), noNotifier, { readOnly: true });
          const record = engine.subscription(id);
          const json = engine.subscriptionJSON(id);
          if (!record || !json) return null;
          if (record.kind === 'legacy')
            throw new SendInputError(`${id} is a Simple Push registration: it takes no Web Push messages`);
          return { json, applicationServerKey: record.applicationServerKey };
        },
        readStdin,
        out,
      });
    } catch (err) {
      if (err instanceof SendInputError) return fail(2, err.message);
      if (err instanceof SendNetworkError) return fail(1, err.message);
      throw err;
    }
    process.exit(code); // not held open by fetch's idle keep-alive socket
  }

  if (cmd.name !== 'listen') {
    // A running `listen` does them (control-client.ts); otherwise they work on the data dir, as below.
    let route: Route;
    try {
      route = await routeCommand(common.dataDir, {
        needLock: cmd.name !== 'list' && cmd.name !== 'status' && cmd.name !== 'site-list',
      });
    } catch (err) {
      if (err instanceof DataDirLockedError) return fail(3, err.message);
      if (err instanceof ControlError) return fail(1, err.message);
      throw err;
    }
    if (route.kind === 'listener')
      return runOnListener(cmd, route.client, {
        out,
        err: (l) => process.stderr.write(`${l}\n`),
        fail,
        step: (w) => progress.step(w),
      });
  }

  if (cmd.name === 'site-list') {
    const engine = await createEngine(common, knownServiceUrl(common), noNotifier, { readOnly: true });
    return printSiteList(siteLines(engine), cmd.json, out);
  }

  if (cmd.name === 'list' || cmd.name === 'status') {
    // Read-only: allowed while another command holds the data dir.
    const engine = await createEngine(common, knownServiceUrl(common), noNotifier, { readOnly: true });
    if (cmd.name === 'list') return printList(engine.list(), cmd.json, out);
    const holder = await lockOwner(common.dataDir);
    const running = holder !== null;
    const pid = holder !== null && holder > 0 ? holder : null;
    const live = running ? liveStatus(common.dataDir) : null;
    return printStatus(
      statusReport({ running, pid, engine: engine.status(), live, dataDir: common.dataDir }),
      cmd.json,
      out,
    );
  }

  const service = await openService(common);
  const closeService = async (): Promise<void> => {
    await service.embedded?.close();
  };

  if (cmd.name === 'subscribe') {
    const engine = await createEngine(common, service.url, noNotifier);
    await connected(engine, service.url, cmd.timeoutSeconds ?? null, closeService);
    progress.step('the push service to register the endpoint');
    try {
      const info = await engine.subscribe({
        kind: 'endpoint',
        ...(cmd.label ? { label: cmd.label } : {}),
        ...(cmd.applicationServerKey ? { applicationServerKey: cmd.applicationServerKey } : {}),
        ...(cmd.origin ? { origin: cmd.origin } : {}),
      });
      out(subscriptionOutput(info));
    } catch (err) {
      await engine.stop();
      await closeService();
      if (err instanceof SubscribeError) return fail(1, err.message);
      throw err;
    }
    await engine.stop();
    await closeService();
    return;
  }

  if (cmd.name === 'site-add' || cmd.name === 'site-remove') {
    const logger = common.verbose ? streamLogger((l) => process.stderr.write(l), 'debug') : silentLogger;
    const browser = new AgentBrowser({
      dataDir: common.dataDir,
      browser: cmd.browser ?? null,
      logger,
      note: (l) => process.stderr.write(`push-agent: ${l}\n`),
    });
    const engine = await createEngine(common, service.url, noNotifier, { browser });
    await connected(engine, service.url, null, closeService);
    const finish = async () => {
      await engine.stop(); // closes the browser too
      await closeService();
    };
    try {
      if (cmd.name === 'site-add') {
        const prompt = cmd.allowNotifications ? null : notificationPrompt;
        const result = await addSite(engine, browser, cmd.url, {
          headless: cmd.headless,
          allowNotifications: cmd.allowNotifications,
          prompt,
          closeAfterMs: cmd.closeAfterSeconds === null ? null : cmd.closeAfterSeconds * 1000,
        }).finally(withdrawQuestions);
        await finish();
        return printSiteAdd(result, out, (l) => process.stderr.write(`${l}\n`));
      }
      progress.step('the push service to unregister the endpoints');
      const { removed, origin } = await removeSite(engine, browser, cmd.origin);
      await finish();
      return out(removedLine({ origin, removed }));
    } catch (err) {
      await finish();
      if (err instanceof SiteWindowError || err instanceof SiteNotFoundError) return fail(1, err.message);
      throw err;
    }
  }

  if (cmd.name === 'unsubscribe') {
    const engine = await createEngine(common, service.url, noNotifier);
    await connected(engine, service.url, cmd.timeoutSeconds ?? null, closeService);
    progress.step('the push service to unregister the endpoint');
    const removed = await engine.unsubscribe(cmd.id);
    await engine.stop();
    await closeService();
    if (!removed) return fail(1, `no subscription with id ${cmd.id} (see: push-agent list)`);
    return out(`unsubscribed ${cmd.id}`);
  }

  // listen: owns the data dir, and tells commands where its control socket is.
  let control: ControlServer | null = null;
  let lock: DataDirLock;
  try {
    lock = await lockDataDir(common.dataDir, { control: () => control?.path ?? null });
  } catch (err) {
    if (err instanceof DataDirLockedError) return fail(3, err.message);
    throw err;
  }
  const logger = common.verbose ? streamLogger((l) => process.stderr.write(l), 'debug') : silentLogger;
  const desktop = cmd.json ? null : desktopNotifier(logger);
  // Sites' service workers run in the agent's browser, started when a push needs one (agent-browser.ts).
  const browser = new AgentBrowser({
    dataDir: common.dataDir,
    browser: cmd.browser ?? null,
    logger,
    note: (l) => process.stderr.write(`push-agent: ${l}\n`),
    available: () => engine.workerHostAvailable(),
  });
  const engine = await createEngine(common, service.url, desktop ?? noNotifier, { browser });
  if (service.embedded) process.stderr.write(`push service: ${service.embedded.wsUrl} (embedded)\n`);
  // What `status` reports about this process: written on each state change and, at most once a second, as
  // messages are handled.
  let state = 'stopped';
  let messagesHandled = 0;
  let pendingWrite: NodeJS.Timeout | null = null;
  const writeStatus = (next?: string) => {
    if (next !== undefined) state = next;
    if (pendingWrite) clearTimeout(pendingWrite);
    pendingWrite = null;
    writeLiveStatus(common.dataDir, {
      state,
      messagesHandled,
      awaitingReregistration: engine.status().pendingReregistrations,
      serviceUrl: displayUrl(service.url),
    });
  };
  engine.on('fate', () => {
    messagesHandled++;
    pendingWrite ??= setTimeout(() => writeStatus(), 1000).unref();
  });
  engine.on('subscriptions', () => writeStatus());
  engine.on('notification', (n) => {
    if (cmd.json) {
      out(
        JSON.stringify({
          type: 'notification',
          subscription: n.subscriptionId,
          origin: n.origin,
          title: n.title,
          body: n.body ?? '',
          tag: n.tag ?? '',
          data: n.data ?? null,
          navigate: n.navigate ?? null,
          receivedAt: new Date(n.receivedAt).toISOString(),
        }),
      );
    } else {
      out(`[${clockTime(n.receivedAt)}] ${oneLine(n.title)}${n.body ? ` — ${oneLine(n.body)}` : ''}`);
    }
  });
  engine.on('state', (state, detail) => {
    writeStatus(state);
    if (cmd.json) out(JSON.stringify({ type: 'status', state, ...detail, at: new Date().toISOString() }));
    else if (state === 'connected') out(`connected to ${displayUrl(service.url)}`);
    else if (state === 'waiting')
      out(
        `disconnected${detail.code ? ` (${detail.code})` : ''}; retrying in ${Math.round((detail.retryInMs ?? 0) / 1000)} s`,
      );
  });
  engine.on('subscriptionchange', (c) => {
    if (cmd.json)
      out(
        JSON.stringify({
          type: 'subscriptionchange',
          subscription: c.subscriptionId,
          newSubscription: c.newSubscription,
        }),
      );
    else out(`endpoint changed for ${c.subscriptionId}: ${JSON.stringify(c.newSubscription)}`);
  });
  // After a suspend the socket may be dead without a word: reconnect now, not when a ping finally goes unanswered.
  const wake = watchForWake({
    logger,
    onWake: (reason) => {
      logger.info('woke up: reconnecting', { reason });
      engine.reconnect(reason);
      engine.wake();
    },
  });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    wake.stop();
    await control?.close();
    await engine.stop();
    await closeService();
    writeStatus('stopped');
    await lock.release();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  await engine.start();
  try {
    control = await startControlServer(
      controlPath(common.dataDir),
      agentHandlers({
        engine,
        browser,
        dataDir: common.dataDir,
        serviceUrl: displayUrl(common.service),
        state: () => state,
        messagesHandled: () => messagesHandled,
      }),
    );
  } catch (err) {
    // Listening goes on; the other commands then find the data dir in use (exit 3), as before there was a socket.
    process.stderr.write(
      `push-agent: no control socket, other commands cannot reach this listen: ${(err as Error).message}\n`,
    );
  }
  if (!cmd.json && engine.list().length === 0)
    out('No subscriptions yet. Create one with: push-agent subscribe --label <name>');
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
