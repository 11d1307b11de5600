// The product's Chromium host for tests: the service-worker script bundled as scripts/build.ts ships it, and a
// host on Debian's Chromium with a throwaway profile.
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { streamLogger } from '../../src/engine/log.ts';
import { ChromiumWorkerHost, type ChromiumWorkerHostOptions } from '../../src/chromium-host/chromium-worker-host.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let script: Promise<string> | null = null;

/** src/worker/service-worker-script.ts as one IIFE with globalName `PushAgentServiceWorker`. */
export function buildServiceWorkerScript(): Promise<string> {
  script ??= build({
    entryPoints: [path.join(root, 'src/worker/service-worker-script.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    globalName: 'PushAgentServiceWorker',
    platform: 'browser',
    target: 'chrome120',
    logLevel: 'silent',
  }).then((out) => out.outputFiles[0]!.text);
  return script;
}

/** `PUSH_AGENT_DEBUG_HOST=1` prints the host's log lines to stderr. */
export async function chromiumHost(opts: Partial<ChromiumWorkerHostOptions> = {}): Promise<ChromiumWorkerHost> {
  const logger =
    process.env.PUSH_AGENT_DEBUG_HOST === '1'
      ? streamLogger((l) => process.stderr.write(`${l}\n`), 'debug')
      : undefined;
  return new ChromiumWorkerHost({
    serviceWorkerScript: await buildServiceWorkerScript(),
    ...(logger ? { logger } : {}),
    ...opts,
  });
}
