// `npm run dev`: the whole flow on this computer in a minute. Starts the local push service and the demo site on
// loopback, builds, and runs the app pointed at both (its own data dir under .dev-data/), with the demo site's
// window open: enable notifications there, press "Send me a push", see the native notification.
// On Windows the app creates a Start-menu shortcut carrying its AppUserModelID on the first dev start
// (src/main/windows-shortcut.ts): Windows shows no toasts for an app without one.
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { startPushService } from '../tools/push-service/service.ts';
import { startDemoSite } from '../tools/demo-site/server.ts';
import { findElectronBinary, noElectronAdvice } from './electron-binary.ts';
import { probeSandbox, sandboxProblem } from './linux-sandbox.ts';

const service = await startPushService({ port: Number(process.env.PUSH_SERVICE_PORT ?? 0) });
const site = await startDemoSite({ port: Number(process.env.DEMO_SITE_PORT ?? 0) });
console.log(`local push service: ${service.wsUrl}`);
console.log(`demo site:          ${site.url}`);

const shutdown = async (code: number) => {
  await Promise.allSettled([service.close(), site.close()]);
  process.exit(code);
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void shutdown(0));

const keepServing = (lines: string[]) => {
  for (const line of lines) console.error(line);
  console.error('The push service and the demo site keep running; Ctrl-C stops them.');
};

const electron = findElectronBinary();
const sandbox =
  electron.ok && process.platform === 'linux' ? sandboxProblem(electron.path, probeSandbox(electron.path)) : null;
if (!electron.ok) {
  keepServing(noElectronAdvice(electron.reason, ` --service ${service.wsUrl}`));
} else if (sandbox) {
  keepServing(sandbox);
} else {
  if (spawnSync(process.execPath, ['scripts/build.ts'], { stdio: 'inherit' }).status !== 0) await shutdown(1);
  const app = spawn(electron.path, ['.', `--service=${service.wsUrl}`, `--open-site=${site.url}`], {
    stdio: 'inherit',
    env: { ...process.env, PUSH_AGENT_DATA_DIR: path.resolve('.dev-data'), PUSH_AGENT_DEV: '1' },
  });
  app.on('error', (err) => keepServing([`Electron did not start (${err.message}).`]));
  app.on('exit', (code) => void shutdown(code ?? 0));
}
