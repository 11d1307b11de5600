import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { displayPayload, parseDeclarative } from '../../../src/engine/delivery/declarative.ts';
import { validateNotification } from '../../../src/engine/notification.ts';

const base = 'https://example.org';
const enc = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));

test('payloads without a worker: declarative, JSON with title, text, binary, empty', () => {
  const dwp = displayPayload(
    enc({ web_push: 8030, notification: { title: 'T', body: 'B', navigate: '/go', app_badge: 3 } }),
    'Label',
    base,
  );
  assert.equal(dwp.kind, 'declarative');
  if (dwp.kind === 'declarative') {
    assert.equal(dwp.message.notification.title, 'T');
    assert.equal(dwp.message.notification.navigate, 'https://example.org/go');
    assert.equal(dwp.message.appBadge, 3);
    assert.equal(dwp.message.mutable, false);
  }
  assert.deepEqual(displayPayload(enc({ title: 'Hi', body: 'there', url: 'https://a.example/x' }), 'L', base), {
    kind: 'plain',
    notification: {
      title: 'Hi',
      body: 'there',
      tag: '',
      renotify: false,
      requireInteraction: false,
      silent: false,
      dir: 'auto',
      navigate: 'https://a.example/x',
    },
  });
  assert.deepEqual(displayPayload(enc('just text'), 'Label', base), {
    kind: 'plain',
    notification: { title: 'Label', body: 'just text' },
  });
  assert.deepEqual(displayPayload(new Uint8Array([0xff, 0xfe, 0x00]), 'Label', base), {
    kind: 'plain',
    notification: { title: 'Label', body: 'New message (3 bytes)' },
  });
  assert.deepEqual(displayPayload(null, 'Label', base), {
    kind: 'plain',
    notification: { title: 'Label', body: 'New message' },
  });
});

test('mutable and app_badge are accepted inside notification or at the top level', () => {
  const inside = parseDeclarative(
    { web_push: 8030, notification: { title: 't', navigate: 'https://x.example/', mutable: true, app_badge: '7' } },
    base,
  );
  const top = parseDeclarative(
    { web_push: 8030, mutable: true, app_badge: 7, notification: { title: 't', navigate: 'https://x.example/' } },
    base,
  );
  assert.equal(inside?.mutable, true);
  assert.equal(top?.mutable, true);
  assert.equal(inside?.appBadge, 7);
  assert.equal(top?.appBadge, 7);
});

test('invalid declarative JSON takes the ordinary path', () => {
  for (const bad of [
    { web_push: 8031, notification: { title: 't', navigate: 'https://x/' } },
    { web_push: 8030, notification: { title: 't' } },
    { web_push: 8030, notification: { title: 't', navigate: 'javascript:alert(1)' } },
    { web_push: 8030, notification: { title: 5, navigate: 'https://x/' } },
    { web_push: 8030 },
  ]) {
    assert.equal(parseDeclarative(bad, base), null, JSON.stringify(bad));
  }
});

test('showNotification validation follows the spec: TypeErrors, URL resolution, caps', () => {
  assert.throws(() => validateNotification('t', { renotify: true }, base), TypeError);
  assert.throws(() => validateNotification('t', { silent: true, vibrate: [100] }, base), TypeError);
  assert.throws(() => validateNotification(5, {}, base), TypeError);
  const n = validateNotification(
    'x'.repeat(1000),
    {
      icon: '/i.png',
      navigate: 'file:///etc/passwd',
      actions: [
        { action: 'a', title: 'A', navigate: '/a' },
        { action: 'b', title: 'B' },
        { action: 'c', title: 'C' },
      ],
    },
    base,
  );
  assert.equal(n.title.length, 256);
  assert.equal(n.icon, 'https://example.org/i.png');
  assert.equal(n.navigate, undefined, 'only http(s) URLs survive');
  assert.equal(n.actions?.length, 2);
  assert.equal(n.actions?.[0]?.navigate, 'https://example.org/a');
});

test('fuzz: any payload yields a notification, never an exception', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 600 }),
        fc.json().map(enc),
        fc.anything().map((v) => enc({ web_push: 8030, notification: v, mutable: v, app_badge: v })),
      ),
      (data) => {
        const d = displayPayload(data, 'L', base);
        const title = d.kind === 'declarative' ? d.message.notification.title : d.notification.title;
        assert.equal(typeof title, 'string');
      },
    ),
    { numRuns: Number(process.env.FUZZ_RUNS ?? 5000) },
  );
});
