// `npm test`: every check that can run on this machine, in the order that fails fastest.
// Electron smoke tests are separate (`npm run test:electron`): they need an Electron binary.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { preflight } from './test-preflight.ts';
import { nodeTestArgs, TEST_GLOBS } from './test-files.ts';

// What the run needs is checked before anything starts: a missing browser must not cost a screen of failures and
// a hung file.
const needs = preflight();
if (needs.problems.length) {
  console.error('== npm test cannot run on this machine yet:');
  for (const p of needs.problems) console.error(`- ${p}`);
  console.error(`\nFix it with:\n  ${needs.fix}`);
  process.exit(1);
}

/** A layer with no TypeScript yet has nothing to type-check (tsc would fail with "no inputs"). */
const hasTs = (dir: string) => readdirSync(dir, { recursive: true }).some((f) => String(f).endsWith('.ts'));

const steps: Array<[string, string[]]> = [
  ['type-check (node, main, preload, engine, cli, tools, tests)', ['tsc', '-p', 'tsconfig.json']],
  ...(hasTs('src/renderer')
    ? [['type-check (renderer: DOM only, no Node)', ['tsc', '-p', 'src/renderer/tsconfig.json']] as [string, string[]]]
    : []),
  ...(hasTs('src/page')
    ? [
        ['type-check (in-page Push API: DOM only, no Node)', ['tsc', '-p', 'src/page/tsconfig.json']] as [
          string,
          string[],
        ],
      ]
    : []),
  ...(hasTs('src/worker')
    ? [['type-check (worker: web APIs only, no Node)', ['tsc', '-p', 'src/worker/tsconfig.json']] as [string, string[]]]
    : []),
  ['format (prettier --check; `npm run format` rewrites)', ['prettier', '--check', '--log-level=warn', '.']],
  ['lint (including architecture boundaries)', ['eslint', '--max-warnings=0', '.']],
  ['build (esbuild bundles for Electron and the CLI)', ['node', 'scripts/build.ts']],
  ['tests (unit, integration, browser, firefox, wpt)', ['node', ...nodeTestArgs(TEST_GLOBS)]],
];

const only = process.argv[2];
for (const [label, [cmd, ...args]] of steps) {
  if (only && !label.startsWith(only)) continue;
  console.log(`\n== ${label}`);
  const started = Date.now();
  const result = spawnSync(cmd!, args, { stdio: 'inherit', shell: false });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status !== 0) {
    console.error(`\n== FAILED: ${label} (${seconds} s, exit ${result.status ?? result.signal})`);
    process.exit(1);
  }
  console.log(`== ok: ${label} (${seconds} s)`);
}
