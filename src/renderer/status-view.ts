// Status and preferences: the connection (state, service, last connection, never the full UAID), the secret
// storage warning, the test notification, and every preference of docs/policies.md with validation in words.

import type {
  PolicyPreferences,
  PowerStateView,
  Preferences,
  PreferencesPatch,
  StatusView,
} from '../shared/settings-api.ts';
import { POLICY_LIMITS, TIME_OF_DAY } from '../shared/preferences.ts';
import { api, errorKind, errorText } from './api.ts';
import { announce, byId, h, replace, timeEl } from './dom.ts';
import { EMBEDDED_SERVICE } from '../shared/service-choice.ts';
import { CONNECTION_WORDS } from './words.ts';

const POWER: PowerStateView[] = ['ac', 'battery', 'low'];
const POWER_WORDS: Record<PowerStateView, string> = { ac: 'plugged in', battery: 'on battery', low: 'on low battery' };

type PerPowerNumber = 'budgetCap' | 'budgetRefillMinutes' | 'eventDeadlineSeconds' | 'workerKeepAliveSeconds';
/** The words are the view's; the limits are the one schema's, so the inputs accept exactly what the engine does. */
const ROWS: Array<{ key: PerPowerNumber; label: string; min: number; max: number; nullable?: boolean }> = [
  { key: 'budgetCap', label: 'Silent messages allowed per site' },
  { key: 'budgetRefillMinutes', label: 'Minutes to earn one back (empty: never)' },
  { key: 'eventDeadlineSeconds', label: 'Seconds a site’s code may run' },
  { key: 'workerKeepAliveSeconds', label: 'Seconds to keep a site’s code ready' },
].map((row) => ({ ...row, ...POLICY_LIMITS[row.key as PerPowerNumber] })) as Array<{
  key: PerPowerNumber;
  label: string;
  min: number;
  max: number;
  nullable?: boolean;
}>;

/** The Activity tab's badge: entries since the full history was last shown (the tray shows the same number). */
function renderUnread(count: number): void {
  const unread = byId('unread');
  unread.hidden = count === 0;
  unread.textContent = count > 99 ? '99+' : String(count);
  unread.setAttribute('aria-label', `${count} new`);
}

export function renderStatus(s: StatusView): void {
  const pill = byId('connection');
  pill.dataset.state = s.state;
  renderUnread(s.unread);
  // Not a countdown: the delay shown is the one announced with the last status event (no timers, no polling).
  pill.textContent =
    s.state === 'reconnecting' && s.retryInMs !== null
      ? `Reconnecting in ${Math.max(1, Math.round(s.retryInMs / 1000))} s`
      : CONNECTION_WORDS[s.state];
  replace(
    byId('status-list'),
    h('dt', {}, 'Connection'),
    h('dd', {}, CONNECTION_WORDS[s.state]),
    h('dt', {}, 'Push service'),
    h('dd', { class: 'mono' }, s.serviceUrl),
    h('dt', {}, 'Last connected'),
    h('dd', {}, timeEl(s.lastConnectedAt)),
    h('dt', {}, 'Device ID'),
    h('dd', {}, s.uaidPrefix ? h('span', { class: 'mono' }, `${s.uaidPrefix}…`) : 'Not assigned yet'),
    h('dt', {}, 'Power'),
    h(
      'dd',
      {},
      POWER_WORDS[s.power].replace(/^./, (c) => c.toUpperCase()),
    ),
    h('dt', {}, 'Key storage'),
    h('dd', {}, s.secretBackend.name),
  );
  const warn = byId('secret-warning');
  warn.hidden = s.secretBackend.strong;
  warn.textContent = s.secretBackend.strong
    ? ''
    : `Your keys are stored with “${s.secretBackend.name}”, which only hides them: anyone who can read your files can read your keys. Install a keyring (such as GNOME Keyring or KWallet) for real protection.`;
}

const SCALARS: Array<[keyof typeof POLICY_LIMITS, string, string]> = [
  ['burstGraceSeconds', 'pref-burst', 'Free follow-up window'],
  ['lowPowerCoalesceSeconds', 'pref-coalesce', 'Grouping of low-battery wake-ups'],
  ['lowBatteryPercent', 'pref-low-battery', 'Low battery level'],
];

function numberInput(id: string, value: number | null, min: number, max: number, label: string): HTMLInputElement {
  return h('input', {
    id,
    type: 'number',
    min: String(min),
    max: String(max),
    step: '1',
    value: value === null ? '' : String(value),
    'aria-label': label,
    class: 'num',
  });
}

export class PreferencesView {
  #current: Preferences | null = null;

