// Sandboxed preloads get no Node: each must bundle into one CommonJS file whose only require is 'electron'
// (lint does not stop a Node import in src/preload, since Electron's own preloads may use some; this does).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build, type Plugin } from 'esbuild';

// Stands in for scripts/build.ts's plugins that inline the built in-page Push API and service-worker script.
const pageScript: Plugin = {
  name: 'page-script',
  setup(b) {
    b.onResolve({ filter: /^push-agent:(page|service-worker)-script$/ }, (args) => ({
      path: args.path,
      namespace: 'page-script',
    }));
    b.onLoad({ filter: /.*/, namespace: 'page-script' }, () => ({
      contents: 'export default function script() {}',
      loader: 'js',
    }));
  },
};

for (const name of ['settings', 'site', 'service-worker']) {
  test(`the ${name} preload bundles to CommonJS requiring only electron, and exposes its bridge through contextBridge`, async () => {
    const out = await build({
      entryPoints: [`src/preload/${name}.ts`],
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'cjs',
      external: ['electron'],
      plugins: [pageScript],
      logLevel: 'silent',
    });
    const code = out.outputFiles[0]!.text;
    const requires = [...code.matchAll(/require\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]);
    assert.deepEqual([...new Set(requires)], ['electron']);
    assert.match(code, /(expose|execute)InMainWorld\(/);
    assert.doesNotMatch(code, /exposeInMainWorld\(\s*["'][^"']*["']\s*,\s*import_electron\.ipcRenderer/);
  });
}
