// A push service that sends everything a broken or hostile peer could: the engine logs, recovers, never crashes.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { WebSocketServer, type WebSocket } from 'ws';
import { startEngine, waitFor } from '../../support/engine-harness.ts';

const UAID = 'a'.repeat(32);

test('malformed, binary, oversized and out-of-order frames and unknown channels never crash the engine', async () => {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(wss, 'listening');
  const port = (wss.address() as { port: number }).port;
  const received: unknown[] = [];
  let connections = 0;
  let session: WebSocket | null = null;
  wss.on('connection', (ws) => {
    connections++;
    session = ws;
    ws.on('message', (raw) => {
      const msg = JSON.parse(String(raw)) as { messageType?: string; channelID?: string };
      received.push(msg);
      if (msg.messageType === 'hello') {
        // Out of order: a notification and a register reply before the hello reply.
        ws.send(JSON.stringify({ messageType: 'notification', channelID: crypto.randomUUID(), version: 'early' }));
        ws.send(
          JSON.stringify({
            messageType: 'register',
            channelID: crypto.randomUUID(),
            status: 200,
            pushEndpoint: 'http://x/y',
          }),
        );
        ws.send(JSON.stringify({ messageType: 'hello', uaid: UAID, status: 200, use_webpush: true }));
      } else if (msg.messageType === 'register') {
        ws.send(
          JSON.stringify({
            messageType: 'register',
            channelID: msg.channelID,
            status: 200,
            pushEndpoint: `http://127.0.0.1:${port}/wpush/v1/x`,
          }),
        );
      }
    });
  });

  const h = await startEngine(`ws://127.0.0.1:${port}/`, { connection: { backoffInitialMs: 20, backoffMaxMs: 100 } });
  try {
    const sub = await h.engine.subscribe({ kind: 'endpoint', label: 'hostile' });
    const hostile: Array<string | Buffer> = [
      'not json',
      '[]',
      'null',
      '42',
      JSON.stringify({ messageType: 7 }),
      JSON.stringify({ messageType: 'notification' }),
      JSON.stringify({ messageType: 'notification', channelID: 'not-a-uuid', version: 'v' }),
      JSON.stringify({ messageType: 'notification', channelID: sub.id, version: 5 }),
      JSON.stringify({ messageType: 'notification', channelID: crypto.randomUUID(), version: 'unknown-channel' }),
      JSON.stringify({ messageType: 'notification', channelID: crypto.randomUUID(), version: 'v', data: '!!!' }),
      JSON.stringify({ messageType: 'notification', channelID: crypto.randomUUID(), version: 'v', headers: [] }),
      JSON.stringify({ messageType: 'notification', updates: [{ channelID: 'x', version: 'y' }] }),
      JSON.stringify({ messageType: 'hello', uaid: UAID, status: 200 }),
      JSON.stringify({ messageType: 'unregister', channelID: crypto.randomUUID(), status: 200 }),
      JSON.stringify({ messageType: 'something-new', payload: {} }),
      JSON.stringify({ messageType: 'notification', channelID: '__proto__', version: 'x' }),
      Buffer.from([0, 1, 2, 3]),
    ];
    for (const frame of hostile) session!.send(frame);
    // A frame with the real channel but garbage ciphertext: acked 101, never shown.
    const channelID = (
      received.find((m) => (m as { messageType?: string }).messageType === 'register') as { channelID: string }
    ).channelID;
    session!.send(
      JSON.stringify({
        messageType: 'notification',
        channelID,
        version: 'garbage',
        data: 'AAAA',
        headers: { encoding: 'aes128gcm' },
      }),
    );
    await waitFor('ack 101 for the undecryptable message', () =>
      received.some((m) => JSON.stringify(m).includes('"version":"garbage","code":101')),
    );
    await waitFor('ack 102 for the unknown channel', () =>
      received.some((m) => JSON.stringify(m).includes('"version":"unknown-channel","code":102')),
    );
    // Oversized frame: ws closes the socket (1009); the engine reconnects.
    session!.send('x'.repeat(200_000));
    await waitFor('reconnected after the oversized frame', () => connections >= 2 && h.engine.connected, 5_000);
    assert.equal(h.notifier.shown.length, 0, 'nothing hostile was shown');
    assert.ok(h.logger.lines.some((l) => l.includes('bad frame from push service')));
  } finally {
    await h.stop();
    wss.close();
  }
});
