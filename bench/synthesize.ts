// A synthesized data dir for the scale benchmark: N endpoint subscriptions really registered at the push service
// (one UAID), stored as the engine stores them (records + sealed keys in the conf store), and an inbox journal
// whose de-duplication memory is full, as after heavy traffic. Real traffic to fill it at every size would take
// long; the journal is written in the inbox's own format instead (the `w` line its compaction writes, or with
// `legacyRings` the per-subscription `r` lines of journals written before the shared window;
// src/engine/delivery/inbox.ts).
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { generateSubscriptionKeys } from '../src/engine/crypto/index.ts';
import { SCHEMA_VERSION, type StoredSubscription } from '../src/engine/state-schema.ts';
import { openJsonFileStore } from '../src/cli/json-file-store.ts';
import { openKeyFileSecretBox } from '../src/cli/key-file-secret-box.ts';
import { RawPushClient } from '../tests/support/raw-push-client.ts';

export interface Synthesized {
  uaid: string;
  endpoints: string[];
  /** Ids written into the journal's de-duplication memory. */
  ids: number;
  journalBytes: number;
}

export interface Dedup {
  /** Ids in the shared window (inbox.ts ringSize when full). */
  windowIds?: number;
  /** Instead: ids per subscription in the old per-subscription rings. */
  legacyRings?: number;
}

export async function synthesizeDataDir(
  dataDir: string,
  serviceUrl: string,
  count: number,
  dedup: Dedup,
): Promise<Synthesized> {
  const client = await RawPushClient.connect(serviceUrl);
  await client.hello();
  const uaid = client.uaid!;
  const channels: string[] = [];
  const endpoints: string[] = [];
  for (let i = 0; i < count; i += 500) {
    const chunk = Array.from({ length: Math.min(500, count - i) }, () => randomUUID());
    for (const channelID of chunk) client.send({ messageType: 'register', channelID });
    for (const reply of await client.take(chunk.length, 10_000)) {
      if (reply.status !== 200) throw new Error(`register failed: ${JSON.stringify(reply)}`);
      channels.push(reply.channelID as string);
      endpoints.push(reply.pushEndpoint as string);
    }
  }
  client.ws.close();
  await client.closed;

  const store = openJsonFileStore(dataDir);
  const secrets = openKeyFileSecretBox(dataDir, store);
  const subscriptions: Record<string, StoredSubscription> = {};
  const ids: string[] = [];
  const now = Date.now();
  for (let i = 0; i < count; i++) {
    const id = randomUUID();
    ids.push(id);
    const keys = generateSubscriptionKeys();
    const origin = `push-agent://endpoint/${id}`;
    subscriptions[id] = {
      id,
      channelID: channels[i]!,
      kind: 'endpoint',
      origin,
      scope: `${origin}/`,
      endpoint: endpoints[i]!,
      applicationServerKey: null,
      userVisibleOnly: false,
      p256dh: keys.publicKey.toString('base64url'),
      label: `scale ${i}`,
      workerScriptURL: null,
      createdAt: now + i,
      muted: false,
      paused: null,
      // The sealed secret is the private scalar then the auth secret (the registry's format, subscription-registry.ts).
      sealed: await secrets.seal(Buffer.concat([keys.privateKey, keys.authSecret])),
    };
  }
  store.set('schemaVersion', SCHEMA_VERSION);
  store.set('uaid', uaid);
  store.set('serviceUrl', serviceUrl);
  store.set('subscriptions', subscriptions);

  // De-duplication memory of 12-byte message keys: the shared window, or per-subscription rings (16-char keys).
  const fd = fs.openSync(path.join(dataDir, 'inbox.jsonl'), 'w', 0o600);
  let bytes = 0;
  try {
    if (dedup.legacyRings) {
      for (const sub of ids) {
        const raw = randomBytes(12 * dedup.legacyRings);
        const keys = Array.from({ length: dedup.legacyRings }, (_, k) =>
          raw.subarray(12 * k, 12 * k + 12).toString('base64url'),
        );
        bytes += fs.writeSync(fd, JSON.stringify({ t: 'r', sub, ids: keys }) + '\n');
      }
    } else if (dedup.windowIds) {
      bytes += fs.writeSync(
        fd,
        JSON.stringify({ t: 'w', keys: randomBytes(12 * dedup.windowIds).toString('base64url') }) + '\n',
      );
    }
  } finally {
    fs.closeSync(fd);
  }
  return {
    uaid,
    endpoints,
    ids: dedup.legacyRings ? count * dedup.legacyRings : (dedup.windowIds ?? 0),
    journalBytes: bytes,
  };
}
