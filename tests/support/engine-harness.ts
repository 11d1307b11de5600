// A real engine on real storage, pointed at a real push service, with a notifier that records what it is asked
// to show. The notifier is the one part that is not the platform's: desktop notifications cannot be observed
// from a test here, so the Notifier port records them instead (the CLI's desktop notifier is tested separately).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import webpush from 'web-push';
import { PushEngine, type EngineOptions } from '../../src/engine/engine.ts';
import { silentLogger, streamLogger } from '../../src/engine/log.ts';
import type { NotificationModel } from '../../src/engine/notification.ts';
import type { Logger, Notifier } from '../../src/engine/ports.ts';
import type { SubscriptionInfo } from '../../src/engine/subscription-record.ts';
import { SubscriptionRegistry } from '../../src/engine/subscription-registry.ts';
import { openJsonFileStore } from '../../src/cli/json-file-store.ts';
import { openKeyFileSecretBox } from '../../src/cli/key-file-secret-box.ts';

export function tempDir(prefix = 'push-agent-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export class RecordingNotifier implements Notifier {
  shown: NotificationModel[] = [];
  closed: string[] = [];
  show(n: NotificationModel): void {
    this.shown.push(n);
  }
  close(id: string): void {
    this.closed.push(id);
  }
}

/** Collects log lines so tests can assert on them (and on what they must never contain). */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return Object.assign(
    streamLogger((l) => lines.push(l), 'debug'),
    { lines },
  );
}

export interface Harness {
  engine: PushEngine;
  notifier: RecordingNotifier;
  logger: Logger & { lines: string[] };
  dataDir: string;
  stop(): Promise<void>;
}

export async function startEngine(
  serviceUrl: string,
  overrides: Partial<EngineOptions> = {},
  dataDir = tempDir(),
): Promise<Harness> {
  const notifier = new RecordingNotifier();
  const logger = memoryLogger();
  const store = openJsonFileStore(dataDir);
  const engine = new PushEngine({
    serviceUrl,
    dataDir,
    store,
    secrets: openKeyFileSecretBox(dataDir, store),
    notifier,
    logger,
    // Short backoff so reconnects happen within a test's time; the rules are the same.
    connection: { backoffInitialMs: 50, backoffMaxMs: 500, requestTimeoutMs: 5_000, ...overrides.connection },
    ...overrides,
  });
  await engine.start();
  await engine.whenConnected(10_000);
  return { engine, notifier, logger, dataDir, stop: () => engine.stop() };
}

/**
 * A site subscription of `origin` at scope `/` whose worker is `/sw.js` (no application server key, user-visible), as
 * a site's page makes one: most worker tests need exactly this one.
 */
export function subscribeWithWorker(engine: PushEngine, origin: string): Promise<SubscriptionInfo> {
  return engine.subscribe({
    kind: 'site',
    origin,
    scope: `${origin}/`,
    applicationServerKey: null,
    userVisibleOnly: true,
    workerScriptURL: `${origin}/sw.js`,
  });
}

/** A subscription's keys as they are at rest (the state file and the key file), opened the way the agent opens them. */
export async function keysAtRest(dataDir: string, id: string): Promise<ReturnType<SubscriptionRegistry['keys']>> {
  const store = openJsonFileStore(dataDir, { readOnly: true });
  const registry = new SubscriptionRegistry(store, openKeyFileSecretBox(dataDir, store), silentLogger);
  await registry.load();
  return registry.keys(id);
}

export async function waitFor(
  what: string,
  predicate: () => boolean,
  timeoutMs = 10_000,
  intervalMs = 10,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export interface SendOptions {
  encoding?: 'aes128gcm' | 'aesgcm';
  ttl?: number;
  topic?: string;
  urgency?: 'very-low' | 'low' | 'normal' | 'high';
  vapid?: { publicKey: string; privateKey: string; subject?: string };
}

/**
 * Sends with `web-push`, the independent application-server library: it encrypts, signs (VAPID) and builds the
 * request; we only carry it, because web-push's own transport speaks https only and the local service is http.
 * Resolves with the HTTP status; rejects with an error carrying `statusCode` for error statuses, as web-push does.
 */
export async function send(
  sub: Pick<SubscriptionInfo, 'endpoint' | 'keys'>,
  payload: string | Buffer | null,
  opts: SendOptions = {},
): Promise<number> {
  const details = webpush.generateRequestDetails({ endpoint: sub.endpoint, keys: sub.keys }, payload ?? undefined, {
    TTL: opts.ttl ?? 60,
    contentEncoding: opts.encoding ?? 'aes128gcm',
    ...(opts.topic ? { topic: opts.topic } : {}),
    ...(opts.urgency ? { urgency: opts.urgency } : {}),
    ...(opts.vapid
      ? {
          vapidDetails: {
            subject: opts.vapid.subject ?? 'mailto:test@example.org',
            publicKey: opts.vapid.publicKey,
            privateKey: opts.vapid.privateKey,
          },
        }
      : {}),
  });
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(details.headers)) headers[k] = String(v);
  const res = await fetch(details.endpoint, {
    method: details.method,
    headers,
    ...(details.body ? { body: new Uint8Array(details.body as Buffer) } : {}),
  });
  await res.arrayBuffer();
  if (res.status >= 400)
    throw Object.assign(new Error(`push service answered ${res.status}`), { statusCode: res.status });
  return res.status;
}

/** The HTTP status a send gets, including error statuses (web-push throws on them). */
export async function sendStatus(
  sub: Pick<SubscriptionInfo, 'endpoint' | 'keys'>,
  payload: string | null,
  opts: SendOptions = {},
): Promise<number> {
  try {
    return await send(sub, payload, opts);
  } catch (err) {
    const status = (err as { statusCode?: number }).statusCode;
    if (typeof status === 'number') return status;
    throw err;
  }
}

/** Counts how often each body was shown. */
export function countBodies(shown: NotificationModel[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const n of shown) counts.set(n.body ?? '', (counts.get(n.body ?? '') ?? 0) + 1);
  return counts;
}
