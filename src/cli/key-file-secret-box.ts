// The SecretBox for the headless command: AES-256-GCM under a random key kept in a 0600 file in the data dir.
// This keeps secrets out of the state file (and out of its backups and copies), but anyone who can read the
// whole data dir can read them: it is reported as not strong, unlike Electron's safeStorage with a keyring.
//
// The key is read at first use and created only when the store holds no sealed record: a new key would make
// every existing subscription unreadable. A missing or unreadable key is SecretsUnavailableError, never replaced.
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SecretsUnavailableError, type SecretBox, type Store } from '../engine/ports.ts';
import { hasSealedRecords } from '../engine/state-schema.ts';

const VERSION = 'k1';

export class KeyFileError extends SecretsUnavailableError {
  override name = 'KeyFileError';
  readonly file: string;
  readonly reason: 'missing' | 'unreadable' | 'invalid';
  constructor(file: string, reason: KeyFileError['reason'], detail = '') {
    super(
      reason === 'missing'
        ? `the key file ${file} is missing, and the subscriptions in this data dir are sealed with it; put it back (nothing was changed)`
        : reason === 'unreadable'
          ? `the key file ${file} cannot be read${detail ? ` (${detail})` : ''}; nothing was changed`
          : `the key file ${file} is not a 32-byte key; nothing was changed`,
    );
    this.file = file;
    this.reason = reason;
  }
}

export function keyFilePath(dataDir: string): string {
  return path.join(dataDir, 'secret.key');
}

/** Reads the key; null when there is none. Throws KeyFileError when it exists but cannot be used. */
function readKey(file: string): Buffer | null {
  let key: Buffer;
  try {
    key = fs.readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    throw new KeyFileError(file, 'unreadable', code ?? (err as Error).message);
  }
  if (key.length !== 32) throw new KeyFileError(file, 'invalid');
  return key;
}

/**
 * Why the key cannot open this data dir's subscriptions, or null when it can (or none is sealed). The command
 * stops on it before loading anything.
 */
export function keyFileProblem(dataDir: string, store: Store): KeyFileError | null {
  const file = keyFilePath(dataDir);
  try {
    if (readKey(file) === null && hasSealedRecords(store)) return new KeyFileError(file, 'missing');
    return null;
  } catch (err) {
    if (err instanceof KeyFileError) return err;
    throw err;
  }
}

export function openKeyFileSecretBox(dataDir: string, store: Store): SecretBox {
  const file = keyFilePath(dataDir);
  // One KeyObject for every operation: a raw key is imported again at each cipher (a tenth of start-up at 10,000
  // subscriptions, all opened at load).
  let cached: KeyObject | null = null;
  const key = (create: boolean): KeyObject => {
    if (cached) return cached;
    const existing = readKey(file);
    if (existing) return (cached = createSecretKey(existing));
    if (!create || hasSealedRecords(store)) throw new KeyFileError(file, 'missing');
    const fresh = randomBytes(32);
    try {
      fs.writeFileSync(file, fresh, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      // Another process made it first: use theirs.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      return key(false);
    }
    return (cached = createSecretKey(fresh));
  };
  return {
    backend: 'key file',
    strong: false,
    async seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key(true), iv);
      const ct = Buffer.concat([cipher.update(plain), cipher.final()]);
      return [
        VERSION,
        iv.toString('base64url'),
        ct.toString('base64url'),
        cipher.getAuthTag().toString('base64url'),
      ].join('.');
    },
    async open(sealed) {
      const [version, iv, ct, tag] = sealed.split('.');
      if (version !== VERSION || !iv || ct === undefined || !tag) throw new Error('not a sealed secret');
      const decipher = createDecipheriv('aes-256-gcm', key(false), Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]);
    },
  };
}
