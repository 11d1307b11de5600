// Push message decryption throughput: decryptPush on one core beside the primitives bound (the same ECDH, HKDF
// and AES-GCM work on raw node:crypto, no framing or parsing), then a backlog through decryptPushAsync.
import { createDecipheriv, createECDH, hkdfSync } from 'node:crypto';
import os from 'node:os';
import webpush from 'web-push';
import {
  decryptPush,
  decryptPushAsync,
  generateSubscriptionKeys,
  subscriptionKeysJSON,
  type EncryptedPush,
} from '../src/engine/crypto/index.ts';
import { summarize, type BenchContext, type Figure } from './lib.ts';

const PAYLOAD = 3 * 1024;
const IN_FLIGHT = 64;

type Encoding = 'aes128gcm' | 'aesgcm';

/** A message, and what the bound needs of it already cut out (it does no parsing). */
interface Sample {
  msg: EncryptedPush;
  salt: Buffer;
  senderKey: Buffer;
  ciphertext: Buffer;
}

const keys = generateSubscriptionKeys();
const json = subscriptionKeysJSON(keys);

function makeSamples(encoding: Encoding, count: number): Sample[] {
  return Array.from({ length: count }, () => {
    // Every message has its own sender key, as real traffic does (web-push makes a fresh pair per message).
    const r = webpush.encrypt(json.p256dh, json.auth, Buffer.alloc(PAYLOAD, 0x61), encoding);
    const body = r.cipherText;
    if (encoding === 'aes128gcm') {
      return {
        msg: { data: body, headers: { encoding } },
        salt: body.subarray(0, 16),
        senderKey: body.subarray(21, 86),
        ciphertext: body.subarray(86),
      };
    }
    const local: unknown = r.localPublicKey; // typed string by @types/web-push, a Buffer at run time
    const senderKey = Buffer.isBuffer(local) ? local : Buffer.from(String(local), 'base64url');
    const headers = { encoding, encryption: `salt=${r.salt}`, crypto_key: `dh=${senderKey.toString('base64url')}` };
    return { msg: { data: body, headers }, salt: Buffer.from(r.salt, 'base64url'), senderKey, ciphertext: body };
  });
}

// ---- the bound: the same cryptographic work on raw node:crypto ----

const ownEcdh = createECDH('prime256v1');
ownEcdh.setPrivateKey(keys.privateKey);
const info = (s: string) => Buffer.from(s, 'latin1');
const hkdf = (ikm: Buffer, salt: Buffer, inf: Buffer, len: number) =>
  Buffer.from(hkdfSync('sha256', ikm, salt, inf, len));
const LEN = Buffer.from([0, 65]);

function bound(encoding: Encoding, s: Sample): Buffer {
  const secret = ownEcdh.computeSecret(s.senderKey);
  let cek: Buffer;
  let nonce: Buffer;
  if (encoding === 'aes128gcm') {
    const ikm = hkdf(
      secret,
      keys.authSecret,
      Buffer.concat([info('WebPush: info\0'), keys.publicKey, s.senderKey]),
      32,
    );
    cek = hkdf(ikm, s.salt, info('Content-Encoding: aes128gcm\0'), 16);
    nonce = hkdf(ikm, s.salt, info('Content-Encoding: nonce\0'), 12);
  } else {
    const ikm = hkdf(secret, keys.authSecret, info('Content-Encoding: auth\0'), 32);
    const context = Buffer.concat([info('P-256\0'), LEN, keys.publicKey, LEN, s.senderKey]);
    cek = hkdf(ikm, s.salt, Buffer.concat([info('Content-Encoding: aesgcm\0'), context]), 16);
    nonce = hkdf(ikm, s.salt, Buffer.concat([info('Content-Encoding: nonce\0'), context]), 12);
  }
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(s.ciphertext.subarray(s.ciphertext.length - 16));
  const out = decipher.update(s.ciphertext.subarray(0, s.ciphertext.length - 16));
  decipher.final();
  return out;
}

// ---- measurement ----

// Each run alternates the two contenders in short slices and sums each one's time, so a slow spell on a shared
// machine lands on both alike instead of on whichever happened to run then.
const SLICES = 8;

/** Seconds to decrypt `count` messages one after another, cycling through the samples from `from`. */
function timeSync(samples: Sample[], from: number, count: number, one: (s: Sample) => unknown): number {
  const t0 = performance.now();
  for (let i = from; i < from + count; i++) one(samples[i % samples.length]!);
  return (performance.now() - t0) / 1000;
}

