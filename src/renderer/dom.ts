// DOM building without HTML strings: every piece of data is set with textContent or an attribute, never parsed
// as markup (payloads, labels and origins come from peers). tests/browser/settings-safety.test.ts greps for the
// HTML-parsing sinks so they cannot creep back in.

type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

/** Creates an element; `on*` attributes given functions become listeners, strings become text nodes. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'class') el.className = String(value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
  }
}

/** Replaces an element's children in one step (keeps focus handling to the caller). */
export function replace(parent: Element, ...children: Child[]): void {
  const frag = document.createDocumentFragment();
  append(frag, children);
  parent.replaceChildren(frag);
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`settings.html lacks #${id}`);
  return el as T;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });

/** "14:02:11" today, "21 Nov 2026, 14:02" otherwise. */
export function when(ts: number | null, never = 'Never'): string {
  if (ts === null) return never;
  const d = new Date(ts);
  return d.toDateString() === new Date().toDateString() ? timeOnly.format(d) : dateTime.format(d);
}

/** A machine-readable <time> for a timestamp. */
export function timeEl(ts: number | null, never = 'Never'): HTMLElement {
  return ts === null ? h('span', {}, never) : h('time', { datetime: new Date(ts).toISOString() }, when(ts));
}

/** A screen-reader-announced message (one polite live region for the window). */
export function announce(message: string): void {
  const region = byId('announcer');
  region.textContent = '';
  // A fresh text node after clearing makes repeated identical messages announce again.
  requestAnimationFrame(() => {
    region.textContent = message;
  });
}

/**
 * Re-renders a list of cards without losing the keyboard user's place: focus returns to the control with the same
 * `data-action` (or the one its `data-return-to` names) in the card with the same `data-subscription`, or to the list
 * when that card is gone.
 */
export function keepFocus(list: HTMLElement, render: () => void): void {
  const active = document.activeElement;
  const inside = active instanceof HTMLElement && list.contains(active);
  const card = inside ? active.closest('[data-subscription]')?.getAttribute('data-subscription') : null;
  const action = inside ? (active.dataset.returnTo ?? active.dataset.action) : undefined;
  render();
  if (!inside) return;
  const again =
    card && action
      ? list.querySelector<HTMLElement>(
          `[data-subscription="${CSS.escape(card)}"] [data-action="${CSS.escape(action)}"]`,
        )
      : null;
  if (again) again.focus();
  else {
    if (!list.hasAttribute('tabindex')) list.tabIndex = -1;
    list.focus();
  }
}
