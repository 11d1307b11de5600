// The SecretBox port on Electron's safeStorage, async API (Keychain, DPAPI, libsecret/kwallet). On Linux without a
// keyring Chromium falls back to `basic_text`, which only obfuscates: the box then reports `strong: false`, the
// settings window shows a warning, and main logs one.
//
// A locked keyring (at login) or a denied Keychain prompt is not an error in the data: Electron 45 rejects
// decryptStringAsync with "safeStorage.decryptStringAsync is temporarily unavailable. Please try again." (only the
// message says so). That, and encryption not available yet, become SecretsUnavailableError: the engine keeps the
// subscriptions aside unchanged and retries (engine.ts retrySecrets).
import { safeStorage } from 'electron';
import { SecretsUnavailableError, type SecretBox } from '../engine/ports.ts';

export class SecretBoxError extends SecretsUnavailableError {
  override name = 'SecretBoxError';
}

/** True for Electron's "try again later" rejection of decryptStringAsync. */
export function isTemporarilyUnavailable(err: unknown): boolean {
  return err instanceof Error && /temporarily unavailable/i.test(err.message);
}

/** Call after `app.whenReady()`. */
export async function openSafeStorageSecretBox(platform: NodeJS.Platform): Promise<SecretBox> {
  const availableAtStart = await safeStorage.isAsyncEncryptionAvailable();
  const backend = platform === 'linux' ? safeStorage.getSelectedStorageBackend() : platform === 'darwin' ? 'keychain' : platform === 'win32' ? 'dpapi' : 'unknown';
  const strong = availableAtStart && backend !== 'basic_text' && backend !== 'unknown';
  // Asked again at each use: a keyring that was not available at start may be by now.
  const available = async () => availableAtStart || (await safeStorage.isAsyncEncryptionAvailable());
  return {
    backend,
    strong,
    async seal(plain) {
      if (!(await available())) throw new SecretBoxError('safeStorage is not available');
      // safeStorage takes strings: the secret travels as base64, never logged.
      const sealed = await safeStorage.encryptStringAsync(Buffer.from(plain).toString('base64'));
      return sealed.toString('base64');
    },
    async open(sealed) {
      if (!(await available())) throw new SecretBoxError('safeStorage is not available');
      try {
        const { result } = await safeStorage.decryptStringAsync(Buffer.from(sealed, 'base64'));
        return new Uint8Array(Buffer.from(result, 'base64'));
      } catch (err) {
        if (isTemporarilyUnavailable(err)) throw new SecretBoxError('the keyring is locked or access was denied; retrying later');
        throw err;
      }
    },
  };
}
