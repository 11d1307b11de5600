// The Store port on `conf` (plain Node). Electron uses electron-store, which is conf underneath.
import Conf from 'conf';
import type { Store } from '../engine/ports.ts';

export function openConfStore(dataDir: string): Store {
  // 0600: the file holds endpoints (capabilities to push to us); secrets in it are sealed.
  const conf = new Conf<Record<string, unknown>>({ cwd: dataDir, configName: 'state', configFileMode: 0o600, projectName: 'push-agent', projectSuffix: '' });
  return {
    get: (key) => conf.get(key),
    set: (key, value) => conf.set(key, value),
    delete: (key) => conf.delete(key),
  };
}
