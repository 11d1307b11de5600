// A message as a real application server makes it (web-push's own encryption) and as the push service forwards it
// to the agent (docs/protocol-notes.md §1: headers renamed, quotes and base64 padding stripped).
import webpush from 'web-push';
import {
  subscriptionKeysJSON,
  type EncryptedPush,
  type PushHeaders,
  type SubscriptionKeys,
} from '../../src/engine/crypto/index.ts';

/** HTTP request headers as the push service forwards them in a notification frame. */
export function forwardedHeaders(http: Record<string, string>): PushHeaders {
  const clean = (v: string | undefined) => v?.replace(/"/g, '').replace(/=+(?=[;,]|$)/g, '');
  const out: PushHeaders = { encoding: http['Content-Encoding'] };
  const encryption = clean(http['Encryption']);
  const cryptoKey = clean(http['Crypto-Key']);
  if (encryption) out.encryption = encryption;
  if (cryptoKey) out.crypto_key = cryptoKey;
  return out;
}

/** `payload` encrypted by web-push to `keys`, as the agent receives it. */
export function webPushMessage(
  payload: string | Buffer,
  keys: SubscriptionKeys,
  opts: {
    contentEncoding?: 'aes128gcm' | 'aesgcm';
    vapidDetails?: { subject: string; publicKey: string; privateKey: string };
  } = {},
): EncryptedPush {
  const req = webpush.generateRequestDetails(
    { endpoint: 'https://push.example.com/wpush/v2/token', keys: subscriptionKeysJSON(keys) },
    payload,
    {
      contentEncoding: opts.contentEncoding ?? 'aes128gcm',
      ...(opts.vapidDetails ? { vapidDetails: opts.vapidDetails } : {}),
    },
  );
  return { data: req.body as Buffer, headers: forwardedHeaders(req.headers as Record<string, string>) };
}
