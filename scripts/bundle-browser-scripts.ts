// The two scripts the agent adds to sites, bundled as shipped: the page script (src/page/push-api.ts, an IIFE) and
// the service-worker script (src/worker/service-worker-script.ts, an IIFE with globalName `PushAgentServiceWorker`).
// scripts/build.ts writes them into dist; a `push-agent` run from a source checkout has no dist and runs this file,
// which prints both as one JSON object on stdout (src/cli/browser-scripts.ts).
import { build, type BuildOptions } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const PAGE_SCRIPT: BuildOptions = {
  entryPoints: [path.join(root, 'src/page/push-api.ts')],
  format: 'iife',
  platform: 'browser',
};
export const SERVICE_WORKER_SCRIPT: BuildOptions = {
  entryPoints: [path.join(root, 'src/worker/service-worker-script.ts')],
  format: 'iife',
  globalName: 'PushAgentServiceWorker',
  platform: 'browser',
};

async function bundle(options: BuildOptions): Promise<string> {
  const out = await build({ ...options, bundle: true, write: false, target: 'chrome120', logLevel: 'silent' });
  return out.outputFiles[0]!.text;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [pageScript, serviceWorkerScript] = await Promise.all([bundle(PAGE_SCRIPT), bundle(SERVICE_WORKER_SCRIPT)]);
  process.stdout.write(JSON.stringify({ pageScript, serviceWorkerScript }));
}
