// The SecretBox for the headless command: AES-256-GCM under a random key kept in a 0600 file in the data dir.
// This keeps secrets out of the state file (and out of its backups and copies), but anyone who can read the
// whole data dir can read them: it is reported as not strong, unlike Electron's safeStorage with a keyring.
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { SecretBox } from '../engine/ports.ts';

const VERSION = 'k1';

export function openKeyFileSecretBox(dataDir: string): SecretBox {
  const file = path.join(dataDir, 'secret.key');
  let key: Buffer;
  try {
    key = fs.readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    key = randomBytes(32);
    fs.writeFileSync(file, key, { mode: 0o600, flag: 'wx' });
  }
  if (key.length !== 32) throw new Error(`${file} is not a 32-byte key`);
  // One KeyObject for every operation: a raw key is imported again at each cipher (a tenth of start-up at 10,000
  // subscriptions, all opened at load).
  const secret = createSecretKey(key);
  return {
    backend: 'key file',
    strong: false,
    async seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', secret, iv);
      const ct = Buffer.concat([cipher.update(plain), cipher.final()]);
      return [VERSION, iv.toString('base64url'), ct.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
    },
    async open(sealed) {
      const [version, iv, ct, tag] = sealed.split('.');
      if (version !== VERSION || !iv || ct === undefined || !tag) throw new Error('not a sealed secret');
      const decipher = createDecipheriv('aes-256-gcm', secret, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]);
    },
  };
}
