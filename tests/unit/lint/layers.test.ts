// The layer table (lint/layers.ts) fails lint on a planted violation of each of its rules, through ESLint itself
// with the repository's own configuration, and passes the same files without the violation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ESLint } from 'eslint';

const root = path.resolve(import.meta.dirname, '../../..');
const eslint = new ESLint({ cwd: root });

async function layerErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return result!.messages.filter((m) => m.ruleId === 'layers/imports').map((m) => m.message);
}

const planted: Array<[string, string, string, RegExp]> = [
  [
    'the engine imports no Electron',
    'src/engine/planted.ts',
    "import { app } from 'electron';\nexport const a = app;\n",
    /may run only in electron-main/,
  ],
  [
    'the engine imports no host code',
    'src/engine/planted.ts',
    "import { x } from '../main/main.ts';\nexport const a = x;\n",
    /src\/engine may not import src\/main/,
  ],
  [
    'the engine does not start the push service',
    'src/engine/planted.ts',
    "import { x } from '../push-service/index.ts';\nexport const a = x;\n",
    /may not import src\/push-service/,
  ],
  [
    'shared code imports no layer',
    'src/shared/planted.ts',
    "import type { X } from '../engine/engine.ts';\nexport type A = X;\n",
    /src\/shared may not import src\/engine/,
  ],
  [
    'the renderer gets no Node module',
    'src/renderer/planted.ts',
    "import fs from 'node:fs';\nexport const a = fs;\n",
    /runs in web: no Node module/,
  ],
  [
    'page code gets no Node-only package',
    'src/page/planted.ts',
    "import WebSocket from 'ws';\nexport const a = WebSocket;\n",
    /'ws' may run only in node, electron-main/,
  ],
  [
    'a sandboxed preload gets no Node module',
    'src/preload/planted.ts',
    "import path from 'path';\nexport const a = path;\n",
    /runs in electron-sandbox: no Node module/,
  ],
  [
    'worker code imports no engine code',
    'src/worker/planted.ts',
    "import { x } from '../engine/engine.ts';\nexport const a = x;\n",
    /src\/worker may not import src\/engine/,
  ],
  [
    'main imports no renderer code',
    'src/main/planted.ts',
    "import { x } from '../renderer/settings.ts';\nexport const a = x;\n",
    /src\/main may not import src\/renderer/,
  ],
  [
    'main imports no page code',
    'src/main/planted.ts',
    "import { x } from '../page/push-api.ts';\nexport const a = x;\n",
    /src\/main may not import src\/page/,
  ],
  [
    'tools import only src/shared and the push service',
    'tools/planted.ts',
    "import { x } from '../src/engine/engine.ts';\nexport const a = x;\n",
    /tools may not import src\/engine/,
  ],
  [
    'the push service imports no agent layer',
    'src/push-service/planted.ts',
    "import { x } from '../cli/args.ts';\nexport const a = x;\n",
    /src\/push-service may not import src\/cli/,
  ],
  [
    'an unlisted package fails',
    'src/cli/planted.ts',
    "import leftPad from 'left-pad';\nexport const a = leftPad;\n",
    /package 'left-pad' is not classified/,
  ],
  [
    'a development package stays out of the product',
    'src/engine/planted.ts',
    "import { chromium } from 'playwright-core';\nexport const a = chromium;\n",
    /may run only in development code/,
  ],
  [
    'a dynamic import is checked too',
    'src/renderer/planted.ts',
    "export const a = import('node:fs');\n",
    /no Node module/,
  ],
  [
    'a re-export is checked too',
    'src/shared/planted.ts',
    "export { x } from '../engine/engine.ts';\n",
    /may not import src\/engine/,
  ],
];

for (const [name, file, code, expected] of planted) {
  test(`lint fails: ${name}`, async () => {
    const errors = await layerErrors(file, code);
    assert.equal(errors.length, 1, `one layer error for ${file}: ${JSON.stringify(errors)}`);
    assert.match(errors[0]!, expected);
  });
}

test('what the table allows passes', async () => {
  const allowed: Array<[string, string]> = [
    [
      'src/engine/planted.ts',
      "import fs from 'node:fs';\nimport WebSocket from 'ws';\nimport type { Preferences } from '../shared/preferences.ts';\nexport const a = [fs, WebSocket] as const;\nexport type P = Preferences;\n",
    ],
    [
      'src/main/planted.ts',
      "import { app } from 'electron';\nimport { x } from '../engine/engine.ts';\nexport const a = [app, x];\n",
    ],
    ['src/preload/planted.ts', "import { contextBridge } from 'electron';\nexport const a = contextBridge;\n"],
    [
      'tests/unit/planted.test.ts',
      "import { chromium } from 'playwright-core';\nimport { x } from '../../src/main/main.ts';\nexport const a = [chromium, x];\n",
    ],
  ];
  for (const [file, code] of allowed) assert.deepEqual(await layerErrors(file, code), [], file);
});

test('every dependency in package.json says where it may run', async () => {
  const { PACKAGES } = (await import('../../../lint/layers.ts')) as { PACKAGES: Record<string, string[]> };
  const pkg = (await import('../../../package.json', { with: { type: 'json' } })).default as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  // Type packages and the Node binary are never imported.
  const imported = [...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)].filter(
    (n) => !n.startsWith('@types/') && n !== 'node',
  );
  assert.deepEqual(
    imported.filter((n) => !(n in PACKAGES)),
    [],
  );
  // A runtime dependency runs somewhere in the product, not only in development code.
  assert.deepEqual(
    Object.keys(pkg.dependencies).filter((n) => PACKAGES[n]?.length === 0),
    [],
  );
});
