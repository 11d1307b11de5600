// The Workbox app shell test site (tests/fixtures/workbox-shell/sw.js, built from the npm workbox packages with
// esbuild, as sites build theirs): its worker precaches `/index.html` and its navigation route answers every
// navigation of the origin with it. Served by the tests that need the site (the Chromium host's, `site add`'s).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The site's service worker, bundled. */
export async function workboxShellWorker(): Promise<string> {
  const out = await build({
    entryPoints: [path.join(here, '../fixtures/workbox-shell/sw.js')],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
}

/** The shell page the worker precaches; `script` is what the site's page runs (none: a static shell). */
export function workboxShellPage(script = ''): string {
  return `<!doctype html><title>shell</title><p id="shell">the app shell</p>${script ? `<script>${script}</script>` : ''}`;
}
