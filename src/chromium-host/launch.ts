// Starts a Chromium (Debian's by default) with a DevTools endpoint and connects chrome-remote-interface to its
// browser target. We launch it ourselves rather than through playwright-core: Playwright auto-attaches service
// workers and resumes them at once, and the host must be the one owner of the auto-attach to hold each worker until
// the service-worker script has run.

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type CDP from 'chrome-remote-interface';

export interface LaunchOptions {
  executablePath?: string;
  /** The browser profile (service-worker registrations, caches, IndexedDB live here). A temporary one otherwise. */
  userDataDir?: string;
  headless?: boolean;
  extraArgs?: string[];
  /** How long to wait for the DevTools endpoint (default 30 s). */
  timeoutMs?: number;
}

export interface LaunchedBrowser {
  client: CDP.Client;
  process: ChildProcess;
  userDataDir: string;
  close(): Promise<void>;
}

export class BrowserLaunchError extends Error {
  readonly kind = 'browser-launch-failed';
  constructor(message: string) {
    super(message);
    this.name = 'BrowserLaunchError';
  }
}

const BASE_ARGS = [
  '--remote-debugging-port=0',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-gpu',
  // Chromium's own sandbox needs user namespaces, which containers and root do not offer.
  '--no-sandbox',
];

export async function launchChromium(opts: LaunchOptions = {}): Promise<LaunchedBrowser> {
  const owned = !opts.userDataDir;
  const userDataDir = opts.userDataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'push-agent-chromium-'));
  const args = [
    ...BASE_ARGS,
    `--user-data-dir=${userDataDir}`,
    ...(opts.headless === false ? [] : ['--headless=new']),
    ...(opts.extraArgs ?? []),
    'about:blank',
  ];
  const child = spawn(opts.executablePath ?? process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args, {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const removeProfile = () => {
    if (owned) fs.rmSync(userDataDir, { recursive: true, force: true });
  };
  const wsUrl = await new Promise<string>((resolve, reject) => {
    let stderr = '';
    let found = false;
    const timer = setTimeout(
      () => fail(`no DevTools endpoint within ${opts.timeoutMs ?? 30_000} ms`),
      opts.timeoutMs ?? 30_000,
    );
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new BrowserLaunchError(`Chromium did not start: ${why}`));
    };
    child.once('error', (err) => fail(err.message));
    child.once('exit', (code, signal) =>
      fail(`exited (${signal ?? code}) ${stderr.split('\n').slice(-3).join(' ').slice(0, 300)}`),
    );
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      // Once found, later output is ignored: matching the kept line again would remove the exit listener that
      // close() waits on (Chromium writes more to stderr under load), and close() would then never return.
      if (found) return;
      stderr = (stderr + chunk).slice(-4096);
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(stderr);
      if (m) {
        found = true;
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.removeAllListeners('error');
        resolve(m[1]!);
      }
    });
  }).catch((err: unknown) => {
    removeProfile();
    throw err;
  });
  child.stderr!.resume();
  let client: CDP.Client;
  try {
    // Imported here, when a browser starts: an agent that never needs one never loads the client (also in the bundle,
    // where a static import of an external package would load at start).
    const { default: connect } = await import('chrome-remote-interface');
    client = await connect({ target: wsUrl });
  } catch (err) {
    child.kill('SIGKILL');
    removeProfile();
    throw new BrowserLaunchError(`could not connect to Chromium: ${(err as Error).message}`);
  }
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    client,
    process: child,
    userDataDir,
    close: async () => {
      // Not awaited: the browser may close the socket before it answers, and the client then never settles it.
      // The process's exit is what we wait for (killed if it takes longer than 5 s).
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      client.send('Browser.close').catch(() => undefined);
      await exited;
      clearTimeout(killer);
      // A helper process of the browser may outlive it holding the stderr pipe: that must not keep us alive.
      child.stderr?.destroy();
      void client.close().catch(() => undefined);
      removeProfile();
    },
  };
}
