// `node tools/push-service/cli.ts --port <p> [--host 127.0.0.1] [--data <file>] [--urgency]`
// Prints one line with the ws:// URL (the HTTP endpoints share the port) and runs until SIGINT/SIGTERM. A thin
// wrapper: the service itself is src/push-service/ (which the agent also embeds for `--service local`).
import { parseArgs } from 'node:util';
import { startPushService } from '../../src/push-service/index.ts';

const usage = 'usage: push-service [--port <p>] [--host <addr>] [--data <file>] [--urgency]';

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string', default: '8080' },
        host: { type: 'string', default: '127.0.0.1' },
        data: { type: 'string' },
        urgency: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }));
  } catch (err) {
    console.error(`${(err as Error).message}\n${usage}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(usage);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`invalid --port ${values.port}\n${usage}`);
    process.exit(2);
  }
  const service = await startPushService({
    port,
    host: values.host,
    ...(values.data ? { dataFile: values.data } : {}),
    urgency: values.urgency,
  });
  console.log(`push service listening on ${service.wsUrl} (HTTP endpoints on ${service.httpUrl})`);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    service.close().then(
      () => {
        console.log(`push service stopped (${signal})`);
        process.exit(0);
      },
      (err: unknown) => {
        console.error('push service: error while stopping:', err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error('push service failed to start:', (err as Error).message);
  process.exit(1);
});
