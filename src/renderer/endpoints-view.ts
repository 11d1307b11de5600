// Endpoints: create (label, optional application server key); each shows its subscription JSON and a ready-to-run
// send command for its service with copy buttons, and sends a test message through the real push service; rename,
// replace (new keys and endpoint) and delete, confirmed.

import type { SubscriptionJSONView, SubscriptionView } from '../shared/settings-api.ts';
import { api, errorText } from './api.ts';
import { confirmAction } from './confirm.ts';
import { announce, byId, h, keepFocus, replace, timeEl } from './dom.ts';
import { testCommand } from './send-command.ts';

/** Copies text; where the clipboard is refused, selects the text so the user can copy it by hand. */
async function copy(text: string, target: HTMLElement, what: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    announce(`${what} copied.`);
  } catch {
    const range = document.createRange();
    range.selectNodeContents(target);
    getSelection()?.removeAllRanges();
    getSelection()?.addRange(range);
    announce(`Copying was not allowed. The ${what.toLowerCase()} is selected: press Ctrl+C to copy it.`);
  }
}

function codeBlock(id: string, label: string, text: string, copyLabel: string, headingId: string): HTMLElement {
  const pre = h('pre', { id, class: 'code', tabindex: '0', 'aria-label': label }, text);
  return h(
    'div',
    { class: 'code-wrap' },
    h(
      'div',
      { class: 'code-head' },
      h('span', { class: 'code-title', 'aria-hidden': 'true' }, label),
      h(
        'button',
        {
          type: 'button',
          class: 'small',
          'aria-describedby': headingId,
          'data-copy': id,
          'data-action': `copy-${id.split('-')[0]}`,
          onclick: () => copy(text, pre, label),
        },
        copyLabel,
      ),
    ),
    pre,
  );
}

/** The last test answer per endpoint: events re-render the cards, the answer must stay on screen. */
const testAnswers = new Map<string, string>();

function commandBlock(sub: SubscriptionView, json: SubscriptionJSONView, headingId: string): HTMLElement {
  const { tool, command } = testCommand(json, sub.applicationServerKey);
  return codeBlock(`cmd-${sub.id}`, `Send a test with ${tool}`, command, 'Copy command', headingId);
}

