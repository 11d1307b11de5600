// The push service embedded in the agent's own process (`--service local`): on 127.0.0.1, its state in the agent's
// data dir, on a port chosen once and kept there. Endpoints embed host and port, so a kept port is what keeps
// handed-out endpoints working across restarts. While no agent runs nothing listens: senders get "connection
// refused" (their messages are not stored anywhere). For one machine, development and tests.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PushServiceError } from './errors.ts';
import { startPushService, type PushService } from './service.ts';

export { EMBEDDED_SERVICE } from '../shared/service-choice.ts';

/** Files in the data dir: the kept port, and the service's own state (UAIDs, stored messages, token secret). */
export const EMBEDDED_PORT_FILE = 'push-service-port.json';
export const EMBEDDED_STATE_FILE = 'push-service-state.json';

const HOST = '127.0.0.1';

/** The port kept in the data dir, or undefined before the embedded service first ran there. */
export function keptPort(dataDir: string): number | undefined {
  const file = path.join(dataDir, EMBEDDED_PORT_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new PushServiceError('data-file', `push service: cannot read ${file}`, { cause: err });
  }
  let port: unknown;
  try {
    port = (JSON.parse(text) as { port?: unknown }).port;
  } catch {
    port = undefined;
  }
  // Not rewritten: the endpoints handed out depend on it, so a person decides (fix the file or remove it).
  if (!Number.isInteger(port) || (port as number) < 1 || (port as number) > 65535) {
    throw new PushServiceError(
      'data-file',
      `push service: ${file} does not hold a port number; fix or remove it (removing it gives new endpoints)`,
    );
  }
  return port as number;
}

/** The WebSocket URL of the embedded service for a data dir, without starting it; undefined before its first run. */
export function embeddedServiceUrl(dataDir: string): string | undefined {
  const port = keptPort(dataDir);
  return port === undefined ? undefined : `ws://${HOST}:${port}/`;
}

/**
 * Starts the embedded service for a data dir: on the kept port, or on a free one that is then kept. The caller owns
 * the data dir (its lock) and closes the service when it stops.
 */
export async function startEmbeddedService(dataDir: string): Promise<PushService> {
  const kept = keptPort(dataDir);
  const dataFile = path.join(dataDir, EMBEDDED_STATE_FILE);
  let service: PushService;
  try {
    service = await startPushService({ host: HOST, port: kept ?? 0, dataFile });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new PushServiceError(
        'port-in-use',
        `the embedded push service's port ${kept} (kept in ${path.join(dataDir, EMBEDDED_PORT_FILE)}, because endpoints embed it) is in use by another program`,
        { cause: err },
      );
    }
    throw err;
  }
  if (kept === undefined) {
    try {
      const file = path.join(dataDir, EMBEDDED_PORT_FILE);
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, `${JSON.stringify({ port: service.port })}\n`, { mode: 0o600 });
      renameSync(tmp, file);
    } catch (err) {
      await service.close();
      throw new PushServiceError('data-file', `push service: cannot keep the port in ${dataDir}`, { cause: err });
    }
  }
  return service;
}