/** Seconds to decrypt `count` messages through decryptPushAsync with IN_FLIGHT of them in flight at a time. */
async function timeAsync(samples: Sample[], from: number, count: number): Promise<number> {
  let next = from;
  const lane = async () => {
    while (next < from + count) await decryptPushAsync(samples[next++ % samples.length]!.msg, keys);
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  return (performance.now() - t0) / 1000;
}

/** Messages per second for two contenders over one run of `total` messages each, in alternating slices. */
async function pairedRates(
  total: number,
  a: (from: number, n: number) => number | Promise<number>,
  b: (from: number, n: number) => number | Promise<number>,
): Promise<[number, number]> {
  const n = Math.ceil(total / SLICES);
  let ta = 0;
  let tb = 0;
  for (let k = 0; k < SLICES; k++) {
    ta += await a(k * n, n);
    tb += await b(k * n, n);
  }
  return [(n * SLICES) / ta, (n * SLICES) / tb];
}

function perRunRatios(a: number[], b: number[]): string {
  return a.map((x, i) => (x / b[i]!).toFixed(2)).join(', ');
}

function check(samples: Sample[], encoding: Encoding): void {
  for (const s of samples.slice(0, 3)) {
    const ours = decryptPush(s.msg, keys);
    const raw = bound(encoding, s);
    const start = encoding === 'aes128gcm' ? 0 : 2; // after aesgcm's pad length; before aes128gcm's delimiter
    if (!ours || !raw.subarray(start, start + PAYLOAD).equals(ours)) {
      throw new Error(`${encoding}: our plaintext and the bound's differ`);
    }
  }
}

export default async function decryptBench(ctx: BenchContext): Promise<Figure[]> {
  const distinct = ctx.quick ? 20 : 200;
  const perRun = ctx.quick ? 300 : 4000;
  const figures: Figure[] = [];
  const cores = os.availableParallelism();
  const samplesOf: Partial<Record<Encoding, Sample[]>> = {};

  for (const encoding of ['aes128gcm', 'aesgcm'] as const) {
    const samples = makeSamples(encoding, distinct);
    samplesOf[encoding] = samples;
    check(samples, encoding);
    const oursOne = (from: number, n: number) => timeSync(samples, from, n, (m) => decryptPush(m.msg, keys));
    const boundOne = (from: number, n: number) => timeSync(samples, from, n, (m) => bound(encoding, m));
    await pairedRates(perRun / 4, oursOne, boundOne); // warm-up: JIT, key cache
    const ours: number[] = [];
    const raw: number[] = [];
    for (let run = 0; run < ctx.runs; run++) {
      const [r, o] = await pairedRates(perRun, boundOne, oursOne);
      raw.push(r);
      ours.push(o);
      ctx.log(`${encoding} run ${run + 1}: ours ${o.toFixed(0)}/s, bound ${r.toFixed(0)}/s`);
    }
    const o = summarize(ours);
    const b = summarize(raw);
    const ratio = o.median / b.median;
    figures.push({
      id: `decrypt.${encoding}.3KiB.single-core`,
      title: `decryptPush, 3 KiB ${encoding} message (web-push), one core`,
      unit: 'messages/s',
      ...o,
      bound: {
        label: 'raw node:crypto: ECDH.computeSecret + HKDF + AES-128-GCM',
        median: b.median,
        min: b.min,
        max: b.max,
      },
      ratio,
      target: { text: '>= 0.9 of the primitives bound on one core', met: ratio >= 0.9 },
      notes:
        `${distinct} distinct messages (one sender key each), ${perRun} decryptions per run, alternating with the bound in ${SLICES} slices; ` +
        `the bound gets salt, sender key and ciphertext pre-cut and skips all checks. Per-run ratios: ${perRunRatios(ours, raw)}.`,
    });
  }

  // Backlog: many messages in flight through the async path, beside the one-core sync figure of this run.
  const samples = samplesOf.aes128gcm!;
  const syncOne = (from: number, n: number) => timeSync(samples, from, n, (m) => decryptPush(m.msg, keys));
  const asyncOne = (from: number, n: number) => timeAsync(samples, from, n);
  await pairedRates(perRun / 4, syncOne, asyncOne);
  const backlog: number[] = [];
  const sync: number[] = [];
  for (let run = 0; run < ctx.runs; run++) {
    const [sr, ar] = await pairedRates(perRun, syncOne, asyncOne);
    sync.push(sr);
    backlog.push(ar);
    ctx.log(`backlog run ${run + 1}: async ${ar.toFixed(0)}/s, sync ${sr.toFixed(0)}/s`);
  }
  const a = summarize(backlog);
  const s = summarize(sync);
  figures.push({
    id: 'decrypt.aes128gcm.3KiB.backlog-async',
    title: `decryptPushAsync backlog, 3 KiB aes128gcm, ${IN_FLIGHT} in flight`,
    unit: 'messages/s',
    ...a,
    bound: { label: 'decryptPush (sync), one core, same run', median: s.median, min: s.min, max: s.max },
    ratio: a.median / s.median,
    notes:
      `Per-run ratios: ${perRunRatios(backlog, sync)}. ${cores} cores, libuv pool of ${process.env.UV_THREADPOOL_SIZE ?? 4} threads; ${perRun} messages per run. ` +
      'ECDH runs on the pool (crypto.diffieHellman with a callback); parsing, HKDF and AES-GCM stay on the main ' +
      'thread, which bounds the speed-up (see decryptPushAsync). ratio = speed-up over the one-core sync figure.',
  });
  return figures;
}
