// Lint, including the architecture's boundaries: the one layer table and package classification in
// lint/layers.ts (docs/architecture.md, "Runtimes and the one rule"). A violation fails `npm test`.
import tseslint from 'typescript-eslint';
import { layersPlugin } from './lint/layers.ts';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'release/**', 'bench/results/**', 'test-results/**', 'tests/wpt/tree/**'] },
  ...tseslint.configs.recommended,
  {
    plugins: { layers: layersPlugin },
    rules: {
      'layers/imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-console': 'off',
      // Prettier wraps code at 120; this also holds comments to it. Long string literals (messages, test names,
      // fixtures) and URLs are left whole: cut, they would only be harder to search for.
      'max-len': [
        'error',
        { code: 120, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreUrls: true },
      ],
    },
  },
  {
    // An ES module namespace of node:http evaluates its lazy WebSocket/EventSource exports, which load undici, http2
    // and perf_hooks: ~5 MiB of every command's memory (measured, issue 19). process.getBuiltinModule does not.
    files: ['src/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: ['node:http', 'http', 'node:https', 'https'].map((name) => ({
            name,
            allowTypeImports: true,
            message: "use process.getBuiltinModule('node:http'): its ES namespace loads undici, http2 and perf_hooks",
          })),
        },
      ],
    },
  },
);
