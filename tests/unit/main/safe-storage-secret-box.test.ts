// The safeStorage adapter under the Electron stand-in (electron cannot start here). The stand-in's rejection is
// Electron 45's own text (shell/browser/api/electron_api_safe_storage.cc): only the message says "try again".
import '../../support/register-electron-stub.ts';
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { SecretsUnavailableError } from '../../../src/engine/ports.ts';

const { safeStorage } = await import('electron');
// The stand-in reads commands from stdin (for the app under test); nothing to read here.
after(() => process.stdin.destroy());
const { openSafeStorageSecretBox } = await import('../../../src/main/safe-storage-secret-box.ts');

test('"temporarily unavailable" becomes SecretsUnavailableError (retry later); a bad ciphertext stays a plain error', async () => {
  const box = await openSafeStorageSecretBox('linux');
  const sealed = await box.seal(new Uint8Array([1, 2, 3]));
  assert.deepEqual([...(await box.open(sealed))], [1, 2, 3]);
  const original = safeStorage.decryptStringAsync;
  try {
    safeStorage.decryptStringAsync = () =>
      Promise.reject(new Error('safeStorage.decryptStringAsync is temporarily unavailable. Please try again.'));
    await assert.rejects(box.open(sealed), (err: unknown) => err instanceof SecretsUnavailableError);
    safeStorage.decryptStringAsync = () =>
      Promise.reject(new Error('Error while decrypting the ciphertext provided to safeStorage.decryptStringAsync.'));
    await assert.rejects(
      box.open(sealed),
      (err: unknown) => err instanceof Error && !(err instanceof SecretsUnavailableError),
    );
  } finally {
    safeStorage.decryptStringAsync = original;
  }
});
