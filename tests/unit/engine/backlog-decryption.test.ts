// A backlog's decryption: more messages than the thread is given at a time, some undecryptable, each resolving
// with its own plaintext or the DecryptError decryptPush gives, whether the thread or (in the quiet after the last
// frame) the calling thread decrypted it; and while frames keep arriving, the calling thread is left to them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BacklogDecryption } from '../../../src/engine/delivery/backlog-decryption.ts';
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
const sealed = (payload: string, to = keys): EncryptedPush => webPushMessage(payload, to);

// Counts what reaches the decryption thread (the real one runs): the rest was decrypted on the calling thread.
let toThread = 0;
const realDecrypt = DecryptThread.prototype.decrypt;
DecryptThread.prototype.decrypt = function (this: DecryptThread, ...args: Parameters<DecryptThread['decrypt']>) {
  toThread++;
  return realDecrypt.apply(this, args);
};

const outcome = (p: Promise<Buffer | null>) =>
  p.then(
    (b) => b?.toString() ?? null,
    (err: unknown) => (err instanceof DecryptError ? `error: ${err.kind}` : `not a DecryptError: ${String(err)}`),
  );

test('every message of a backlog resolves with its own plaintext or its DecryptError, in whatever thread', async () => {
  const decryption = new BacklogDecryption();
  const msgs = Array.from({ length: 120 }, (_, i) =>
    i % 17 === 5 ? sealed(`not ours ${i}`, other) : sealed(`m ${i}`),
  );
  const expected = msgs.map((m) => outcome(Promise.resolve().then(() => decryptPush(m, keys))));
  // A frame "just now", then silence: the calling thread joins in once the quiet has lasted.
  decryption.noteFrame();
  toThread = 0;
  const got = await Promise.all(msgs.map((m) => outcome(decryption.decrypt(m, keys))));
  assert.deepEqual(got, await Promise.all(expected));
  assert.ok(got.some((g) => g?.startsWith('error: authentication failed')));
  assert.ok(
    toThread > 0 && toThread < msgs.length,
    `both threads decrypted: ${toThread} of ${msgs.length} on the thread`,
  );
});

test('while frames keep arriving, the calling thread decrypts none of the backlog', async () => {
  const decryption = new BacklogDecryption();
  const msgs = Array.from({ length: 120 }, (_, i) => sealed(`m ${i}`));
  const frames = setInterval(() => decryption.noteFrame(), 2); // the service's round trip is ~1-2 ms
  try {
    decryption.noteFrame();
    toThread = 0;
    const got = await Promise.all(msgs.map((m) => decryption.decrypt(m, keys)));
    assert.deepEqual(
      got.map((b) => b?.toString()),
      msgs.map((_, i) => `m ${i}`),
    );
    // A stall of the whole machine longer than the quiet lets this thread take one message per loop turn until the
    // next frame; without the rule it would take about half.
    assert.ok(toThread >= msgs.length - 5, `${toThread} of ${msgs.length} went to the thread`);
  } finally {
    clearInterval(frames);
  }
});
