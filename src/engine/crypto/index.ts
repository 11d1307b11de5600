// Web Push message encryption, receiving side: subscription keys, header parsing, decryption.
export { DecryptError, DECRYPT_ERROR_KINDS, type DecryptErrorKind } from './errors.ts';
export { generateSubscriptionKeys, isP256PublicKey, subscriptionKeysJSON, type SubscriptionKeys } from './keys.ts';
export {
  parseAesgcmHeaders,
  parseCryptoKey,
  parseEncryption,
  type AesgcmParams,
  type CryptoKeyEntry,
  type EncryptionParams,
} from './headers.ts';
export { decryptPush, decryptPushAsync, type EncryptedPush, type PushHeaders } from './decrypt.ts';
