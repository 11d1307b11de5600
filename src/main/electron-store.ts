// The Store port on electron-store (conf underneath, atomic writes), in the app's userData, mode 0600: the file
// holds endpoints (capabilities to push to us); the secrets in it are sealed by the SecretBox.
import { ipcMain } from 'electron';
import ElectronStore from 'electron-store';
import type { Store } from '../engine/ports.ts';

export function openElectronStore(dir: string, name = 'state'): Store {
  const store = new ElectronStore<Record<string, unknown>>({ cwd: dir, name, configFileMode: 0o600 });
  // electron-store answers renderers on a channel of its own (for stores opened in a renderer, which we never do).
  // All IPC goes through our hub: close it.
  ipcMain.removeAllListeners('electron-store-get-data');
  return {
    get: (key) => store.get(key),
    set: (key, value) => store.set(key, value),
    delete: (key) => store.delete(key),
  };
}
