// The settings window: four views over `window.pushAgent`, kept live by its events (never by polling).

import type { SettingsEvent, SubscriptionView } from '../shared/settings-api.ts';
import { ActivityView } from './activity-view.ts';
import { api, errorText } from './api.ts';
import { byId, h, replace } from './dom.ts';
import { renderEndpoints, setupCreateEndpoint } from './endpoints-view.ts';
import { renderSites, setupAddSite } from './sites-view.ts';
import { PreferencesView, renderStatus } from './status-view.ts';
import { setupTabs } from './tabs.ts';

function start(): void {
  const activity = new ActivityView();
  const preferences = new PreferencesView();
  let subs: SubscriptionView[] = [];
  let current = '';

  // Coalesces bursts of events (a backlog arriving) into one refresh per frame.
  let pending: Promise<void> | null = null;
  const refreshSubscriptions = (): Promise<void> =>
    (pending ??= new Promise<void>((r) => requestAnimationFrame(() => r())).then(async () => {
      pending = null;
      try {
        subs = await api().listSubscriptions();
        const history = await api()
          .getHistory({ limit: 500 })
          .catch(() => []);
        renderSites(subs, history, { showHistory, refresh: () => void refreshSubscriptions() });
        await renderEndpoints(subs);
        activity.setSubscriptions(subs);
      } catch (err) {
        const message = h('p', { class: 'error' }, errorText(err));
        replace(byId('sites-list'), message);
      }
    }));

  const select = setupTabs((name) => {
    current = name;
    // Loading the full list marks everything read (the tab's and the tray's badge).
    if (name === 'activity') void activity.load();
  });
  const showHistory = (id: string) => {
    select('activity', true);
    void activity.show(id);
  };

  setupAddSite();
  setupCreateEndpoint((id) => {
    void refreshSubscriptions().then(() => {
      // Move focus to the new endpoint's copy button: the next thing the user wants.
      document.querySelector<HTMLButtonElement>(`[data-subscription="${CSS.escape(id)}"] button[data-copy]`)?.focus();
    });
  });

  api().onEvent((e: SettingsEvent) => {
    switch (e.type) {
      case 'status':
        renderStatus(e.status);
        break;
      case 'subscriptions':
        void refreshSubscriptions();
        break;
      case 'history':
        activity.add(e.entry);
        // Seen as it arrives: tell the agent, so neither the tab nor the tray counts it.
        if (current === 'activity' && document.visibilityState === 'visible')
          void api()
            .getHistory()
            .catch(() => {});
        void refreshSubscriptions();
        break;
      case 'preferences':
        preferences.render(e.preferences, true);
        break;
    }
  });

  void api()
    .getStatus()
    .then(renderStatus, (err) => {
      byId('connection').textContent = errorText(err);
    });
  void refreshSubscriptions();
  void preferences.load();
}

/** Opened outside Push Agent (no bridge): say so instead of showing a dead window. */
function safeStart(): void {
  if (!window.pushAgent) {
    replace(
      byId('panels'),
      h(
        'p',
        { class: 'warning', role: 'alert' },
        'This window only works inside Push Agent. Open the settings from the Push Agent icon in your system tray.',
      ),
    );
    return;
  }
  start();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', safeStart);
else safeStart();
