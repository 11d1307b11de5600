// The SecretBox port on Electron's safeStorage, async API (Keychain, DPAPI; on Linux the Secret portal, the Secret
// Service, or a fixed fallback key, which only obfuscates). On Linux the provider is not reported: without a
// confirmed key store the box reports `strong: false`, the settings window shows a warning, and main logs one.
import { safeStorage } from 'electron';
import type { SecretBox } from '../engine/ports.ts';

export class SecretBoxError extends Error {
  readonly kind = 'secret-box-unavailable';
}

/**
 * Call after `app.whenReady()`. On Linux `linux` says what can be known of the async API's key store
 * (desktop-bus-probes.ts); getSelectedStorageBackend() describes the synchronous API, not this one.
 */
export async function openSafeStorageSecretBox(platform: NodeJS.Platform, linux?: { backend: string; strong: boolean }): Promise<SecretBox> {
  // A keyring that fails to answer is an unavailable one: the app starts and says so, it does not abort.
  const available = await safeStorage.isAsyncEncryptionAvailable().catch(() => false);
  const backend = platform === 'linux' ? (linux?.backend ?? 'unknown') : platform === 'darwin' ? 'keychain' : platform === 'win32' ? 'dpapi' : 'unknown';
  const strong = available && (platform === 'linux' ? linux?.strong === true : backend !== 'unknown');
  return {
    backend,
    strong,
    async seal(plain) {
      if (!available) throw new SecretBoxError('safeStorage is not available');
      // safeStorage takes strings: the secret travels as base64, never logged.
      const sealed = await safeStorage.encryptStringAsync(Buffer.from(plain).toString('base64'));
      return sealed.toString('base64');
    },
    async open(sealed) {
      if (!available) throw new SecretBoxError('safeStorage is not available');
      const { result } = await safeStorage.decryptStringAsync(Buffer.from(sealed, 'base64'));
      return new Uint8Array(Buffer.from(result, 'base64'));
    },
  };
}
