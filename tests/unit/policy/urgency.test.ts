import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STORE_KEY, UrgencyNegotiator } from '../../../src/engine/policy/urgency.ts';
import { silentLogger } from '../../../src/engine/log.ts';
import { ManualClock } from '../../support/manual-clock.ts';
import { MemoryStore } from '../../support/memory-store.ts';

const URL = 'ws://svc.example/';

function setup(store = new MemoryStore()) {
  const clock = new ManualClock();
  const sent: string[] = [];
  let open = true;
  const n = new UrgencyNegotiator({
    store,
    clock,
    logger: silentLogger,
    serviceUrl: URL,
    send: (f) => (open ? (sent.push(f), true) : false),
    replyTimeoutMs: 5000,
    closeGraceMs: 3000,
  });
  return { n, clock, sent, store, close: () => (open = false) };
}
const mins = (sent: string[]) => sent.map((f) => (JSON.parse(f) as { min: string }).min);

test('an unknown service is not probed for very-low (it filters nothing)', () => {
  const { n, sent } = setup();
  n.connected('very-low');
  assert.deepEqual(sent, []);
  assert.equal(n.support, 'unknown');
});

test('status 200: supported, remembered; later changes are sent; the same value is not sent twice', () => {
  const { n, sent, store } = setup();
  n.connected('low');
  assert.deepEqual(mins(sent), ['low']);
  n.reply(200);
  assert.equal(n.support, 'supported');
  assert.deepEqual(store.get(STORE_KEY), { [URL]: 'supported' });
  n.request('low');
  n.request('high');
  n.reply(200);
  n.request('very-low');
  assert.deepEqual(mins(sent), ['low', 'high', 'very-low'], 'a supported service is told when filtering is lifted');
});

test('no reply within the timeout: unsupported, never sent again to that URL, even after reconnecting', () => {
  const { n, sent, clock } = setup();
  n.connected('high');
  clock.advance(4999);
  assert.equal(n.support, 'unknown');
  clock.advance(1);
  assert.equal(n.support, 'unsupported');
  n.disconnected();
  n.connected('high');
  n.request('low');
  assert.equal(sent.length, 1);
});

test('a close right after the frame: unsupported; remembered across restarts', () => {
  const store = new MemoryStore();
  const { n, sent } = setup(store);
  n.connected('high');
  n.disconnected();
  assert.equal(n.support, 'unsupported');
  const again = setup(store);
  again.n.connected('high');
  assert.deepEqual(again.sent, []);
  assert.equal(sent.length, 1);
});

test('a refusal status: unsupported', () => {
  const { n } = setup();
  n.connected('low');
  n.reply(501);
  assert.equal(n.support, 'unsupported');
});

test('a close long after a confirmed frame says nothing about support', () => {
  const { n, clock } = setup();
  n.connected('low');
  n.reply(200);
  clock.advance(60_000);
  n.disconnected();
  assert.equal(n.support, 'supported');
});

test('unsolicited replies and requests while disconnected are ignored', () => {
  const { n, sent } = setup();
  n.reply(200);
  assert.equal(n.support, 'unknown');
  n.request('high');
  assert.deepEqual(sent, []);
});
