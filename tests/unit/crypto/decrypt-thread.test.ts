// The decryption thread against decryptPush on the same messages: same plaintext, same typed errors, in a real
// worker_threads Worker running decrypt-worker.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getHeapSnapshot } from 'node:v8';
import { DecryptThread } from '../../../src/engine/crypto/decrypt-thread.ts';
import {
  DecryptError,
  decryptPush,
  generateSubscriptionKeys,
  type EncryptedPush,
} from '../../../src/engine/crypto/index.ts';
import { webPushMessage } from '../../support/web-push-message.ts';

const keys = generateSubscriptionKeys();
const other = generateSubscriptionKeys();
const sealed = (payload: string, to = keys, contentEncoding: 'aes128gcm' | 'aesgcm' = 'aes128gcm'): EncryptedPush =>
  webPushMessage(payload, to, { contentEncoding });

test('the thread is found (source tree) and decrypts what decryptPush decrypts, in both encodings', async () => {
  const thread = new DecryptThread();
  try {
    assert.ok(thread.available, 'decrypt-worker.ts beside decrypt-thread.ts');
    const msgs = [
      sealed('hello'),
      sealed('x'.repeat(3000)),
      sealed('aesgcm text', keys, 'aesgcm'),
      { data: null, headers: {} },
    ];
    const got = await Promise.all(msgs.map((m) => thread.decrypt(m, keys)));
    assert.deepEqual(
      got,
      msgs.map((m) => decryptPush(m, keys)),
    );
    assert.ok(Buffer.isBuffer(got[0]));
  } finally {
    await thread.close();
  }
});

test('a message it cannot decrypt rejects with the same DecryptError kind as decryptPush', async () => {
  const thread = new DecryptThread();
  try {
    for (const m of [
      sealed('for someone else', other),
      { data: Buffer.from('garbage'), headers: { encoding: 'aes128gcm' } },
      { data: Buffer.alloc(40), headers: { encoding: 'bogus' } },
    ]) {
      const expected = (() => {
        try {
          decryptPush(m, keys);
        } catch (err) {
          return err as DecryptError;
        }
        return null;
      })();
      if (expected === null) {
        assert.equal(await thread.decrypt(m, keys), null);
        continue;
      }
      await assert.rejects(
        thread.decrypt(m, keys),
        (err: unknown) => err instanceof DecryptError && err.kind === expected.kind && err.message === expected.message,
      );
    }
    assert.equal(
      (await thread.decrypt(sealed('still works'), keys))?.toString(),
      'still works',
      'the thread survives failures',
    );
  } finally {
    await thread.close();
  }
});

test('what the thread had not answered when it stops is decrypted on the calling thread, not lost', async () => {
  const thread = new DecryptThread();
  const pending = [thread.decrypt(sealed('late'), keys), thread.decrypt(sealed('late too', other), keys)];
  const settled = Promise.allSettled(pending);
  await thread.close();
  const [a, b] = (await settled) as [PromiseSettledResult<Buffer | null>, PromiseSettledResult<Buffer | null>];
  assert.equal(a.status === 'fulfilled' ? a.value?.toString() : a.reason, 'late');
  assert.ok(
    b.status === 'rejected' && b.reason instanceof DecryptError,
    'a real decryption failure still rejects, typed',
  );
});

test('requests made together for several subscriptions each use their own keys, also on a new thread after a stop', async () => {
  const thread = new DecryptThread();
  const third = generateSubscriptionKeys();
  try {
    // One task's requests go to the thread in one message, keys named by id after their first use.
    const round = () =>
      Promise.all([
        thread.decrypt(sealed('to keys'), keys),
        thread.decrypt(sealed('to other', other), other),
        thread.decrypt(sealed('to keys again'), { ...keys }),
        thread.decrypt(sealed('to third', third), third),
        thread.decrypt(sealed('to other again', other), other),
      ]);
    const expected = ['to keys', 'to other', 'to keys again', 'to third', 'to other again'];
    assert.deepEqual((await round()).map(String), expected);
    await assert.rejects(thread.decrypt(sealed('for other, with keys', other), keys), DecryptError);
    // A stopped thread forgets the keys it was sent; the next one is sent them again.
    await thread.close();
    assert.deepEqual((await round()).map(String), expected);
  } finally {
    await thread.close();
  }
});

test('the calling thread keeps no copy of a private key or auth secret as a string while it sends keys by id', async () => {
  // A string cannot be wiped: a secret held as one stays in the heap until collected, and the one keyed on here
  // stayed as long as the thread ran. Searched for in a heap snapshot of this process, as latin1 text.
  const mine = generateSubscriptionKeys();
  const thread = new DecryptThread();
  try {
    assert.equal((await thread.decrypt(sealed('secret keeping', mine), mine))?.toString(), 'secret keeping');
    let text = '';
    for await (const chunk of getHeapSnapshot()) text += String(chunk);
    const strings = (JSON.parse(text) as { strings: string[] }).strings.map((str) => Buffer.from(str, 'latin1'));
    for (const [name, bytes] of [
      ['private key', mine.privateKey],
      ['auth secret', mine.authSecret],
    ] as const) {
      const held = strings.some((str) => str.includes(bytes));
      assert.equal(held, false, `the ${name} is in the heap as a string`);
    }
  } finally {
    await thread.close();
  }
});
