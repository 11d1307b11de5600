// `site add`, `site list`, `site remove` on an engine and the agent's browser (agent-browser.ts): the same work and
// output whether the command runs on the data dir or in a running `listen` (control-handlers.ts).
import type { PushEngine } from '../engine/engine.ts';
import type { AgentBrowser, SiteWindowOptions } from './agent-browser.ts';

/** One line of `site add` / an entry of `site list --json`: the shape `subscribe` prints plus origin and scope. */
export interface SiteLine {
  id: string;
  endpoint: string;
  expirationTime: number | null;
  keys: { p256dh: string; auth: string };
  origin: string;
  scope: string;
}

export class SiteNotFoundError extends Error {
  override name = 'SiteNotFoundError';
}

/** The site subscriptions (Web Push from a site's page), of `origin` or all. */
export function siteLines(engine: PushEngine, origin?: string): SiteLine[] {
  const lines: SiteLine[] = [];
  for (const info of engine.list()) {
    const record = engine.subscription(info.id);
    if (record?.kind !== 'site' || (origin !== undefined && record.origin !== origin)) continue;
    lines.push({
      id: info.id,
      endpoint: info.endpoint,
      expirationTime: info.expirationTime,
      keys: info.keys,
      origin: record.origin,
      scope: record.scope,
    });
  }
  return lines;
}

/** Opens the window; once it closed, the subscriptions of the origin it ended on (made there or already there). */
export async function addSite(
  engine: PushEngine,
  browser: AgentBrowser,
  url: string,
  o: SiteWindowOptions,
): Promise<{ origin: string; subscriptions: SiteLine[] }> {
  const { origin } = await browser.openSite(url, o);
  return { origin, subscriptions: siteLines(engine, origin) };
}

/**
 * Unsubscribes every subscription of `origin` at the push service (its senders then get 404/410), then clears the
 * origin's service workers and storage from the agent's browser profile.
 */
export async function removeSite(
  engine: PushEngine,
  browser: AgentBrowser,
  origin: string,
): Promise<{ origin: string; removed: number }> {
  const records = engine
    .subscriptionRecords()
    .filter((r) => r.origin === origin && (r.kind === 'site' || r.kind === 'legacy'));
  if (records.length === 0) throw new SiteNotFoundError(`no site with origin ${origin} (see: push-agent site list)`);
  let removed = 0;
  for (const r of records) if (await engine.unsubscribe(r.id)) removed++;
  try {
    await browser.clearSite(origin);
  } catch (err) {
    throw new Error(
      `unsubscribed ${removed} subscription(s) of ${origin}, but could not clear its data from the browser profile: ${(err as Error).message}`,
    );
  }
  return { origin, removed };
}

type Out = (line: string) => void;

export function printSiteAdd(result: { origin: string; subscriptions: SiteLine[] }, out: Out, err: Out): void {
  if (result.subscriptions.length === 0) err(`push-agent: nothing subscribed in that window (${result.origin})`);
  for (const s of result.subscriptions) out(JSON.stringify(s));
}

export function printSiteList(lines: SiteLine[], json: boolean, out: Out): void {
  if (json) return out(JSON.stringify(lines));
  if (lines.length === 0) return out('No sites. Add one with: push-agent site add <url>');
  for (const s of lines) out(`${s.origin}  ${s.scope}  ${s.id}`);
}

export function removedLine(r: { origin: string; removed: number }): string {
  return `removed ${r.origin}: ${r.removed} subscription(s) unsubscribed, its service workers and storage cleared`;
}
