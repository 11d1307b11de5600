// Notification permission per site (the engine's PermissionPort, src/engine/services/site-service.ts): granted only
// after
// the user agrees in the host's own prompt (a dialog in the app, the terminal for `push-agent site add`), remembered
// in the engine's store: the one authority both hosts read. Pure apart from the injected prompt.
import type { PermissionPort } from './services/site-service.ts';
import type { Store } from './ports.ts';
import type { SitePermissionState } from '../shared/site-bridge.ts';

const KEY = 'notifications';

/** Asks the user; true = allow. */
export type PermissionPrompt = (origin: string) => Promise<boolean>;

export class SitePermissions implements PermissionPort {
  readonly #store: Store;
  readonly #prompt: PermissionPrompt;
  readonly #asking = new Map<string, Promise<'granted' | 'denied'>>();

  constructor(store: Store, prompt: PermissionPrompt) {
    this.#store = store;
    this.#prompt = prompt;
  }

  #all(): Record<string, unknown> {
    const v = this.#store.get(KEY);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  }

  state(origin: string): SitePermissionState {
    const v = this.#all()[origin];
    return v === 'granted' || v === 'denied' ? v : 'prompt';
  }

  /** One prompt per origin at a time: concurrent asks share the answer. A failed prompt denies, unremembered. */
  ask(origin: string): Promise<'granted' | 'denied'> {
    const known = this.state(origin);
    if (known !== 'prompt') return Promise.resolve(known);
    let pending = this.#asking.get(origin);
    if (!pending) {
      pending = this.#prompt(origin)
        .then((allowed) => {
          const answer = allowed ? 'granted' : 'denied';
          this.#store.set(KEY, { ...this.#all(), [origin]: answer });
          return answer;
        })
        .catch(() => 'denied' as const)
        .finally(() => this.#asking.delete(origin));
      this.#asking.set(origin, pending);
    }
    return pending;
  }

  /** Sets the decision without a prompt (`push-agent site add --allow-notifications`). */
  set(origin: string, state: 'granted' | 'denied'): void {
    this.#store.set(KEY, { ...this.#all(), [origin]: state });
  }

  /** Settings may reset a decision (the site can then ask again). */
  forget(origin: string): void {
    const all = this.#all();
    delete all[origin];
    this.#store.set(KEY, all);
  }
}
