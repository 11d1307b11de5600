// What the tray shows: the connection state in three words and the unread count (docs/architecture.md "Processes").
// Pure.
import type { ConnectionStateView } from '../shared/settings-api.ts';

export type TrayConnection = 'connected' | 'reconnecting' | 'offline';

export function trayConnection(state: ConnectionStateView | 'waiting'): TrayConnection {
  switch (state) {
    case 'connected':
      return 'connected';
    case 'connecting':
    case 'reconnecting':
    case 'waiting':
      return 'reconnecting';
    default:
      return 'offline';
  }
}

const WORDS: Record<TrayConnection, string> = {
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
};

export interface TrayView {
  connection: TrayConnection;
  tooltip: string;
  statusLine: string;
  /** macOS shows this next to the icon; empty when nothing is unread. */
  title: string;
  unread: number;
}

export function trayView(state: ConnectionStateView | 'waiting', unread: number): TrayView {
  const connection = trayConnection(state);
  const n = Number.isFinite(unread) && unread > 0 ? Math.floor(unread) : 0;
  const count = n > 99 ? '99+' : String(n);
  const unreadText = n === 0 ? '' : ` · ${count} unread`;
  return {
    connection,
    tooltip: `Push Agent: ${WORDS[connection]}${unreadText}`,
    statusLine: `${WORDS[connection]}${unreadText}`,
    title: n === 0 ? '' : count,
    unread: n,
  };
}
