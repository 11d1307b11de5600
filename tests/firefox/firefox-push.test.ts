// Firefox ESR (headless, throwaway profile) as an independent push client of our local push service: it must be
// able to subscribe through the service and receive pushes in a service worker, in both encodings, also after
// the service drops its connection. Skips when firefox-esr is not installed. `npm run test:firefox`.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startPushService, type PushService } from '../../tools/push-service/index.ts';
import { percentileOf } from './stats.ts';
import { findFirefox, measurePushLatency, startFirefoxPeer, type FirefoxPeer } from './firefox-peer.ts';

const firefox = findFirefox();
const skip = firefox
  ? false
  : 'firefox-esr is not installed (apt-get install firefox-esr); skipping the Firefox push test';

describe('Firefox ESR as a client of the local push service', { skip, timeout: 180_000 }, () => {
  let service: PushService;
  let peer: FirefoxPeer;
  const clientMessages: Array<Record<string, unknown>> = [];
  const acks: Array<{ code: unknown; known: boolean }> = [];

  before(async () => {
    service = await startPushService();
    service.events.on('client-message', (_uaid: string | undefined, msg: Record<string, unknown>) =>
      clientMessages.push(msg),
    );
    service.events.on('ack', (a: { code: unknown; known: boolean }) => acks.push(a));
    peer = await startFirefoxPeer(service.wsUrl);
  });
  after(async () => {
    await peer?.close();
    await service?.close();
  });

  it('subscribes through the service: hello with use_webpush, register with the (padded) VAPID key, a v2 endpoint', () => {
    const hello = clientMessages.find((m) => m.messageType === 'hello');
    assert.equal(hello?.use_webpush, true);
    const register = clientMessages.find((m) => m.messageType === 'register');
    assert.equal(typeof register?.key, 'string');
    assert.match(String(register!.key), /=$/, 'Firefox pads the key');
    assert.equal(Buffer.from(String(register!.key), 'base64url').toString('base64url'), peer.vapid.publicKey);
    assert.ok(peer.subscription.endpoint.startsWith(`${service.httpUrl}/wpush/v2/`), peer.subscription.endpoint);
    // Firefox 153 lists only aes128gcm here, yet still decrypts aesgcm (checked below).
    assert.ok(peer.encodings.includes('aes128gcm'), String(peer.encodings));
  });

  for (const contentEncoding of ['aes128gcm', 'aesgcm'] as const) {
    it(`delivers a ${contentEncoding} push to the service worker`, async () => {
      const text = `hello from the push service (${contentEncoding})`;
      assert.equal((await peer.send(text, { contentEncoding })).statusCode, 201);
      assert.equal((await peer.nextPush(15_000)).text, text);
    });
  }

  it('delivers a push without payload (event.data null)', async () => {
    assert.equal((await peer.send(null)).statusCode, 201);
    assert.equal((await peer.nextPush(15_000)).text, null);
  });

  it('Firefox acks every message with code 100', async () => {
    await waitFor(() => acks.length >= 3, 5000);
    assert.ok(
      acks.every((a) => a.code === 100 && a.known),
      JSON.stringify(acks),
    );
  });

  it('after the service drops the connection, Firefox reconnects with its UAID and gets the stored message', async () => {
    const hellos = () => clientMessages.filter((m) => m.messageType === 'hello').length;
    const before = hellos();
    service.dropConnections();
    assert.equal((await peer.send('stored while away', { TTL: 600 })).statusCode, 201);
    assert.equal((await peer.nextPush(30_000)).text, 'stored while away');
    assert.ok(hellos() > before);
    const last = clientMessages.filter((m) => m.messageType === 'hello').at(-1)!;
    assert.match(String(last.uaid), /^[0-9a-f]{32}$/, 'a reconnect presents the UAID it has subscriptions under');
  });

  it('send -> push event latency (diagnostic only, not asserted)', async (t) => {
    for (const contentEncoding of ['aes128gcm', 'aesgcm'] as const) {
      const ms = await measurePushLatency(peer, 20, { contentEncoding });
      t.diagnostic(
        `${contentEncoding}: p50 ${percentileOf(ms, 50).toFixed(1)} ms, p99 ${percentileOf(ms, 99).toFixed(1)} ms over ${ms.length}`,
      );
    }
  });
});

async function waitFor(predicate: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
