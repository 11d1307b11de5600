// The icon cache with a stub fetch (the real one is Electron's net.fetch, which cannot run here): real Response
// objects, so body streaming and headers behave as on the network.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IconCache } from '../../../src/main/icon-cache.ts';

type Init = { signal: AbortSignal; redirect: 'follow' };

function stubFetch(handler: (url: string, init: Init) => Response | Promise<Response>) {
  const calls: string[] = [];
  const fetch = async (url: string, init: Init) => {
    calls.push(url);
    const r = await handler(url, init);
    Object.defineProperty(r, 'url', { value: url });
    return r;
  };
  return { fetch, calls };
}

const png = (n: number) => new Response(new Uint8Array(n).fill(7), { headers: { 'content-type': 'image/png' } });

test('icons are fetched once over https and then served from the cache', async () => {
  const { fetch, calls } = stubFetch(() => png(100));
  const cache = new IconCache({ fetch });
  const [a, b] = await Promise.all([cache.get('https://x.example/i.png'), cache.get('https://x.example/i.png')]);
  assert.equal(a?.byteLength, 100);
  assert.equal(b, a);
  assert.equal((await cache.get('https://x.example/i.png'))?.byteLength, 100);
  assert.equal(calls.length, 1);
});

test('non-https URLs are never fetched (http only on loopback when allowed)', async () => {
  const { fetch, calls } = stubFetch(() => png(10));
  const cache = new IconCache({ fetch });
  for (const url of [
    'http://x.example/i.png',
    'file:///etc/passwd',
    'data:image/png;base64,AA==',
    'https://u:p@x.example/i.png',
    'nonsense',
  ]) {
    assert.equal(await cache.get(url), null);
  }
  assert.equal(await cache.get('http://127.0.0.1:8081/i.png'), null);
  assert.equal(calls.length, 0);
  const dev = new IconCache({ fetch, allowLoopbackHttp: true });
  assert.equal((await dev.get('http://127.0.0.1:8081/i.png'))?.byteLength, 10);
  assert.equal(await dev.get('http://example.com/i.png'), null);
});

test('an icon over the size cap is refused, by its declared length or while streaming', async () => {
  const declared = stubFetch(
    () => new Response('x', { headers: { 'content-type': 'image/png', 'content-length': '999999' } }),
  );
  assert.equal(await new IconCache({ fetch: declared.fetch, maxBytes: 1000 }).get('https://x.example/a.png'), null);
  let pulled = 0;
  const streamed = stubFetch(
    () =>
      new Response(
        new ReadableStream<Uint8Array>({
          pull(controller) {
            pulled++;
            controller.enqueue(new Uint8Array(400));
            if (pulled > 1000) controller.close();
          },
        }),
        { headers: { 'content-type': 'image/png' } },
      ),
  );
  assert.equal(await new IconCache({ fetch: streamed.fetch, maxBytes: 1000 }).get('https://x.example/b.png'), null);
  assert.ok(pulled < 10, `stopped reading early (${pulled} chunks)`);
});

test('non-images, SVG, errors and failures yield no icon, and the failure is cached', async () => {
  const { fetch, calls } = stubFetch((url) => {
    if (url.endsWith('html')) return new Response('<html>', { headers: { 'content-type': 'text/html' } });
    if (url.endsWith('svg')) return new Response('<svg/>', { headers: { 'content-type': 'image/svg+xml' } });
    if (url.endsWith('404')) return new Response('', { status: 404, headers: { 'content-type': 'image/png' } });
    throw new TypeError('network down');
  });
  const cache = new IconCache({ fetch });
  for (const url of [
    'https://x.example/a.html',
    'https://x.example/a.svg',
    'https://x.example/404',
    'https://x.example/down',
  ])
    assert.equal(await cache.get(url), null);
  await cache.get('https://x.example/down');
  assert.equal(calls.length, 4);
});

test('a slow server is cut off by the timeout', async () => {
  const { fetch } = stubFetch(
    (_url, init) =>
      new Promise<Response>((_resolve, reject) => {
        init.signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
      }),
  );
  assert.equal(await new IconCache({ fetch, timeoutMs: 10 }).get('https://x.example/slow.png'), null);
});

test('the cache keeps within its entry and byte caps, evicting the least recently used', async () => {
  const { fetch, calls } = stubFetch(() => png(100));
  const cache = new IconCache({ fetch, maxEntries: 3, maxTotalBytes: 250 });
  await cache.get('https://x.example/1');
  await cache.get('https://x.example/2');
  assert.equal(cache.totalBytes, 200);
  await cache.get('https://x.example/1'); // 1 is now the most recent
  await cache.get('https://x.example/3'); // over 250 bytes: 2 goes
  assert.equal(cache.totalBytes, 200);
  assert.equal(cache.size, 2);
  await cache.get('https://x.example/1');
  assert.equal(calls.length, 3);
  await cache.get('https://x.example/2');
  assert.equal(calls.length, 4);
});
