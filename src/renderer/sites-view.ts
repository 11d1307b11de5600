// Sites: every subscribed origin with its state, last message, budget and diagnostics; add, mute, resume,
// unsubscribe (confirmed), and a link to its history.

import type { HistoryEntry, SubscriptionView } from '../shared/settings-api.ts';
import { api, errorText } from './api.ts';
import { confirmAction } from './confirm.ts';
import { announce, byId, h, keepFocus, replace, timeEl } from './dom.ts';
import { hostOf, stateOf } from './words.ts';

export interface SitesDeps {
  showHistory(subscriptionId: string): void;
  refresh(): void;
}

/** A letter badge standing in for the site's icon: the settings window loads nothing from the network (CSP). */
function monogram(host: string): HTMLElement {
  const letter = (host.replace(/^www\./, '')[0] ?? '?').toUpperCase();
  let hash = 0;
  for (const c of host) hash = (hash * 31 + c.charCodeAt(0)) % 360;
  const el = h('span', { class: 'monogram', 'aria-hidden': 'true', 'data-hue': String(hash % 8) }, letter);
  return el;
}

function diagnostics(entries: HistoryEntry[]): string | null {
  const count = (f: string) => entries.filter((e) => e.fate === f).length;
  const parts: string[] = [];
  const undecryptable = count('undecryptable');
  const errors = count('worker-error') + count('worker-timeout');
  const generic = count('generic-notification');
  if (undecryptable) parts.push(`${undecryptable} could not be decrypted`);
  if (errors) parts.push(`${errors} failed in the site’s code`);
  if (generic) parts.push(`${generic} showed a generic notice`);
  return parts.length ? `Problems with recent messages: ${parts.join(', ')}.` : null;
}

function siteCard(sub: SubscriptionView, history: HistoryEntry[], deps: SitesDeps): HTMLElement {
  const host = hostOf(sub.origin);
  const state = stateOf(sub);
  const headingId = `site-${sub.id}`;
  const act = (
    action: string,
    label: string,
    run: () => Promise<void>,
    done: string,
    cls?: string,
    ask?: () => Promise<boolean>,
  ) =>
    h(
      'button',
      {
        type: 'button',
        class: cls,
        'data-action': action,
        'aria-describedby': headingId,
        onclick: async (e: Event) => {
          const b = e.currentTarget as HTMLButtonElement;
          // Ask before disabling: a disabled button drops focus, and the dialog returns focus to its opener.
          if (ask && !(await ask())) return;
          b.disabled = true;
          try {
            byId(`site-error-${sub.id}`).textContent = '';
            await run();
            announce(done);
          } catch (err) {
            announce(errorText(err));
            byId(`site-error-${sub.id}`).textContent = errorText(err);
          } finally {
            b.disabled = false;
          }
        },
      },
      label,
    );
  const diag = diagnostics(history);
  return h(
    'article',
    { class: 'card site', 'aria-labelledby': headingId, 'data-subscription': sub.id },
    h(
      'div',
      { class: 'site-head' },
      monogram(host),
      h(
        'div',
        { class: 'grow' },
        h('h3', { id: headingId }, sub.label || host),
        h('p', { class: 'muted mono' }, sub.origin),
      ),
      h('span', { class: `badge ${state.tone}` }, state.label),
    ),
    sub.paused ? h('p', { class: 'warning' }, `Paused: ${sub.paused.reason}`) : null,
    sub.pendingReregistration
      ? h(
          'p',
          { class: 'warning' },
          'The push service reset this agent: messages from this site cannot arrive until it is registered again on the next connection.',
        )
      : null,
    h(
      'dl',
      { class: 'facts compact' },
      h('dt', {}, 'Last message'),
      h('dd', {}, timeEl(sub.lastMessageAt)),
      sub.budget ? h('dt', {}, 'Background budget') : null,
      sub.budget ? h('dd', {}, `${sub.budget.left} of ${sub.budget.cap} silent messages left`) : null,
      h('dt', {}, 'Kind'),
      h(
        'dd',
        {},
        sub.kind === 'legacy' ? 'Simple Push (legacy)' : sub.hasWorker ? 'Site with background code' : 'Site',
      ),
    ),
    diag ? h('p', { class: 'warning' }, diag) : null,
    h('p', { class: 'error', role: 'alert', id: `site-error-${sub.id}` }),
    h(
      'div',
      { class: 'row actions' },
      sub.paused ? act('resume', 'Resume', () => api().resume(sub.id), `${sub.label} resumed.`, 'primary') : null,
      act(
        'mute',
        sub.muted ? 'Unmute' : 'Mute',
        () => api().setMuted(sub.id, !sub.muted),
        sub.muted ? `${sub.label} unmuted.` : `${sub.label} muted.`,
      ),
      h(
        'button',
        {
          type: 'button',
          'data-action': 'history',
          'aria-describedby': headingId,
          onclick: () => deps.showHistory(sub.id),
        },
        'History',
      ),
      act(
        'unsubscribe',
        'Unsubscribe…',
        () => api().deleteSubscription(sub.id),
        `Unsubscribed from ${host}.`,
        'danger',
        () =>
          confirmAction(
            `Unsubscribe from ${host}?`,
            `${host} will no longer be able to send you notifications. You can subscribe again from the site.`,
            'Unsubscribe',
          ),
      ),
    ),
  );
}

export function renderSites(subs: SubscriptionView[], history: HistoryEntry[], deps: SitesDeps): void {
  const list = byId('sites-list');
  const sites = subs.filter((s) => s.kind !== 'endpoint');
  list.setAttribute('aria-busy', 'false');
  if (!sites.length) {
    replace(
      list,
      h(
        'div',
        { class: 'empty' },
        h('p', {}, 'No sites yet.'),
        h('p', {}, 'Choose “Add site”, open a website, and allow notifications when it asks. It will appear here.'),
      ),
    );
    return;
  }
  keepFocus(list, () =>
    replace(
      list,
      ...sites.map((s) =>
        siteCard(
          s,
          history.filter((e) => e.subscriptionId === s.id),
          deps,
        ),
      ),
    ),
  );
}

export function setupAddSite(): void {
  const toggle = byId<HTMLButtonElement>('add-site-toggle');
  const form = byId<HTMLFormElement>('add-site-form');
  const input = byId<HTMLInputElement>('add-site-url');
  const error = byId('add-site-error');
  toggle.addEventListener('click', () => {
    const open = form.hidden;
    form.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
    if (open) input.focus();
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    input.removeAttribute('aria-invalid');
    if (!input.value.trim()) {
      error.textContent = 'Enter the address of the website, like https://example.com.';
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      return;
    }
    try {
      await api().addSite(input.value.trim());
      announce('The site is opening in its own window.');
      input.value = '';
    } catch (err) {
      error.textContent = errorText(err);
      input.setAttribute('aria-invalid', 'true');
      input.focus();
    }
  });
}
