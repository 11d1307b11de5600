// How `npm test` runs the test files: node's test runner, one file at a time, each file under a time limit
// (tests/support/file-time-limit.ts) so a hung file fails with its name and the run still ends with the runner's
// summary lines.
export const TEST_GLOBS = [
  'tests/unit/**/*.test.ts',
  'tests/integration/**/*.test.ts',
  'tests/browser/**/*.test.ts',
  'tests/firefox/**/*.test.ts',
  'tests/wpt/**/*.test.ts',
];

export const FILE_TIME_LIMIT_MODULE = './tests/support/file-time-limit.ts';

/** Arguments for `node` that run `files` (paths or globs, relative to the repository root). */
export function nodeTestArgs(files: readonly string[]): string[] {
  return ['--import', FILE_TIME_LIMIT_MODULE, '--test', '--test-concurrency=1', '--test-reporter=spec', ...files];
}
