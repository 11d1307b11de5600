// Lint, including the architecture's boundaries (docs/architecture.md): each layer may import
// only what the runtime it is loaded into provides. A violation fails `npm test`.
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

const nodeModules = [...builtinModules, ...builtinModules.map((m) => `node:${m}`), 'node:*'];
const nodeOnlyPackages = ['ws', 'conf', 'http_ece', 'web-push', 'electron-store', 'playwright-core'];

const noElectron = { name: 'electron', message: "Only src/main and src/preload may import 'electron'." };
const noNode = nodeModules.map((name) => ({ name, message: 'This code runs in a sandboxed page or worker: no Node modules.' }));
const noNodePackages = nodeOnlyPackages.map((name) => ({ name, message: 'Node-only package: not available in a sandboxed page or worker.' }));
const hostDirs = ['main', 'preload', 'renderer', 'worker', 'page', 'cli'];
const noHostCode = hostDirs.map((dir) => ({
  group: [`**/${dir}/**`, `../${dir}/*`, `../../${dir}/*`],
  message: `The engine is host-agnostic: it must not import src/${dir}. Add a port instead.`,
}));

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'release/**', 'bench/results/**', 'test-results/**', 'tests/wpt/tree/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { paths: [noElectron] }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-console': 'off',
    },
  },
  {
    files: ['src/main/**', 'tests/electron/**', 'scripts/**', 'build/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // Sandboxed preloads get `electron` (contextBridge, ipcRenderer) and nothing of Node.
    files: ['src/preload/**'],
    rules: { 'no-restricted-imports': ['error', { paths: [...noNode, ...noNodePackages] }] },
  },
  {
    files: ['src/engine/**'],
    rules: { 'no-restricted-imports': ['error', { paths: [noElectron], patterns: noHostCode }] },
  },
  {
    files: ['src/renderer/**', 'src/worker/**', 'src/page/**', 'src/shared/**'],
    rules: { 'no-restricted-imports': ['error', { paths: [noElectron, ...noNode, ...noNodePackages] }] },
  },
);