  constructor() {
    const form = byId<HTMLFormElement>('preferences');
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.#save();
    });
    byId<HTMLSelectElement>('pref-service-kind').addEventListener('change', () => this.#syncServiceKind());
    form.addEventListener('reset', (e) => {
      e.preventDefault();
      if (this.#current) this.render(this.#current);
      byId('preferences-error').textContent = '';
    });
    byId('send-test').addEventListener('click', async () => {
      const result = byId('send-test-result');
      try {
        await api().sendTestNotification();
        result.textContent = 'Sent. It should be on your desktop now.';
        announce(result.textContent);
      } catch (err) {
        result.textContent = errorText(err);
        announce(result.textContent);
      }
    });
  }

  async load(): Promise<void> {
    try {
      this.render(await api().getPreferences());
    } catch (err) {
      this.#unavailable(
        errorKind(err) === 'unavailable' ? 'Preferences cannot be changed in this version yet.' : errorText(err),
      );
    }
  }

  #unavailable(text: string): void {
    const note = byId('preferences-unavailable');
    note.hidden = false;
    note.textContent = text;
    byId<HTMLFieldSetElement>('preferences-fields').disabled = true;
  }

  /** The address field applies only to a service at an address, not to the embedded one. */
  #syncServiceKind(): void {
    byId<HTMLInputElement>('pref-service-url').disabled =
      byId<HTMLSelectElement>('pref-service-kind').value === 'local';
  }

  /** Fills the form; a preferences event from elsewhere does not overwrite what the user is typing. */
  render(p: Preferences, fromEvent = false): void {
    const form = byId<HTMLFormElement>('preferences');
    if (
      fromEvent &&
      form.contains(document.activeElement) &&
      document.activeElement !== form.querySelector('button[type=submit]')
    ) {
      this.#current = p;
      return;
    }
    this.#current = p;
    byId('preferences-unavailable').hidden = true;
    byId<HTMLFieldSetElement>('preferences-fields').disabled = false;
    const local = p.serviceUrl === EMBEDDED_SERVICE;
    byId<HTMLSelectElement>('pref-service-kind').value = local ? 'local' : 'url';
    byId<HTMLInputElement>('pref-service-url').value = local ? '' : p.serviceUrl;
    this.#syncServiceKind();
    byId<HTMLInputElement>('pref-login').checked = p.startAtLogin;
    byId<HTMLInputElement>('pref-quiet').checked = p.quietHours.enabled;
    byId<HTMLInputElement>('pref-quiet-start').value = p.quietHours.start;
    byId<HTMLInputElement>('pref-quiet-end').value = p.quietHours.end;
    for (const [key, id] of SCALARS) {
      const input = byId<HTMLInputElement>(id);
      input.value = String(p.policy[key]);
      input.min = String(POLICY_LIMITS[key].min);
      input.max = String(POLICY_LIMITS[key].max);
    }
    replace(
      byId('policy-rows'),
      ...ROWS.map((row) =>
        h(
          'tr',
          {},
          h('th', { scope: 'row' }, row.label),
          ...POWER.map((pw) =>
            h(
              'td',
              {},
              numberInput(
                `pref-${row.key}-${pw}`,
                p.policy[row.key][pw],
                row.min,
                row.max,
                `${row.label}, ${POWER_WORDS[pw]}`,
              ),
            ),
          ),
        ),
      ),
    );
  }

  #read(): { patch: PreferencesPatch } | { error: string; field: HTMLElement } {
    const num = (
      id: string,
      min: number,
      max: number,
      what: string,
      nullable = false,
    ): number | null | { error: string; field: HTMLElement } => {
      const el = byId<HTMLInputElement>(id);
      if (el.value.trim() === '' && nullable) return null;
      const v = Number(el.value);
      if (el.value.trim() === '' || !Number.isInteger(v) || v < min || v > max)
        return { error: `${what}: enter a whole number from ${min} to ${max}.`, field: el };
      return v;
    };
    const url = byId<HTMLInputElement>('pref-service-url');
    const local = byId<HTMLSelectElement>('pref-service-kind').value === 'local';
    if (!local && !/^wss?:\/\/[^\s/]+/.test(url.value.trim()))
      return {
        error: 'The push service address must start with wss:// (for example wss://push.services.mozilla.com).',
        field: url,
      };
    for (const id of ['pref-quiet-start', 'pref-quiet-end']) {
      const t = byId<HTMLInputElement>(id);
      if (!TIME_OF_DAY.test(t.value)) return { error: 'Quiet hours need a start and an end time.', field: t };
    }
    const policy: Partial<PolicyPreferences> = {};
    for (const row of ROWS) {
      const values: Record<string, number | null> = {};
      for (const pw of POWER) {
        const v = num(`pref-${row.key}-${pw}`, row.min, row.max, `${row.label} (${POWER_WORDS[pw]})`, row.nullable);
        if (v !== null && typeof v === 'object') return v;
        values[pw] = v;
      }
      (policy as Record<string, unknown>)[row.key] = values;
    }
    for (const [key, id, what] of SCALARS) {
      const v = num(id, POLICY_LIMITS[key].min, POLICY_LIMITS[key].max, what);
      if (v !== null && typeof v === 'object') return v;
      (policy as Record<string, unknown>)[key] = v;
    }
    return {
      patch: {
        serviceUrl: local ? EMBEDDED_SERVICE : url.value.trim(),
        startAtLogin: byId<HTMLInputElement>('pref-login').checked,
        quietHours: {
          enabled: byId<HTMLInputElement>('pref-quiet').checked,
          start: byId<HTMLInputElement>('pref-quiet-start').value,
          end: byId<HTMLInputElement>('pref-quiet-end').value,
        },
        policy: {
          ...this.#current?.policy,
          ...policy,
          minUrgency: this.#current?.policy.minUrgency ?? { ac: 'very-low', battery: 'low', low: 'high' },
        },
      },
    };
  }

  async #save(): Promise<void> {
    const error = byId('preferences-error');
    error.textContent = '';
    for (const el of byId('preferences').querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
    const read = this.#read();
    if ('error' in read) {
      error.textContent = read.error;
      read.field.setAttribute('aria-invalid', 'true');
      read.field.focus();
      return;
    }
    try {
      this.render(await api().setPreferences(read.patch));
      announce('Preferences saved.');
    } catch (err) {
      error.textContent = errorText(err);
    }
  }
}
