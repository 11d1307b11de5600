// The WAI-ARIA tabs pattern: arrow keys, Home and End move between tabs (automatic activation); only the selected
// tab is in the Tab order. The selected tab is kept in the URL hash so a reload stays on it.

export type TabName = 'sites' | 'endpoints' | 'activity' | 'status';
const NAMES: TabName[] = ['sites', 'endpoints', 'activity', 'status'];

export function setupTabs(onShow: (name: TabName) => void): (name: TabName, focus?: boolean) => void {
  const tabs = NAMES.map((n) => document.getElementById(`tab-${n}`) as HTMLButtonElement);
  const panels = NAMES.map((n) => document.getElementById(`panel-${n}`) as HTMLElement);

  const select = (name: TabName, focus = false): void => {
    NAMES.forEach((n, i) => {
      const on = n === name;
      tabs[i]!.setAttribute('aria-selected', String(on));
      tabs[i]!.tabIndex = on ? 0 : -1;
      panels[i]!.hidden = !on;
    });
    if (focus) tabs[NAMES.indexOf(name)]!.focus();
    if (location.hash !== `#${name}`) history.replaceState(null, '', `#${name}`);
    onShow(name);
  };

  tabs.forEach((tab, i) => {
    tab.addEventListener('click', () => select(NAMES[i]!));
    tab.addEventListener('keydown', (e) => {
      const last = NAMES.length - 1;
      const to =
        e.key === 'ArrowRight'
          ? (i + 1) % NAMES.length
          : e.key === 'ArrowLeft'
            ? (i + last) % NAMES.length
            : e.key === 'Home'
              ? 0
              : e.key === 'End'
                ? last
                : -1;
      if (to < 0) return;
      e.preventDefault();
      select(NAMES[to]!, true);
    });
  });

  const initial = location.hash.slice(1) as TabName;
  select(NAMES.includes(initial) ? initial : 'sites');
  return select;
}
