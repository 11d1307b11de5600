// `npm run dev`: the whole flow on this computer in a minute. Starts the local push service and the demo site on
// loopback, builds, and runs the app pointed at both (its own data dir under .dev-data/), with the demo site's
// window open: enable notifications there, press "Send me a push", see the native notification.
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { startPushService } from '../tools/push-service/service.ts';
import { startDemoSite } from '../tools/demo-site/server.ts';

const service = await startPushService({ port: Number(process.env.PUSH_SERVICE_PORT ?? 0) });
const site = await startDemoSite({ port: Number(process.env.DEMO_SITE_PORT ?? 0) });
console.log(`local push service: ${service.wsUrl}`);
console.log(`demo site:          ${site.url}`);

const shutdown = async (code: number) => {
  await Promise.allSettled([service.close(), site.close()]);
  process.exit(code);
};

if (spawnSync(process.execPath, ['scripts/build.ts'], { stdio: 'inherit' }).status !== 0) await shutdown(1);

const app = spawn('electron', ['.', `--service=${service.wsUrl}`, `--open-site=${site.url}`], {
  stdio: 'inherit',
  env: { ...process.env, PUSH_AGENT_DATA_DIR: path.resolve('.dev-data'), PUSH_AGENT_DEV: '1' },
});
app.on('error', (err) => {
  console.error(`Electron did not start (${err.message}). The push service and the demo site keep running; Ctrl-C stops them.`);
  console.error('Without Electron you can still subscribe with the headless agent:');
  console.error(`  npm run push-agent -- subscribe --service ${service.wsUrl} && npm run push-agent -- listen --service ${service.wsUrl}`);
});
app.on('exit', (code) => void shutdown(code ?? 0));
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void shutdown(0));
