// `npm run test:electron`: Playwright `_electron` smoke tests on a real Electron binary, found the way Electron
// finds it (scripts/electron-binary.ts): ELECTRON_OVERRIDE_DIST_PATH, else node_modules/electron, downloading the
// binary on this first use where the network allows (Electron 42 and later download at first use, not at
// install). Only when no binary can be had does this print SKIPPED and run nothing.
import { spawnSync } from 'node:child_process';
import { findElectronBinary } from './electron-binary.ts';
import { probeSandbox, sandboxProblem } from './linux-sandbox.ts';

const electron = findElectronBinary();
if (!electron.ok) {
  console.log(`SKIPPED: no Electron binary could be had (${electron.reason}). Set ELECTRON_OVERRIDE_DIST_PATH to a`);
  console.log(
    'directory holding an Electron 45 binary, or run this where the download can reach GitHub. No Electron test was run.',
  );
  process.exit(0);
}
const sandbox = process.platform === 'linux' ? sandboxProblem(electron.path, probeSandbox(electron.path)) : null;
if (sandbox) {
  for (const line of sandbox) console.error(line);
  process.exit(1);
}
process.env.PUSH_AGENT_ELECTRON_BINARY = electron.path;
const build = spawnSync(process.execPath, ['scripts/build.ts'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(1);
const r = spawnSync(
  process.execPath,
  ['--test', '--test-concurrency=1', '--test-reporter=spec', 'tests/electron/**/*.test.ts'],
  { stdio: 'inherit' },
);
process.exit(r.status ?? 1);
