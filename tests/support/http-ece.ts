// http_ece as an independent encryptor in tests (it ships no types): the parameters our tests use.
import { createRequire } from 'node:module';
import type { createECDH } from 'node:crypto';

export interface EceParams {
  version: 'aes128gcm' | 'aesgcm';
  dh: Buffer;
  privateKey: ReturnType<typeof createECDH>;
  authSecret: Buffer;
  salt: Buffer;
  rs: number;
  pad?: number;
}

export const ece = createRequire(import.meta.url)('http_ece') as { encrypt(data: Buffer, params: EceParams): Buffer };
