// `npm start`: builds and runs the Electron app against the default push service (Mozilla's), or the one given
// with `-- --service=wss://...`. Extra arguments pass through to the app (see src/main/launch-config.ts).
import { spawnSync } from 'node:child_process';

const build = spawnSync(process.execPath, ['scripts/build.ts'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(1);
const r = spawnSync('electron', ['.', ...process.argv.slice(2)], { stdio: 'inherit' });
if (r.error || r.status === null) {
  console.error(`Electron did not start${r.error ? ` (${r.error.message})` : ''}. It needs the Electron binary, which`);
  console.error('`npm install` downloads (or set ELECTRON_OVERRIDE_DIST_PATH). Without it, use the headless agent:');
  console.error('  npm run push-agent -- subscribe --label "My alerts" && npm run push-agent -- listen');
  process.exit(1);
}
process.exit(r.status);
