// A notification server for tests: a real peer on a (private) session bus that owns org.freedesktop.Notifications
// and answers the methods every server must support, as the Desktop Notifications Specification (1.2) defines them:
// GetCapabilities, Notify, CloseNotification (emitting NotificationClosed), GetServerInformation. It shows nothing;
// it records what it was sent, so a test asserts what a desktop's server would have received. Nothing expires on
// its own here (a real server may close a notification after its timeout, reason 1); a notification stays open
// until CloseNotification closes it (reason 3).
import { EventEmitter } from 'node:events';
import { closePeer, connectPeer, ownName } from './private-bus.ts';

export const NOTIFICATIONS_NAME = 'org.freedesktop.Notifications';
export const NOTIFICATIONS_PATH = '/org/freedesktop/Notifications';

/** The arguments of one Notify call, as the server received them off the wire. */
export interface ReceivedNotification {
  /** The id the server answered with. */
  id: number;
  appName: string;
  replacesId: number;
  appIcon: string;
  summary: string;
  body: string;
  actions: string[];
  /** Hint name -> the variant's value. */
  hints: Record<string, unknown>;
  expireTimeout: number;
}

export interface NotificationServer {
  /** Every Notify call, in the order received. */
  readonly received: ReceivedNotification[];
  /** Notifications currently open (not yet closed), by id. */
  readonly open: Map<number, ReceivedNotification>;
  /** Every NotificationClosed signal the server emitted: [id, reason]. */
  readonly closed: Array<[id: number, reason: number]>;
  /** Every CloseNotification call's id, including ones for notifications that were not open. */
  readonly closeRequests: number[];
  close(): Promise<void>;
}

// The spec's names for the arguments, so that introspection (which `gdbus call` uses to type its arguments) reads
// as a real server's does.
const NOTIFY_ARGS = ['app_name', 'replaces_id', 'app_icon', 'summary', 'body', 'actions', 'hints', 'expire_timeout'];

/** The spec's reason for a notification closed by a call to CloseNotification. */
const CLOSED_BY_CALL = 3;

/**
 * Starts the server on the bus at `address` (e.g. a `startPrivateBus()` address). Rejects if the name is owned
 * already. `capabilities` is what GetCapabilities answers; by default what this server honours: it keeps the body
 * text and takes markup.
 */
export async function startNotificationServer(
  address: string,
  capabilities: string[] = ['body', 'body-markup'],
): Promise<NotificationServer> {
  const bus = connectPeer(address);
  const received: ReceivedNotification[] = [];
  const open = new Map<number, ReceivedNotification>();
  const closed: Array<[number, number]> = [];
  const closeRequests: number[] = [];
  // Ids start at 1: the spec reserves 0 ("no notification to replace").
  let lastId = 0;

  // dbus-native sends a signal when the exported object emits it, and calls methods with the message body's values
  // in order; a variant arrives as [signature, [value]], a dict as [[key, value], ...].
  const server = Object.assign(new EventEmitter(), {
    GetCapabilities: () => capabilities,
    Notify(
      appName: string,
      replacesId: number,
      appIcon: string,
      summary: string,
      body: string,
      actions: string[],
      hints: Array<[string, [unknown, unknown[]]]>,
      expireTimeout: number,
    ): number {
      // A non-zero replaces_id names the notification to replace, and is answered as its id.
      const id = replacesId !== 0 ? replacesId : ++lastId;
      const n: ReceivedNotification = {
        id,
        appName,
        replacesId,
        appIcon,
        summary,
        body,
        actions,
        hints: Object.fromEntries(hints.map(([k, v]) => [k, v[1][0]])),
        expireTimeout,
      };
      received.push(n);
      open.set(id, n);
      return id;
    },
    CloseNotification(id: number): Error | undefined {
      closeRequests.push(id);
      // The spec: if the notification no longer exists, an empty D-Bus error is sent back.
      if (!open.delete(id)) return Object.assign(new Error(''), { dbusName: 'org.freedesktop.DBus.Error.Failed' });
      closed.push([id, CLOSED_BY_CALL]);
      server.emit('NotificationClosed', id, CLOSED_BY_CALL);
      return undefined;
    },
    GetServerInformation: () => ['push-agent-tests', 'Push Agent', '0', '1.2'],
  });
  bus.exportInterface(server, NOTIFICATIONS_PATH, {
    name: NOTIFICATIONS_NAME,
    methods: {
      GetCapabilities: ['', 'as', [], ['capabilities']],
      Notify: ['susssasa{sv}i', 'u', NOTIFY_ARGS, ['id']],
      CloseNotification: ['u', '', ['id'], []],
      GetServerInformation: ['', 'ssss', [], ['name', 'vendor', 'version', 'spec_version']],
    },
    properties: {},
    signals: {
      NotificationClosed: ['uu', 'id', 'reason'],
      ActionInvoked: ['us', 'id', 'action_key'],
    },
  });
  await ownName(bus, NOTIFICATIONS_NAME);
  return {
    received,
    open,
    closed,
    closeRequests,
    close: () => closePeer(bus),
  };
}
