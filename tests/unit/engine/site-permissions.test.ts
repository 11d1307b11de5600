import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Store } from '../../../src/engine/ports.ts';
import { SitePermissions } from '../../../src/engine/site-permissions.ts';

function memoryStore(): Store & { data: Map<string, unknown> } {
  const data = new Map<string, unknown>();
  return {
    data,
    get: (k) => data.get(k),
    set: (k, v) => void data.set(k, JSON.parse(JSON.stringify(v))),
    delete: (k) => void data.delete(k),
  };
}

test('a site starts at prompt; the answer is asked once, remembered, and shared by concurrent asks', async () => {
  const store = memoryStore();
  const asked: string[] = [];
  let answer!: (allow: boolean) => void;
  const perms = new SitePermissions(store, (origin) => {
    asked.push(origin);
    return new Promise((resolve) => (answer = resolve));
  });
  assert.equal(perms.state('https://a.example'), 'prompt');
  const both = Promise.all([perms.ask('https://a.example'), perms.ask('https://a.example')]);
  answer(true);
  assert.deepEqual(await both, ['granted', 'granted']);
  assert.deepEqual(asked, ['https://a.example']);
  assert.equal(await perms.ask('https://a.example'), 'granted');
  assert.equal(asked.length, 1);
  // Remembered across restarts: a new instance on the same store.
  assert.equal(new SitePermissions(store, async () => false).state('https://a.example'), 'granted');
});

test('a refusal is remembered; a failed prompt denies without remembering; forget asks again', async () => {
  const store = memoryStore();
  const perms = new SitePermissions(store, async (origin) => {
    if (origin === 'https://broken.example') throw new Error('no display');
    return false;
  });
  assert.equal(await perms.ask('https://b.example'), 'denied');
  assert.equal(perms.state('https://b.example'), 'denied');
  assert.equal(await perms.ask('https://broken.example'), 'denied');
  assert.equal(perms.state('https://broken.example'), 'prompt');
  perms.forget('https://b.example');
  assert.equal(perms.state('https://b.example'), 'prompt');
});

test('a corrupt store is read as nothing decided, never as granted', () => {
  const store = memoryStore();
  for (const value of ['granted', ['https://a.example'], { 'https://a.example': 'yes' }, null]) {
    store.set('notifications', value);
    assert.equal(new SitePermissions(store, async () => true).state('https://a.example'), 'prompt');
  }
});
