// Notification permission per site (the engine's PermissionPort, src/engine/site-service.ts): granted only after
// the user agrees in the app's own prompt, remembered in a small store. Every other permission is denied by the
// session handlers (site-sessions.ts).
import { BrowserWindow, dialog } from 'electron';
import type { PermissionPort } from '../engine/site-service.ts';
import type { Store } from '../engine/ports.ts';
import type { SitePermissionState } from '../shared/site-bridge.ts';

const KEY = 'notifications';

export class SitePermissions implements PermissionPort {
  readonly #store: Store;
  readonly #asking = new Map<string, Promise<'granted' | 'denied'>>();

  constructor(store: Store) {
    this.#store = store;
  }

  #all(): Record<string, 'granted' | 'denied'> {
    const v = this.#store.get(KEY);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, 'granted' | 'denied'>) : {};
  }

  state(origin: string): SitePermissionState {
    const v = this.#all()[origin];
    return v === 'granted' || v === 'denied' ? v : 'prompt';
  }

  ask(origin: string): Promise<'granted' | 'denied'> {
    const known = this.state(origin);
    if (known !== 'prompt') return Promise.resolve(known);
    let pending = this.#asking.get(origin);
    if (!pending) {
      pending = this.#prompt(origin).finally(() => this.#asking.delete(origin));
      this.#asking.set(origin, pending);
    }
    return pending;
  }

  /** Settings may reset a decision (the site can then ask again). */
  forget(origin: string): void {
    const all = this.#all();
    delete all[origin];
    this.#store.set(KEY, all);
  }

  async #prompt(origin: string): Promise<'granted' | 'denied'> {
    const host = new URL(origin).host;
    const options = {
      type: 'question' as const,
      buttons: ['Allow', 'Block'],
      defaultId: 1,
      cancelId: 1,
      title: 'Notifications',
      message: `${host} wants to send you notifications`,
      detail: 'Push Agent will show its notifications even when no window is open. You can change this in Settings.',
      noLink: true,
    };
    const parent = BrowserWindow.getFocusedWindow();
    const { response } = parent ? await dialog.showMessageBox(parent, options) : await dialog.showMessageBox(options);
    const answer = response === 0 ? 'granted' : 'denied';
    this.#store.set(KEY, { ...this.#all(), [origin]: answer });
    return answer;
  }
}
