// The decryption thread's entry (decrypt-thread.ts starts it): decryptPush on messages posted to it, so a backlog's
// decryption runs on a second core while the main thread parses, journals, acks and dispatches.
import { parentPort } from 'node:worker_threads';
import { decryptPush, type PushHeaders } from './decrypt.ts';
import { DecryptError } from './errors.ts';
import type { SubscriptionKeys } from './keys.ts';

export interface DecryptRequest {
  id: number;
  data: Uint8Array | null;
  headers: PushHeaders;
  keys: { privateKey: Uint8Array; publicKey: Uint8Array; authSecret: Uint8Array };
}

export type DecryptReply =
  | { id: number; plaintext: Uint8Array | null }
  | { id: number; error: { kind: DecryptError['kind'] | null; message: string } };

// decryptPush prepares the ECDH object once per keys object; posted keys are new objects each time, so keep one
// per private key (a few hundred bytes per subscription seen; the thread stops when idle).
const keysByPrivate = new Map<string, SubscriptionKeys>();

parentPort?.on('message', (req: DecryptRequest) => {
  let reply: DecryptReply;
  try {
    const id = Buffer.from(req.keys.privateKey).toString('base64');
    let keys = keysByPrivate.get(id);
    if (!keys) {
      keys = {
        privateKey: Buffer.from(req.keys.privateKey),
        publicKey: Buffer.from(req.keys.publicKey),
        authSecret: Buffer.from(req.keys.authSecret),
      };
      keysByPrivate.set(id, keys);
    }
    const plaintext = decryptPush(
      { data: req.data === null ? null : Buffer.from(req.data), headers: req.headers },
      keys,
    );
    reply = { id: req.id, plaintext };
  } catch (err) {
    reply = {
      id: req.id,
      error: { kind: err instanceof DecryptError ? err.kind : null, message: (err as Error).message },
    };
  }
  parentPort!.postMessage(reply);
});
