// The product's Chromium host for tests: the service-worker script bundled as scripts/build.ts ships it, and a
// host on Debian's Chromium with a throwaway profile.
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
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

export async function chromiumHost(opts: Partial<ChromiumWorkerHostOptions> = {}): Promise<ChromiumWorkerHost> {
  return new ChromiumWorkerHost({ serviceWorkerScript: await buildServiceWorkerScript(), ...opts });
}
