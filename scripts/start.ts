// `npm start`: runs the Electron app. Until the Electron issue lands there is no app to run: say so plainly.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

if (!existsSync('src/main/main.ts')) {
  console.error('The Electron app is not built yet (see README "Status"). Today, run the headless agent instead:');
  console.error('  npm run push-agent -- subscribe --label "My alerts"');
  console.error('  npm run push-agent -- listen');
  process.exit(1);
}
const build = spawnSync('node', ['scripts/build.ts'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(1);
const r = spawnSync('electron', ['.'], { stdio: 'inherit' });
process.exit(r.status ?? 1);
