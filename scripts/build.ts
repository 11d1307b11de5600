// Builds what Electron loads and what the published CLI runs, with esbuild. Type-checking is tsc's job (npm test).
// Source also runs unbundled on Node 24 (npm run push-agent / push-service); bundles are for shipping.
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { copyFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { CJS_REQUIRE, OPTIONAL_NATIVE, dbusIntrospectionOnUse, decryptWorker, standaloneCli } from './cli-bundles.ts';
import { serviceWorkerScriptFunction } from './service-worker-wrapper.ts';

const common: BuildOptions = {
  bundle: true,
  sourcemap: true,
  logLevel: 'warning',
  target: 'es2023',
  legalComments: 'none',
};

interface Entry {
  what: string;
  options: BuildOptions;
}

const entries: Entry[] = [
  // The packages every run loads (ws, the D-Bus client, the proxy agent and proxy-from-env) are bundled in: loaded
  // from node_modules, Node resolves each of their files' requires at start, and that path walking alone makes V8
  // optimize its module loader, paging in its compilers' machine code (~5 MiB of the idle process's RSS, measured;
  // docs/PERFORMANCE.md). What only some runs import (web-push, chrome-remote-interface) stays in node_modules,
  // loaded when imported.
  {
    what: 'headless CLI (Node 24)',
    options: {
      entryPoints: ['src/cli/push-agent.ts'],
      outfile: 'dist/cli/push-agent.js',
      platform: 'node',
      format: 'esm',
      external: ['web-push', 'chrome-remote-interface', ...OPTIONAL_NATIVE],
      banner: { js: CJS_REQUIRE },
      plugins: [dbusIntrospectionOnUse],
    },
  },
  // The same command as one file with its dependencies inside, for the Linux packages' /usr/bin/push-agent
  // (build/linux/push-agent): there is no node_modules beside it. CommonJS dependencies get a require().
  {
    what: 'headless CLI, self-contained (Linux packages)',
    options: { ...standaloneCli, outfile: 'dist/cli-standalone/push-agent.mjs' },
  },
  // Their decryption thread (src/engine/crypto/decrypt-thread.ts looks for it beside the bundle), beside each.
  {
    what: 'CLI decryption thread',
    options: { ...decryptWorker, outfile: 'dist/cli/decrypt-worker.js' },
  },
  {
    what: 'CLI decryption thread, self-contained (Linux packages)',
    options: { ...decryptWorker, outfile: 'dist/cli-standalone/decrypt-worker.js' },
  },
  // The in-page Push API, injected into site windows' main world before their scripts.
  {
    what: 'in-page Push API',
    options: {
      entryPoints: ['src/page/push-api.ts'],
      outfile: 'dist/page/push-api.js',
      platform: 'browser',
      format: 'iife',
    },
  },
  // The service-worker script: inlined into the Electron service-worker preload (below), and evaluated by the
  // Chromium host in each site's service worker before its own script (`push-agent` reads it from here:
  // src/cli/browser-scripts.ts).
  {
    what: 'service-worker script',
    options: {
      entryPoints: ['src/worker/service-worker-script.ts'],
      outfile: 'dist/worker/service-worker-script.js',
      platform: 'browser',
      format: 'iife',
      globalName: 'PushAgentServiceWorker',
    },
  },
  // The settings window (loaded from the app's own scheme; its HTML and CSS are copied beside it).
  {
    what: 'settings window',
    options: {
      entryPoints: ['src/renderer/settings.ts'],
      outfile: 'dist/renderer/settings.js',
      platform: 'browser',
      format: 'iife',
    },
  },
];

// Electron parts are added here as they land (main, preloads, renderer, worker runtime); see docs/architecture.md.
// The site preload runs the in-page Push API (built above) in the page's main world: inlined as a function body.
const pageScript: Plugin = {
  name: 'page-script',
  setup(b) {
    b.onResolve({ filter: /^push-agent:page-script$/ }, (args) => ({ path: args.path, namespace: 'page-script' }));
    b.onLoad({ filter: /.*/, namespace: 'page-script' }, () => ({
      contents: `export default function pageScript() {\n${readFileSync('dist/page/push-api.js', 'utf8').replace(/^\/\/# sourceMappingURL=.*$/m, '')}\n}`,
      loader: 'js',
    }));
  },
};

// The service-worker preload runs the service-worker script in the worker's main world (service-worker-wrapper.ts).
const serviceWorkerScript: Plugin = {
  name: 'service-worker-script',
  setup(b) {
    b.onResolve({ filter: /^push-agent:service-worker-script$/ }, (args) => ({
      path: args.path,
      namespace: 'service-worker-script',
    }));
    b.onLoad({ filter: /.*/, namespace: 'service-worker-script' }, () => ({
      contents: serviceWorkerScriptFunction(readFileSync('dist/worker/service-worker-script.js', 'utf8')),
      loader: 'js',
    }));
  },
};

// Sandboxed preloads must be single CommonJS files whose only require is 'electron'.
const preload = (name: string, plugins: Plugin[] = []): Entry => ({
  what: `${name} preload`,
  options: {
    entryPoints: [`src/preload/${name}.ts`],
    outfile: `dist/preload/${name}.cjs`,
    platform: 'browser',
    format: 'cjs',
    external: ['electron'],
    plugins,
  },
});

const optional: Entry[] = [
  {
    what: 'Electron main process',
    // No import.meta in CommonJS: the engine's decryption thread finds no script there and backlogs are decrypted on
    // the main process's thread, as before it existed (src/engine/crypto/decrypt-thread.ts).
    options: {
      entryPoints: ['src/main/main.ts'],
      outfile: 'dist/main/main.cjs',
      platform: 'node',
      format: 'cjs',
      external: ['electron'],
      logOverride: { 'empty-import-meta': 'silent' },
    },
  },
  preload('settings'),
  preload('site', [pageScript]),
  preload('service-worker', [serviceWorkerScript]),
];

rmSync('dist', { recursive: true, force: true });
for (const e of [...entries, ...optional.filter((o) => existsSync((o.options.entryPoints as string[])[0]!))]) {
  await build({ ...common, ...e.options });
  console.log(`built ${e.what} -> ${e.options.outfile}`);
}
for (const f of ['settings.html', 'settings.css']) copyFileSync(`src/renderer/${f}`, `dist/renderer/${f}`);
