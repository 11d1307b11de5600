// `status`: what a running `listen` reports about itself (status.json in the data dir, written by that process)
// and the one line `push-agent status` prints.
import fs from 'node:fs';
import path from 'node:path';

export interface LiveStatus {
  state: string;
  messagesHandled: number;
  awaitingReregistration: number;
  serviceUrl: string;
}

const FILE = 'status.json';

export function writeLiveStatus(dataDir: string, status: LiveStatus): void {
  try {
    fs.writeFileSync(path.join(dataDir, FILE), JSON.stringify({ ...status, at: new Date().toISOString() }), {
      mode: 0o600,
    });
  } catch {
    // informative only: a full disk must not stop the listener
  }
}

/** The running listener's report, or null when there is none or it cannot be read. */
export function liveStatus(dataDir: string): LiveStatus | null {
  try {
    const j = JSON.parse(fs.readFileSync(path.join(dataDir, FILE), 'utf8')) as Partial<LiveStatus>;
    return {
      state: typeof j.state === 'string' ? j.state : 'unknown',
      messagesHandled: Number.isSafeInteger(j.messagesHandled) ? j.messagesHandled! : 0,
      awaitingReregistration: Number.isSafeInteger(j.awaitingReregistration) ? j.awaitingReregistration! : 0,
      serviceUrl: typeof j.serviceUrl === 'string' ? j.serviceUrl : '',
    };
  } catch {
    return null;
  }
}

export interface StatusView {
  running: boolean;
  pid: number | null;
  connected: boolean;
  state: string;
  serviceUrl: string;
  messagesHandled: number;
  awaitingReregistration: number;
  subscriptions: number;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** One line: running or not, connected or not, messages handled, subscriptions waiting for re-registration. */
export function statusLine(s: StatusView): string {
  const running = s.running ? `running (pid ${s.pid})` : 'not running';
  const connected = s.connected
    ? `connected to ${s.serviceUrl}`
    : s.running
      ? `not connected (${s.state}) to ${s.serviceUrl}`
      : `not connected (push service ${s.serviceUrl})`;
  return `push-agent ${running}, ${connected}; ${plural(s.messagesHandled, 'message', 'messages')} handled; ${plural(s.subscriptions, 'subscription', 'subscriptions')}, ${s.awaitingReregistration} waiting for re-registration`;
}
