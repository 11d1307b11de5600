// The SecretBox port on Electron's safeStorage, async API (Keychain, DPAPI, libsecret/kwallet). On Linux the async API
// does not
// report its key provider (the Secret portal, the Secret Service, or a fixed fallback key, which only obfuscates):
// without a confirmed key store the box reports `strong: false`, the settings window shows a warning, and main logs
// one.
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

/**
 * Call after `app.whenReady()`. On Linux `linux` says what can be known of the async API's key store
 * (desktop-bus-probes.ts); getSelectedStorageBackend() describes the synchronous API, not this one.
 */
export async function openSafeStorageSecretBox(
  platform: NodeJS.Platform,
  linux?: { backend: string; strong: boolean },
): Promise<SecretBox> {
  // A keyring that fails to answer is an unavailable one: the app starts and says so, it does not abort.
  const available = await safeStorage.isAsyncEncryptionAvailable().catch(() => false);
  const backend =
    platform === 'linux'
      ? (linux?.backend ?? 'unknown')
      : platform === 'darwin'
        ? 'keychain'
        : platform === 'win32'
          ? 'dpapi'
          : 'unknown';
  const strong = available && (platform === 'linux' ? linux?.strong === true : backend !== 'unknown');
  // Asked again at each use: a keyring that was not available at start may be by now.
  const availableNow = async () => available || (await safeStorage.isAsyncEncryptionAvailable().catch(() => false));
  return {
    backend,
    strong,
    async seal(plain) {
      if (!(await availableNow())) throw new SecretBoxError('safeStorage is not available');
      // safeStorage takes strings: the secret travels as base64, never logged.
      const sealed = await safeStorage.encryptStringAsync(Buffer.from(plain).toString('base64'));
      return sealed.toString('base64');
    },
    async open(sealed) {
      if (!(await availableNow())) throw new SecretBoxError('safeStorage is not available');
      try {
        const { result } = await safeStorage.decryptStringAsync(Buffer.from(sealed, 'base64'));
        return new Uint8Array(Buffer.from(result, 'base64'));
      } catch (err) {
        if (isTemporarilyUnavailable(err))
          throw new SecretBoxError('the keyring is locked or access was denied; retrying later');
        throw err;
      }
    },
  };
}
