// What `list`, `status`, `subscribe` and `unsubscribe` print, the same whether the command ran on the data dir or in
// a running `listen` (control-handlers.ts).
import type { EngineStatus } from '../engine/engine.ts';
import type { SubscriptionInfo } from '../engine/subscription-record.ts';
import { statusLine, type LiveStatus } from './status.ts';

type Out = (line: string) => void;

export function printList(subs: SubscriptionInfo[], json: boolean, out: Out): void {
  if (json) return out(JSON.stringify(subs));
  if (subs.length === 0) return out('No subscriptions. Create one with: push-agent subscribe --label <name>');
  for (const s of subs)
    out(
      `${s.id}  ${s.kind.padEnd(8)}  ${s.label}  ${s.origin.startsWith('push-agent:') ? '' : s.origin}${s.pendingReregistration ? '  (endpoint dead after a service reset; waiting to re-register)' : ''}`,
    );
}

export type StatusReport = ReturnType<typeof statusReport>;

/** `status --json`: the engine's view of the data dir, and the running listener's own report when there is one. */
export function statusReport(o: {
  running: boolean;
  pid: number | null;
  engine: EngineStatus;
  live: LiveStatus | null;
  dataDir: string;
}) {
  const s = o.engine;
  return {
    running: o.running,
    pid: o.pid,
    ...s,
    state: o.live?.state ?? 'not running',
    connected: o.live?.state === 'connected',
    messagesHandled: o.live?.messagesHandled ?? 0,
    // From the stored marks: true whether or not a listener runs.
    awaitingReregistration: s.pendingReregistrations,
    serviceUrl: o.live?.serviceUrl ?? s.serviceUrl,
    dataDir: o.dataDir,
  };
}

export function printStatus(status: StatusReport, json: boolean, out: Out): void {
  if (json) return out(JSON.stringify(status));
  out(statusLine(status));
  const aside = status.subscriptionsAside.unopened + status.subscriptionsAside.badShape;
  if (aside) out(`kept aside: ${aside} subscription(s) in state.json could not be read; kept as they are`);
}

/** The one JSON line `subscribe` prints. */
export function subscriptionOutput(
  info: Pick<SubscriptionInfo, 'id' | 'endpoint' | 'expirationTime' | 'keys'>,
): string {
  return JSON.stringify({ id: info.id, endpoint: info.endpoint, expirationTime: info.expirationTime, keys: info.keys });
}

/**
 * The local time of day as HH:MM:SS (24-hour), for `listen`'s human-readable notification lines. Not
 * toLocaleTimeString: its first call loads ICU's locale data, ~5-8 MiB of RSS that a running listener would keep for
 * good after its first message (issue 19, idle memory; docs/architecture.md).
 */
export function clockTime(at: number): string {
  const d = new Date(at);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}
