// The Store port on `conf` (plain Node). Electron uses electron-store, which is conf underneath.
import path from 'node:path';
import Conf from 'conf';
import type { Store } from '../engine/ports.ts';
import { namingStoreFile } from '../engine/state-schema.ts';

export function openConfStore(dataDir: string): Store {
  const file = path.join(dataDir, 'state.json');
  // conf reads the file on every access and throws a bare SyntaxError on a torn or edited one: name the file, and
  // never let conf replace it (clearInvalidConfig stays off).
  const named = <T>(access: () => T): T => namingStoreFile(file, access);
  // 0600: the file holds endpoints (capabilities to push to us); secrets in it are sealed.
  const conf = named(() => new Conf<Record<string, unknown>>({ cwd: dataDir, configName: 'state', configFileMode: 0o600, projectName: 'push-agent', projectSuffix: '', clearInvalidConfig: false }));
  return {
    get: (key) => named(() => conf.get(key)),
    set: (key, value) => named(() => conf.set(key, value)),
    delete: (key) => named(() => conf.delete(key)),
  };
}