function endpointCard(sub: SubscriptionView, json: SubscriptionJSONView | null): HTMLElement {
  const headingId = `endpoint-${sub.id}`;
  const errorId = `endpoint-error-${sub.id}`;
  const resultId = `endpoint-test-${sub.id}`;
  const fail = (err: unknown) => {
    byId(errorId).textContent = errorText(err);
  };
  const renameForm = h(
    'form',
    { class: 'row rename', hidden: true, novalidate: true },
    h('label', { for: `rename-${sub.id}` }, 'New name'),
    h('input', {
      id: `rename-${sub.id}`,
      'data-return-to': 'rename',
      type: 'text',
      maxlength: '200',
      value: sub.label,
      autocomplete: 'off',
      required: true,
    }),
    h('button', { type: 'submit', class: 'primary' }, 'Save name'),
    h('button', { type: 'button', onclick: () => hideRename() }, 'Cancel'),
  );
  const renameButton = h(
    'button',
    {
      type: 'button',
      'data-action': 'rename',
      'aria-describedby': headingId,
      'aria-expanded': 'false',
      onclick: () => {
        renameForm.hidden = false;
        renameButton.setAttribute('aria-expanded', 'true');
        (renameForm.querySelector('input') as HTMLInputElement).focus();
      },
    },
    'Rename',
  );
  const hideRename = () => {
    renameForm.hidden = true;
    renameButton.setAttribute('aria-expanded', 'false');
    renameButton.focus();
  };
  renameForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const input = renameForm.querySelector('input') as HTMLInputElement;
    try {
      await api().renameSubscription(sub.id, input.value);
      announce('Renamed.');
    } catch (err) {
      fail(err);
      input.focus();
    }
  });
  return h(
    'article',
    { class: 'card endpoint', 'aria-labelledby': headingId, 'data-subscription': sub.id },
    h(
      'div',
      { class: 'site-head' },
      h(
        'div',
        { class: 'grow' },
        h('h3', { id: headingId }, sub.label),
        h(
          'p',
          { class: 'muted' },
          'Created ',
          timeEl(sub.createdAt),
          ' · last message ',
          timeEl(sub.lastMessageAt, 'none yet'),
        ),
      ),
      sub.muted ? h('span', { class: 'badge quiet' }, 'Muted') : null,
    ),
    sub.pendingReregistration
      ? h(
          'p',
          { class: 'warning' },
          'The push service reset this agent: this address no longer works. A new one is made on the next connection.',
        )
      : null,
    json
      ? codeBlock(
          `json-${sub.id}`,
          'Subscription JSON',
          JSON.stringify({ endpoint: json.endpoint, expirationTime: json.expirationTime, keys: json.keys }, null, 2),
          'Copy JSON',
          headingId,
        )
      : h('p', { class: 'warning' }, 'The keys of this endpoint could not be read.'),
    json ? commandBlock(sub, json, headingId) : null,
    h('p', { class: 'error', role: 'alert', id: errorId }),
    h('p', { class: 'muted test-result', role: 'status', id: resultId }, testAnswers.get(sub.id) ?? ''),
    renameForm,
    h(
      'div',
      { class: 'row actions' },
      json
        ? h(
            'button',
            {
              type: 'button',
              'data-action': 'send-test',
              'aria-describedby': headingId,
              onclick: async (e: Event) => {
                const button = e.currentTarget as HTMLButtonElement;
                // Looked up by id each time: the card may have been re-rendered while the service answered.
                const show = (text: string) => {
                  testAnswers.set(sub.id, text);
                  byId(resultId).textContent = text;
                };
                byId(errorId).textContent = '';
                button.disabled = true;
                show('Sending through the push service…');
                try {
                  const answer = await api().sendTestMessage(sub.id);
                  show(
                    `Push service answered: ${answer.message}${answer.accepted ? '. The notification arrives in a moment.' : ''}`,
                  );
                } catch (err) {
                  show('');
                  fail(err);
                } finally {
                  button.disabled = false;
                }
              },
            },
            'Send a test notification',
          )
        : null,
      renameButton,
      h(
        'button',
        {
          type: 'button',
          'data-action': 'mute',
          'aria-describedby': headingId,
          onclick: async () => {
            try {
              await api().setMuted(sub.id, !sub.muted);
              announce(sub.muted ? 'Unmuted.' : 'Muted.');
            } catch (err) {
              fail(err);
            }
          },
        },
        sub.muted ? 'Unmute' : 'Mute',
      ),
      h(
        'button',
        {
          type: 'button',
          'data-action': 'replace',
          'aria-describedby': headingId,
          onclick: async () => {
            if (
              !(await confirmAction(
                `Replace “${sub.label}”?`,
                'It gets a new address and new keys. The old address stops working at once: update every sender with the new JSON.',
                'Replace',
              ))
            )
              return;
            try {
              await api().replaceEndpoint(sub.id);
              announce('Replaced. Copy the new JSON to your senders.');
            } catch (err) {
              fail(err);
            }
          },
        },
        'Replace…',
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'danger',
          'data-action': 'delete',
          'aria-describedby': headingId,
          onclick: async () => {
            if (
              !(await confirmAction(
                `Delete “${sub.label}”?`,
                'Senders using it will get an error from now on. This cannot be undone.',
                'Delete',
              ))
            )
              return;
            try {
              await api().deleteSubscription(sub.id);
              announce('Endpoint deleted.');
            } catch (err) {
              fail(err);
            }
          },
        },
        'Delete…',
      ),
    ),
  );
}

export async function renderEndpoints(subs: SubscriptionView[]): Promise<void> {
  const list = byId('endpoints-list');
  const endpoints = subs.filter((s) => s.kind === 'endpoint');
  const jsons = await Promise.all(
    endpoints.map((s) =>
      api()
        .getSubscriptionJSON(s.id)
        .catch(() => null),
    ),
  );
  list.setAttribute('aria-busy', 'false');
  if (!endpoints.length) {
    replace(
      list,
      h(
        'div',
        { class: 'empty' },
        h('p', {}, 'No endpoints yet.'),
        h('p', {}, 'Create one above, then give its JSON to the server or script that should send you messages.'),
      ),
    );
    return;
  }
  // Events re-render the list: keep the keyboard user's place.
  keepFocus(list, () => replace(list, ...endpoints.map((s, i) => endpointCard(s, jsons[i] ?? null))));
}

export function setupCreateEndpoint(onCreated: (id: string) => void): void {
  const form = byId<HTMLFormElement>('create-endpoint');
  const label = byId<HTMLInputElement>('endpoint-label');
  const key = byId<HTMLInputElement>('endpoint-key');
  const error = byId('create-endpoint-error');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    label.removeAttribute('aria-invalid');
    key.removeAttribute('aria-invalid');
    if (!label.value.trim()) {
      error.textContent = 'Give the endpoint a name, so you know later what sends to it.';
      label.setAttribute('aria-invalid', 'true');
      label.focus();
      return;
    }
    const button = form.querySelector('button[type=submit]') as HTMLButtonElement;
    button.disabled = true;
    try {
      const k = key.value.trim();
      const created = await api().createEndpoint({
        label: label.value.trim(),
        ...(k ? { applicationServerKey: k } : {}),
      });
      form.reset();
      announce('Endpoint created. Its JSON is below.');
      onCreated(created.id);
    } catch (err) {
      error.textContent = errorText(err);
      const bad = (err as { kind?: string }).kind === 'invalid-key' ? key : label;
      bad.setAttribute('aria-invalid', 'true');
      bad.focus();
    } finally {
      button.disabled = false;
    }
  });
}
