// The Store port on electron-store (conf underneath, atomic writes), in the app's userData, mode 0600: the file
// holds endpoints (capabilities to push to us); the secrets in it are sealed by the SecretBox.
import { ipcMain } from 'electron';
import ElectronStore from 'electron-store';
import path from 'node:path';
import type { Store } from '../engine/ports.ts';
import { namingStoreFile } from '../engine/state-schema.ts';

export function openElectronStore(dir: string, name = 'state'): Store {
  const file = path.join(dir, `${name}.json`);
  // A torn or edited file stops start-up with an error naming it; it is never cleared (clearInvalidConfig off).
  const named = <T>(access: () => T): T => namingStoreFile(file, access);
  const store = named(
    () =>
      new ElectronStore<Record<string, unknown>>({ cwd: dir, name, configFileMode: 0o600, clearInvalidConfig: false }),
  );
  // electron-store answers renderers on a channel of its own (for stores opened in a renderer, which we never do).
  // All IPC goes through our hub: close it.
  ipcMain.removeAllListeners('electron-store-get-data');
  return {
    get: (key) => named(() => store.get(key)),
    set: (key, value) => named(() => store.set(key, value)),
    delete: (key) => named(() => store.delete(key)),
  };
}
