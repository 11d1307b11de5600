// One window per click, enforced in main (docs/architecture.md "Security model"): a site window may hand the user's
// browser one URL (window.open, a link or navigation to another origin) per user input, within Chromium's transient
// activation lifespan (5 s, third_party/blink/common/frame/user_activation_state.cc). Electron's window-open handler
// carries no gesture flag, so the input is observed here, from the WebContents' `input-event` (Electron 21+).

/** Input types that give activation in Chromium (HTML's "activation triggering input event"). */
const ACTIVATING = new Set(['mouseDown', 'rawKeyDown', 'keyDown', 'pointerDown', 'touchEnd', 'gestureTap']);
export const ACTIVATION_LIFESPAN_MS = 5_000;

export class ClickGate {
  readonly #now: () => number;
  #grantedAt: number | null = null;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** An input event reached the page (`input-event`'s `type`). */
  input(type: unknown): void {
    if (typeof type === 'string' && ACTIVATING.has(type)) this.#grantedAt = this.#now();
  }

  /** True once per activating input, within its lifespan: the one window that input may open. */
  take(): boolean {
    const at = this.#grantedAt;
    this.#grantedAt = null;
    return at !== null && this.#now() - at <= ACTIVATION_LIFESPAN_MS;
  }
}
