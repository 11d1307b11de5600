// docs/architecture.md "Security model": keys encrypted at rest, data files 0600, and nothing sensitive in logs.
// Message plaintext rests
// only in the history, as shown to the user.
// A real engine at debug log level goes through subscribe, delivery, a decryption failure, a UAID reset and
// unsubscribe; then every log line and every file in the data dir is searched for the secrets.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { startPushService } from '../../../tools/push-service/index.ts';
import { keysAtRest, send, startEngine, waitFor } from '../../support/engine-harness.ts';

test('no key, auth secret, endpoint or payload appears in logs; secrets are sealed on disk; files are 0600', async () => {
  const service = await startPushService({ maxMessagesPerSession: 5 });
  let h = await startEngine(service.wsUrl);
  const secrets: string[] = [];
  const payload = 'TOP-SECRET-PAYLOAD-4f1c2e';
  try {
    const sub = await h.engine.subscribe({ kind: 'endpoint', label: 'secret' });
    const keys = (await keysAtRest(h.dataDir, sub.id))!;
    secrets.push(
      sub.keys.auth,
      keys.privateKey.toString('base64url'),
      keys.privateKey.toString('hex'),
      keys.authSecret.toString('hex'),
    );
    const token = sub.endpoint.split('/').pop()!;
    secrets.push(token, payload);
    await send(sub, payload);
    await waitFor('delivered', () => h.notifier.shown.some((n) => n.body === payload));
    // A frame that fails to decrypt logs its error kind: it must not log the data.
    await send({ ...sub, keys: { ...sub.keys, auth: Buffer.alloc(16, 7).toString('base64url') } }, 'wrong auth');
    await waitFor('undecryptable logged', () => h.logger.lines.some((l) => l.includes('could not be decrypted')));
    // A UAID reset (message limit) re-registers: new endpoints and keys go through the logs' reach too.
    const firstLines = h.logger.lines;
    await h.stop();
    for (let i = 0; i < 8; i++) await send(sub, `${payload}-${i}`);
    h = await startEngine(service.wsUrl, {}, h.dataDir);
    await waitFor('re-registered', () => h.engine.list()[0]?.endpoint !== sub.endpoint, 10_000);
    const renewed = h.engine.list()[0]!;
    secrets.push(
      renewed.endpoint.split('/').pop()!,
      renewed.keys.auth,
      (await keysAtRest(h.dataDir, renewed.id))!.privateKey.toString('base64url'),
    );
    await h.engine.unsubscribe(renewed.id);
    const lines = [...firstLines, ...h.logger.lines];
    assert.ok(lines.length > 8, `the engine logged at debug level (${lines.length} lines)`);

    for (const line of lines) {
      for (const s of secrets) assert.ok(!line.includes(s), `a log line contains a secret: ${line.slice(0, 120)}`);
    }
    for (const file of fs.readdirSync(h.dataDir)) {
      const full = path.join(h.dataDir, file);
      const mode = fs.statSync(full).mode & 0o777;
      assert.equal(mode & 0o077, 0, `${file} is readable by others (${mode.toString(8)})`);
      if (file === 'secret.key') continue; // the key file is the sealing key itself
      const text = fs.readFileSync(full).toString('latin1');
      for (const s of secrets.filter((x) => x !== payload && !x.startsWith(payload))) {
        if (s === renewed.endpoint.split('/').pop() || s === token) continue; // endpoints are stored (not secret at rest, 0600)
        assert.ok(!text.includes(s), `${file} holds a secret in the clear`);
      }
      // The history keeps what was shown to the user (title and body), as a desktop notification centre does;
      // nothing else may hold message plaintext (the inbox journals messages still encrypted).
      if (file !== 'history.json') assert.ok(!text.includes(payload), `${file} holds plaintext payload`);
    }
  } finally {
    await h.stop();
    await service.close();
  }
});
