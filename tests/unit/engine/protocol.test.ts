import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { clientFrames, parseServerFrame } from '../../../src/engine/protocol.ts';

const CH = '0f8e6a4c-1b2d-4e3f-8a9b-0c1d2e3f4a5b';
const parse = (v: unknown, binary = false) => parseServerFrame(typeof v === 'string' ? v : JSON.stringify(v), binary);

test('hello, register, unregister and notification frames parse into typed messages', () => {
  assert.deepEqual(parse({ messageType: 'hello', uaid: 'a'.repeat(32), status: 200, use_webpush: true, extra: 1 }), {
    ok: true,
    message: { type: 'hello', uaid: 'a'.repeat(32), status: 200, useWebpush: true },
  });
  assert.deepEqual(
    parse({ messageType: 'register', channelID: CH, status: 200, pushEndpoint: 'https://p/wpush/v1/t' }),
    {
      ok: true,
      message: { type: 'register', channelID: CH, status: 200, pushEndpoint: 'https://p/wpush/v1/t' },
    },
  );
  const n = parse({
    messageType: 'notification',
    channelID: CH,
    version: 'v1',
    data: 'AAEC',
    headers: { encoding: 'aes128gcm', ttl: 5 },
  });
  assert.deepEqual(n, {
    ok: true,
    message: { type: 'notification', channelID: CH, version: 'v1', data: 'AAEC', headers: { encoding: 'aes128gcm' } },
  });
  assert.deepEqual(parse({}), { ok: true, message: { type: 'ping' } });
  assert.deepEqual(parse({ messageType: 'notification', updates: [{ channelID: CH, version: 5 }] }), {
    ok: true,
    message: { type: 'legacy-updates', updates: [{ channelID: CH, version: 5 }] },
  });
  assert.deepEqual(parse({ messageType: 'future-thing' }), {
    ok: true,
    message: { type: 'unknown', messageType: 'future-thing' },
  });
});

test('bad frames are typed errors with a stable kind', () => {
  const kinds = (v: unknown, binary = false) => {
    const r = parse(v, binary);
    return r.ok ? 'ok' : r.error.kind;
  };
  assert.equal(kinds('x', true), 'not-text');
  assert.equal(kinds('{nope'), 'bad-json');
  assert.equal(kinds('[1]'), 'not-an-object');
  assert.equal(kinds({ a: 1 }), 'missing-field');
  assert.equal(kinds({ messageType: 'hello', uaid: 'XYZ', status: 200 }), 'bad-field');
  assert.equal(kinds({ messageType: 'register', channelID: CH, status: 200 }), 'bad-field');
  assert.equal(
    kinds({ messageType: 'register', channelID: CH, status: 200, pushEndpoint: 'javascript:alert(1)' }),
    'bad-field',
  );
  assert.equal(kinds({ messageType: 'notification', channelID: CH.toUpperCase(), version: 'v' }), 'bad-field');
  assert.equal(kinds({ messageType: 'notification', channelID: CH, version: 'v', data: '***' }), 'bad-field');
  assert.equal(
    kinds({ messageType: 'notification', channelID: CH, version: 'v', headers: { encoding: 1 } }),
    'bad-field',
  );
  assert.equal(kinds('x'.repeat(70_000)), 'too-large');
});

test('client frames are what autopush expects', () => {
  assert.deepEqual(JSON.parse(clientFrames.hello(null)), { messageType: 'hello', use_webpush: true, broadcasts: {} });
  assert.deepEqual(JSON.parse(clientFrames.hello('b'.repeat(32))), {
    messageType: 'hello',
    uaid: 'b'.repeat(32),
    use_webpush: true,
    broadcasts: {},
  });
  assert.deepEqual(JSON.parse(clientFrames.ack([{ channelID: CH, version: 'v', code: 100 }])), {
    messageType: 'ack',
    updates: [{ channelID: CH, version: 'v', code: 100 }],
  });
  assert.deepEqual(JSON.parse(clientFrames.nack('v', 302)), { messageType: 'nack', version: 'v', code: 302 });
  assert.equal(clientFrames.ping(), '{}');
});

test('fuzz: any frame parses to a message or a ProtocolError, never throws', () => {
  const runs = Number(process.env.FUZZ_RUNS ?? 5000);
  const frame = fc.oneof(
    fc.string(),
    fc.json(),
    fc
      .record(
        {
          messageType: fc.constantFrom('hello', 'register', 'unregister', 'notification', 'ping', 'broadcast', 'x'),
          channelID: fc.oneof(fc.uuid(), fc.string()),
          version: fc.oneof(fc.string(), fc.integer()),
          uaid: fc.string(),
          status: fc.integer(),
          data: fc.string(),
          headers: fc.anything(),
          updates: fc.anything(),
          pushEndpoint: fc.webUrl(),
        },
        { requiredKeys: [] },
      )
      .map((o) => JSON.stringify(o)),
  );
  fc.assert(
    fc.property(frame, fc.boolean(), (f, binary) => {
      const r = parseServerFrame(f, binary);
      assert.ok(r.ok || r.error.name === 'ProtocolError');
    }),
    { numRuns: runs },
  );
});

test('one builder writes both acks: Web Push with codes, Simple Push with the integer versions', () => {
  assert.deepEqual(JSON.parse(clientFrames.ack([{ channelID: CH, version: 'v1', code: 100 }])), {
    messageType: 'ack',
    updates: [{ channelID: CH, version: 'v1', code: 100 }],
  });
  assert.deepEqual(JSON.parse(clientFrames.ack([{ channelID: CH, version: 7 }])), {
    messageType: 'ack',
    updates: [{ channelID: CH, version: 7 }],
  });
});
