// The decryption thread's entry (decrypt-thread.ts starts it): decryptPush on messages posted to it, so a backlog's
// decryption runs on a second core while the main thread parses, journals, acks and dispatches. Requests come in
// batches (all those made in one task of the main thread) and are answered with one message per batch: each
// postMessage costs both threads a few microseconds of serialising and waking up, per message that was ~10% of the
// thread's work.
import { parentPort } from 'node:worker_threads';
import { decryptPush, type PushHeaders } from './decrypt.ts';
import { DecryptError } from './errors.ts';
import type { SubscriptionKeys } from './keys.ts';

export interface DecryptRequest {
  id: number;
  data: Uint8Array | null;
  headers: PushHeaders;
  /** Names the keys for this thread; they are posted only with the first request that uses them. */
  keyId: number;
  keys?: { privateKey: Uint8Array; publicKey: Uint8Array; authSecret: Uint8Array };
}

export type DecryptReply =
  | { id: number; plaintext: Uint8Array | null }
  | { id: number; error: { kind: DecryptError['kind'] | null; message: string } };

// decryptPush prepares the ECDH object once per keys object, so each key id keeps one (a few hundred bytes per
// subscription seen; the thread stops when idle, and forgets them).
const keysById = new Map<number, SubscriptionKeys>();

const view = (a: Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

function decryptOne(req: DecryptRequest, transfer: ArrayBuffer[]): DecryptReply {
  try {
    if (req.keys)
      keysById.set(req.keyId, {
        privateKey: view(req.keys.privateKey),
        publicKey: view(req.keys.publicKey),
        authSecret: view(req.keys.authSecret),
      });
    const keys = keysById.get(req.keyId);
    if (!keys) throw new DecryptError('internal error', 'keys not posted to the decryption thread');
    const plaintext = decryptPush({ data: req.data === null ? null : view(req.data), headers: req.headers }, keys);
    if (plaintext === null) return { id: req.id, plaintext: null };
    // An exact copy, transferred: the plaintext is a view into a larger buffer (the padding, or a pooled
    // Buffer.concat), all of which a plain post would copy.
    const out = new Uint8Array(plaintext);
    transfer.push(out.buffer);
    return { id: req.id, plaintext: out };
  } catch (err) {
    return {
      id: req.id,
      error: { kind: err instanceof DecryptError ? err.kind : null, message: (err as Error).message },
    };
  }
}

parentPort?.on('message', (batch: DecryptRequest[]) => {
  const transfer: ArrayBuffer[] = [];
  const replies = batch.map((req) => decryptOne(req, transfer));
  parentPort!.postMessage(replies, transfer);
});
