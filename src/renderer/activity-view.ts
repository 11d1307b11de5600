// Activity: the history with every message's fate, newest first; filter by site or endpoint; clear (confirmed).
// Live: entries arrive as 'history' events and are prepended (no polling).

import type { HistoryEntry, SubscriptionView } from '../shared/settings-api.ts';
import { api, errorText } from './api.ts';
import { confirmAction } from './confirm.ts';
import { announce, byId, h, replace, timeEl } from './dom.ts';
import { fateWords, hostOf } from './words.ts';

const MAX_SHOWN = 500;

function entryItem(e: HistoryEntry): HTMLElement {
  const fate = fateWords(e.fate);
  const who = e.label ?? (hostOf(e.origin) || 'Unknown sender');
  // Title, body and label are payload or peer data: text nodes only.
  return h(
    'li',
    { class: 'entry', 'data-fate': e.fate },
    h(
      'div',
      { class: 'entry-head' },
      h('span', { class: 'who' }, who),
      h('span', { class: `badge ${fate.tone}` }, fate.label),
      h('span', { class: 'muted when' }, timeEl(e.receivedAt)),
    ),
    e.title ? h('p', { class: 'entry-title' }, e.title) : null,
    e.body ? h('p', { class: 'entry-body' }, e.body) : null,
    e.detail ? h('p', { class: 'muted small' }, `Details: ${e.detail}`) : null,
  );
}

export class ActivityView {
  #filter = '';
  #count = 0;

  constructor() {
    const select = byId<HTMLSelectElement>('activity-filter');
    select.addEventListener('change', () => {
      this.#filter = select.value;
      void this.load();
    });
    byId('activity-clear').addEventListener('click', async () => {
      if (
        !(await confirmAction(
          'Clear the history?',
          'Every entry in Activity is removed. Sites and endpoints are not affected.',
          'Clear history',
        ))
      )
        return;
      try {
        await api().clearHistory();
        announce('History cleared.');
        await this.load();
      } catch (err) {
        announce(errorText(err));
      }
    });
  }

  /** Shows one site's history (from the Sites view). */
  async show(subscriptionId: string): Promise<void> {
    const select = byId<HTMLSelectElement>('activity-filter');
    select.value = subscriptionId;
    this.#filter = select.value === subscriptionId ? subscriptionId : '';
    await this.load();
  }

  setSubscriptions(subs: SubscriptionView[]): void {
    const select = byId<HTMLSelectElement>('activity-filter');
    const current = select.value;
    replace(
      select,
      h('option', { value: '' }, 'Everything'),
      ...subs.map((s) =>
        h(
          'option',
          { value: s.id },
          s.kind === 'endpoint' ? `Endpoint: ${s.label}` : `${s.label} (${hostOf(s.origin)})`,
        ),
      ),
    );
    select.value = subs.some((s) => s.id === current) ? current : '';
    if (select.value !== this.#filter) {
      this.#filter = select.value;
      void this.load();
    }
  }

  async load(): Promise<void> {
    const list = byId('activity-list');
    try {
      // Without a filter this is the full list, which also marks everything read.
      const entries = await (this.#filter
        ? api().getHistory({ subscriptionId: this.#filter, limit: MAX_SHOWN })
        : api().getHistory());
      replace(list, ...entries.map(entryItem));
      this.#count = entries.length;
      this.#empty();
    } catch (err) {
      replace(list);
      this.#count = 0;
      this.#empty(errorText(err));
    }
    list.setAttribute('aria-busy', 'false');
  }

  add(entry: HistoryEntry): void {
    if (this.#filter && entry.subscriptionId !== this.#filter) return;
    const list = byId('activity-list');
    list.prepend(entryItem(entry));
    while (list.children.length > MAX_SHOWN) list.lastElementChild?.remove();
    this.#count = list.children.length;
    this.#empty();
  }

  #empty(error?: string): void {
    const empty = byId('activity-empty');
    empty.hidden = this.#count > 0 && !error;
    empty.textContent =
      error ??
      (this.#filter
        ? 'Nothing from this one yet. Messages appear here the moment they arrive.'
        : 'Nothing has arrived yet. Messages appear here the moment they arrive: try “Send a test with web-push” on an endpoint.');
    byId<HTMLButtonElement>('activity-clear').disabled = this.#count === 0;
  }
}
