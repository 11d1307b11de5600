// `npm run test:electron`: Playwright `_electron` smoke tests. They need a real Electron binary, which cannot be
// downloaded on every machine: use ELECTRON_OVERRIDE_DIST_PATH (a directory holding the `electron` binary) or a
// binary that `npm install` managed to download into node_modules/electron/dist. Without one this says so and skips.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

function electronBinary(): string | null {
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override) {
    const candidate = path.join(override, process.platform === 'win32' ? 'electron.exe' : process.platform === 'darwin' ? 'Electron.app/Contents/MacOS/Electron' : 'electron');
    return existsSync(candidate) ? candidate : null;
  }
  const pathFile = 'node_modules/electron/path.txt';
  if (!existsSync(pathFile)) return null;
  const candidate = path.join('node_modules/electron/dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(candidate) ? candidate : null;
}

const binary = electronBinary();
if (!binary) {
  console.log('SKIPPED: no Electron binary found (set ELECTRON_OVERRIDE_DIST_PATH to a directory containing one, or run');
  console.log('`npx install-electron` on a machine with internet). No Electron test was run.');
  process.exit(0);
}
if (!existsSync('src/main/main.ts')) {
  console.log('SKIPPED: the Electron main process (src/main) has not been built yet; see issue "The Electron app". No Electron test was run.');
  process.exit(0);
}
process.env.PUSH_AGENT_ELECTRON_BINARY = binary;
const build = spawnSync('node', ['scripts/build.ts'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(1);
const r = spawnSync('node', ['--test', '--test-concurrency=1', '--test-reporter=spec', 'tests/electron/**/*.test.ts'], { stdio: 'inherit' });
process.exit(r.status ?? 1);
