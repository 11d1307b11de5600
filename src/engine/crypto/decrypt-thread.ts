// Decryption on a second thread, for backlogs: one worker_threads Worker running decrypt-worker.ts, started on
// first use and stopped after a few idle seconds (an idle agent keeps no second V8 heap). Same contract as
// decryptPush: resolves with the plaintext (null for no data) or rejects with a DecryptError. If the thread fails
// or is stopped, what it had not answered is decrypted on the calling thread instead: a message the agent has
// already acked must not be lost to a thread.
//
// Where the worker script cannot be found (a bundle built without it, or a CommonJS bundle such as Electron's main
// process, where import.meta.url is not available), `available` is false and callers decrypt on their own thread.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { decryptPush, type EncryptedPush } from './decrypt.ts';
import { DecryptError } from './errors.ts';
import type { SubscriptionKeys } from './keys.ts';
import type { DecryptReply, DecryptRequest } from './decrypt-worker.ts';

const IDLE_STOP_MS = 5_000;

function workerScript(): URL | null {
  const here = typeof import.meta.url === 'string' ? import.meta.url : '';
  if (!here.startsWith('file:')) return null;
  // Source: the sibling .ts file; the CLI bundle: decrypt-worker.js beside it (scripts/build.ts).
  const url = new URL(here.endsWith('.ts') ? './decrypt-worker.ts' : './decrypt-worker.js', here);
  return fs.existsSync(fileURLToPath(url)) ? url : null;
}

/**
 * The keys' Map key (the registry hands out a new keys object for every message): the public key, which names its key
 * pair, and with it the auth secret made with the pair (new keys mean a new pair). Never the secrets: a string cannot
 * be wiped, and a secret kept as one would stay in this heap as long as the thread runs.
 */
const keysText = (k: SubscriptionKeys) =>
  Buffer.from(k.publicKey.buffer, k.publicKey.byteOffset, k.publicKey.byteLength).toString('latin1');

export class DecryptThread {
  readonly #script = workerScript();
  #worker: Worker | null = null;
  #next = 0;
  #waiting = new Map<
    number,
    { msg: EncryptedPush; keys: SubscriptionKeys; resolve: (p: Buffer | null) => void; reject: (e: Error) => void }
  >();
  #idleTimer: NodeJS.Timeout | null = null;
  /** Requests made in this task, posted together at its end (one postMessage per batch, answered by one). */
  #outbox: DecryptRequest[] = [];
  #transfer: ArrayBuffer[] = [];
  /** Keys this worker has been sent, by their public key: later requests name them by id. */
  #keyIds = new Map<string, number>();

  get available(): boolean {
    return this.#script !== null;
  }

  /** Requests not answered yet. */
  get pending(): number {
    return this.#waiting.size;
  }

  decrypt(msg: EncryptedPush, keys: SubscriptionKeys): Promise<Buffer | null> {
    if (!this.#script) {
      try {
        return Promise.resolve(decryptPush(msg, keys));
      } catch (err) {
        return Promise.reject(err as Error);
      }
    }
    this.#start();
    const id = this.#next++;
    // Posting a Buffer clones its whole ArrayBuffer, and small Buffers are slices of a shared 8 KiB pool: posted as
    // they are, each message cost several pools' copies on the main thread. An exact copy instead, transferred.
    const data = msg.data === null ? null : new Uint8Array(msg.data);
    const req: DecryptRequest = { id, data, headers: msg.headers ?? {}, keyId: 0 };
    const text = keysText(keys);
    const known = this.#keyIds.get(text);
    if (known !== undefined) req.keyId = known;
    else {
      req.keyId = this.#keyIds.size;
      this.#keyIds.set(text, req.keyId);
      req.keys = {
        privateKey: new Uint8Array(keys.privateKey),
        publicKey: new Uint8Array(keys.publicKey),
        authSecret: new Uint8Array(keys.authSecret),
      };
    }
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { msg, keys, resolve, reject });
      this.#outbox.push(req);
      if (data) this.#transfer.push(data.buffer);
      if (this.#outbox.length === 1) queueMicrotask(() => this.#post());
    });
  }

  #post(): void {
    const batch = this.#outbox;
    const transfer = this.#transfer;
    this.#outbox = [];
    this.#transfer = [];
    // No worker: it failed or was stopped since, and took these back (#takeBack).
    if (batch.length) this.#worker?.postMessage(batch, transfer);
  }

  /** Stops the thread; what it had not answered is decrypted on this thread. */
  async close(): Promise<void> {
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
    const w = this.#worker;
    this.#worker = null;
    this.#takeBack();
    await w?.terminate();
  }

  #start(): Worker {
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
    if (this.#worker) return this.#worker;
    const worker = new Worker(this.#script!);
    worker.unref();
    this.#keyIds.clear();
    worker.on('message', (replies: DecryptReply[]) => {
      for (const reply of replies) this.#answer(reply);
      if (this.#waiting.size === 0) this.#scheduleStop();
    });
    worker.on('error', () => {
      if (this.#worker === worker) this.#worker = null;
      this.#takeBack();
    });
    worker.on('exit', () => {
      if (this.#worker === worker) this.#worker = null;
      this.#takeBack();
    });
    this.#worker = worker;
    return worker;
  }

  #answer(reply: DecryptReply): void {
    const w = this.#waiting.get(reply.id);
    if (!w) return;
    this.#waiting.delete(reply.id);
    if ('error' in reply) {
      const kind = reply.error.kind ?? 'internal error';
      const message = reply.error.message.startsWith(`${kind}: `)
        ? reply.error.message.slice(kind.length + 2)
        : reply.error.message;
      w.reject(new DecryptError(kind, message));
    } else
      w.resolve(
        reply.plaintext === null
          ? null
          : Buffer.from(reply.plaintext.buffer, reply.plaintext.byteOffset, reply.plaintext.byteLength),
      );
  }

  #scheduleStop(): void {
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = null;
      if (this.#waiting.size) return;
      const w = this.#worker;
      this.#worker = null;
      void w?.terminate();
    }, IDLE_STOP_MS);
    this.#idleTimer.unref();
  }

  #takeBack(): void {
    this.#outbox = [];
    this.#transfer = [];
    const waiting = [...this.#waiting.values()];
    this.#waiting.clear();
    for (const w of waiting) {
      try {
        w.resolve(decryptPush(w.msg, w.keys));
      } catch (err) {
        w.reject(err as Error);
      }
    }
  }
}
