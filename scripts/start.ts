// `npm start`: builds and runs the Electron app against the default push service (Mozilla's), or the one given
// with `-- --service=wss://...`. Extra arguments pass through to the app (see src/main/launch-config.ts).
// Where Electron cannot run, it says so before building and points at the headless agent instead.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

const HEADLESS = [
  'Without it, run the headless agent on its embedded push service (README, "Quick start"):',
  '  npm run -s push-agent -- subscribe --service local --label "My alerts" > ~/my-alerts.json',
  '  npm run -s push-agent -- listen --service local',
  '  npm run -s push-agent -- send ~/my-alerts.json "Hello"     # in a second terminal',
];

// The electron package finds its binary through path.txt (written when `npm install` downloads it) or the override.
const hasBinary = Boolean(process.env.ELECTRON_OVERRIDE_DIST_PATH) || fs.existsSync('node_modules/electron/path.txt');
if (!hasBinary) {
  console.error('The desktop app cannot start here: the Electron binary is not installed (`npm install` downloads it');
  console.error('on a machine with internet, or set ELECTRON_OVERRIDE_DIST_PATH).');
  for (const line of HEADLESS) console.error(line);
  process.exit(1);
}

const build = spawnSync(process.execPath, ['scripts/build.ts'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(1);
const r = spawnSync('electron', ['.', ...process.argv.slice(2)], { stdio: 'inherit' });
if (r.error || r.status === null) {
  console.error(`Electron did not start${r.error ? ` (${r.error.message})` : ''}.`);
  for (const line of HEADLESS) console.error(line);
  process.exit(1);
}
process.exit(r.status);
