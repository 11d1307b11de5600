// The page script and the service-worker script for the agent's browser (src/chromium-host): read from the build
// beside this module (dist/page/push-api.js, dist/worker/service-worker-script.js), or, in a source checkout that has
// no
// build, bundled by scripts/bundle-browser-scripts.ts in a child process (esbuild is a build tool, not a runtime
// dependency of src/).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BrowserScripts {
  pageScript: string;
  serviceWorkerScript: string;
}

const here = path.dirname(fileURLToPath(import.meta.url));

let cached: Promise<BrowserScripts> | null = null;

export function browserScripts(): Promise<BrowserScripts> {
  cached ??= load();
  return cached;
}

async function load(): Promise<BrowserScripts> {
  const page = path.join(here, '../page/push-api.js');
  const worker = path.join(here, '../worker/service-worker-script.js');
  if (fs.existsSync(page) && fs.existsSync(worker)) {
    return { pageScript: fs.readFileSync(page, 'utf8'), serviceWorkerScript: fs.readFileSync(worker, 'utf8') };
  }
  const bundler = path.join(here, '../../scripts/bundle-browser-scripts.ts');
  if (!fs.existsSync(bundler))
    throw new Error(`the agent's browser scripts are missing (${page}); reinstall push-agent`);
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [bundler], { maxBuffer: 64 * 1024 * 1024 }, (err, stdout) => {
      if (err) return reject(new Error(`could not bundle the agent's browser scripts: ${err.message.split('\n')[0]}`));
      resolve(JSON.parse(stdout) as BrowserScripts);
    });
  });
}
