// `npm start`: builds and runs the Electron app against the default push service (Mozilla's), or the one given
// with `-- --service=wss://...`. Extra arguments pass through to the app (see src/main/launch-config.ts).
// Where Electron cannot run, it says so before building and points at the headless agent instead.
import { spawnSync } from 'node:child_process';
import { findElectronBinary, noElectronAdvice } from './electron-binary.ts';
import { probeSandbox, sandboxProblem } from './linux-sandbox.ts';

const electron = findElectronBinary();
if (!electron.ok) {
  for (const line of noElectronAdvice(electron.reason)) console.error(line);
  process.exit(1);
}
const sandbox = process.platform === 'linux' ? sandboxProblem(electron.path, probeSandbox(electron.path)) : null;
if (sandbox) {
  for (const line of sandbox) console.error(line);
  process.exit(1);
}
const build = spawnSync(process.execPath, ['scripts/build.ts'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(1);
const r = spawnSync(electron.path, ['.', ...process.argv.slice(2)], { stdio: 'inherit' });
if (r.error || r.status === null) {
  console.error(`Electron did not start${r.error ? ` (${r.error.message})` : ` (signal ${r.signal})`}.`);
  for (const line of noElectronAdvice('it did not start').slice(2)) console.error(line);
  process.exit(1);
}
process.exit(r.status);
