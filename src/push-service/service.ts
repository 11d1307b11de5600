// startPushService: one HTTP server on one port carrying both the WebSocket endpoint (any path, like autopush's
// "/") and the RFC 8030 endpoints. Holds the listening socket and lifecycle (close, restart on the same port),
// plus the explicit fault-injection helpers tests and benchmarks use.
import type { EventEmitter } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import { createRequestHandler } from './http.ts';
import { Hub } from './hub.ts';
import { PushServiceError } from './errors.ts';
import { DebouncedWriter, readState, restrictMode, Store, writeState, type StoreLimits } from './storage.ts';
import { TokenCodec } from './tokens.ts';
import type { ResolvedOptions } from './types.ts';
import { ClientSession } from './websocket.ts';

// Not an ES import of node:http: its namespace loads undici, http2 and perf_hooks (docs/architecture.md).
const { createServer } = process.getBuiltinModule('node:http');

export interface PushServiceOptions {
  /** Default 0: an ephemeral port. */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /**
   * JSON file keeping UAIDs, channels, stored messages and the token secret across restarts. Memory only when absent.
   */
  dataFile?: string;
  /** Deadline for the first message (hello); default 5000. */
  helloTimeoutMs?: number;
  /** WebSocket ping frames; default 300000. */
  pingIntervalMs?: number;
  /** Close 1011 when a ping is not answered in time; default 4000. */
  pongTimeoutMs?: number;
  /** A second client `{}` ping sooner than this closes 1011; default 45000. */
  clientPingMinIntervalMs?: number;
  /**
   * More stored messages than this drained in one session: the UAID is deleted and the socket closed 1000. Default 150.
   */
  maxMessagesPerSession?: number;
  /** Stored messages sent per batch after hello; default 10. */
  batchSize?: number;
  /** Larger bodies get 413 errno 104; default 5630. */
  maxBodyBytes?: number;
  /** TTL cap; default 30 days. */
  maxTtlSeconds?: number;
  /** Support the experimental `urgency` client message; default false (unknown type -> close 1011 like production). */
  urgency?: boolean;
  /** Register beyond this answers status 500; default 500. */
  maxChannelsPerUaid?: number;
  /** Undelivered messages per subscription beyond this answer 503 errno 201; default 1000. */
  maxStoredPerChannel?: number;
  /** A connection with more unsent bytes than this is closed (slow reader); default 4 MiB. */
  maxQueuedBytesPerConnection?: number;
  /** All stored messages together; beyond it 503 errno 201. Default 128 MiB. */
  maxStoredBytes?: number;
  /**
   * One UAID's share of the store: its senders get 503 errno 201 beyond it, so one client cannot fill the store
   * for everyone. Default an eighth of `maxStoredBytes` (16 MiB).
   */
  maxStoredBytesPerUaid?: number;
  /** UAIDs stored; register beyond it answers status 500. Default 100000. */
  maxUaids?: number;
  /** Concurrent WebSocket connections; more are refused with HTTP 503. Default 10000. */
  maxConnections?: number;
  /** Concurrent WebSocket connections from one client address; more are refused with HTTP 503. Default 500. */
  maxConnectionsPerAddress?: number;
  /** How long a closing socket may take to finish the close handshake before it is cut; default 2000. */
  closeTimeoutMs?: number;
  /** Clock for TTL and expiry (ms); default Date.now. VAPID `exp` is always checked against the real clock. */
  now?: () => number;
  /** Echo the `push-notification` sub-protocol when asked; default true. */
  echoSubprotocol?: boolean;
}

export interface PushServiceStats {
  connections: number;
  uaids: number;
  channels: number;
  stored: number;
  delivered: number;
  acked: number;
}

export interface PushService {
  /** ws://host:port/ */
  wsUrl: string;
  /** http://host:port (endpoints are `${httpUrl}/wpush/v1/<token>` etc., same port). */
  httpUrl: string;
  port: number;
  close(): Promise<void>;
  /** Closes every client socket: with that close code, or abruptly (terminate) without one. */
  dropConnections(code?: number): void;
  /** Delays every outgoing frame by `ms` (0 turns it off). */
  setFrameDelay(ms: number): void;
  /** Closes and reopens on the same port, keeping state (re-read from the data file when there is one). */
  restart(): Promise<void>;
  stats(): PushServiceStats;
  /**
   * Stored messages visited by scans so far (drain batches, expiry sweeps, unregister): a cost figure. Acks and
   * sends look messages up instead, so they add nothing to it however much is stored.
   */
  scanCount(): number;
  /** The minimum urgency the client asked for with the `urgency` message. */
  lastUrgency(uaid: string): string | undefined;
  /**
   * 'client-message' (uaid, msg); 'hello', 'ack', 'nack', 'notification-received', 'notification-sent', 'uaid-reset',
   * 'disconnect' with one object argument carrying `at` (performance.now()) and `time` (Date.now()).
   */
  events: EventEmitter;
}

const SUBPROTOCOL = 'push-notification';

export function resolveOptions(o: PushServiceOptions = {}): ResolvedOptions {
  const int = (v: number | undefined, d: number, min = 0): number => {
    if (v === undefined) return d;
    if (!Number.isFinite(v) || v < min)
      throw new PushServiceError('invalid-option', `push service: invalid option value ${v}`);
    return v;
  };
  return {
    port: int(o.port, 0),
    host: o.host ?? '127.0.0.1',
    dataFile: o.dataFile,
    helloTimeoutMs: int(o.helloTimeoutMs, 5000, 1),
    pingIntervalMs: int(o.pingIntervalMs, 300_000, 1),
    pongTimeoutMs: int(o.pongTimeoutMs, 4000, 1),
    clientPingMinIntervalMs: int(o.clientPingMinIntervalMs, 45_000),
    maxMessagesPerSession: int(o.maxMessagesPerSession, 150, 1),
    batchSize: int(o.batchSize, 10, 1),
    maxBodyBytes: int(o.maxBodyBytes, 5630, 1),
    maxTtlSeconds: int(o.maxTtlSeconds, 30 * 24 * 60 * 60),
    urgency: o.urgency ?? false,
    maxChannelsPerUaid: int(o.maxChannelsPerUaid, 500, 1),
    maxStoredPerChannel: int(o.maxStoredPerChannel, 1000, 1),
    maxQueuedBytesPerConnection: int(o.maxQueuedBytesPerConnection, 4 * 1024 * 1024, 1),
    maxStoredBytes: int(o.maxStoredBytes, 128 * 1024 * 1024, 1),
    maxStoredBytesPerUaid: int(o.maxStoredBytesPerUaid, Math.ceil((o.maxStoredBytes ?? 128 * 1024 * 1024) / 8), 1),
    maxUaids: int(o.maxUaids, 100_000, 1),
    maxConnections: int(o.maxConnections, 10_000, 1),
    maxConnectionsPerAddress: int(o.maxConnectionsPerAddress, 500, 1),
    closeTimeoutMs: int(o.closeTimeoutMs, 2000, 1),
    now: o.now ?? Date.now,
    echoSubprotocol: o.echoSubprotocol ?? true,
  };
}

export async function startPushService(options: PushServiceOptions = {}): Promise<PushService> {
  const opts = resolveOptions(options);
  const limits: StoreLimits = {
    maxUaids: opts.maxUaids,
    maxChannelsPerUaid: opts.maxChannelsPerUaid,
    maxStoredPerChannel: opts.maxStoredPerChannel,
    maxStoredBytes: opts.maxStoredBytes,
    maxStoredBytesPerUaid: opts.maxStoredBytesPerUaid,
  };

  if (opts.dataFile) restrictMode(opts.dataFile);
  const loaded = opts.dataFile ? readState(opts.dataFile) : undefined;
  const tokens = new TokenCodec(loaded?.secret);
  const hub = new Hub(opts, Store.fromJSON(limits, loaded?.uaids), tokens);
  const writer = opts.dataFile
    ? new DebouncedWriter(
        () => writeState(opts.dataFile!, tokens.secret, hub.store),
        50,
        (err) => console.error('push service: cannot write data file:', err),
      )
    : undefined;
  const watchStore = (): void => {
    if (writer) hub.store.onChange = (subscriptions) => (subscriptions ? writer.now() : writer.schedule());
  };
  watchStore();
  // Write the secret straight away so endpoints stay valid even if nothing else changes before a restart.
  if (opts.dataFile && !loaded) {
    try {
      writeState(opts.dataFile, tokens.secret, hub.store);
    } catch (err) {
      throw new PushServiceError('data-file', `push service: cannot write ${opts.dataFile}`, { cause: err });
    }
  }

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 64 * 1024,
    perMessageDeflate: false,
    clientTracking: false,
    handleProtocols: (protocols) => (opts.echoSubprotocol && protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  });
  wss.on('error', () => {});

  // Expired messages are dropped on every drain; this sweep bounds memory for UAIDs that never come back.
  const sweep = setInterval(() => hub.store.purgeExpired(opts.now()), 60_000);
  sweep.unref();

  let server: Server | undefined;
  let port = opts.port;
  const sockets = new Set<Socket>();
  /** Open WebSocket connections (and upgrades under way) per client address. */
  const perAddress = new Map<string, number>();

  const listen = async (): Promise<void> => {
    const srv = createServer({ requestTimeout: 30_000, headersTimeout: 10_000 }, createRequestHandler(hub));
    srv.on('connection', (s: Socket) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    srv.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
    srv.on('upgrade', (req, socket, head) => {
      socket.on('error', () => socket.destroy());
      const address = (socket as Socket).remoteAddress ?? '';
      const fromAddress = perAddress.get(address) ?? 0;
      if (hub.sessions.size >= opts.maxConnections || fromAddress >= opts.maxConnectionsPerAddress) {
        socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      perAddress.set(address, fromAddress + 1);
      socket.once('close', () => {
        const left = (perAddress.get(address) ?? 1) - 1;
        if (left > 0) perAddress.set(address, left);
        else perAddress.delete(address);
      });
      wss.handleUpgrade(req, socket, head, (ws) => {
        try {
          new ClientSession(ws, hub);
        } catch (err) {
          console.error('push service: cannot start session:', err);
          ws.terminate();
        }
      });
    });
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(port, opts.host, () => {
        srv.off('error', reject);
        resolve();
      });
    });
    srv.on('error', (err) => console.error('push service: server error:', err));
    server = srv;
    port = (srv.address() as AddressInfo).port;
  };

  const shutdown = async (): Promise<void> => {
    const srv = server;
    server = undefined;
    for (const s of [...hub.sessions]) s.drop();
    if (srv) {
      const closed = new Promise<void>((resolve) => srv.close(() => resolve()));
      srv.closeAllConnections();
      for (const s of sockets) s.destroy();
      await closed;
    }
    writer?.flush();
  };

  try {
    await listen();
  } catch (err) {
    clearInterval(sweep);
    throw err;
  }
  const urlHost = publicHost(opts.host);
  hub.origin = `http://${urlHost}:${port}`;

  let closed = false;
  return {
    wsUrl: `ws://${urlHost}:${port}/`,
    httpUrl: hub.origin,
    port,
    events: hub.events,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(sweep);
      await shutdown();
    },
    dropConnections(code?: number) {
      for (const s of [...hub.sessions]) s.drop(code);
    },
    setFrameDelay(ms: number) {
      hub.frameDelayMs = Math.max(0, ms);
    },
    async restart() {
      if (closed) throw new PushServiceError('closed', 'push service: restart after close');
      await shutdown();
      if (opts.dataFile) {
        const state = readState(opts.dataFile);
        const scanned = hub.store.scanned;
        hub.store = Store.fromJSON(limits, state?.uaids);
        hub.store.scanned = scanned;
        watchStore();
      }
      await listen();
    },
    stats() {
      return {
        connections: hub.sessions.size,
        uaids: hub.store.uaidCount,
        channels: hub.store.channelCount,
        stored: hub.store.messageCount,
        delivered: hub.counters.delivered,
        acked: hub.counters.acked,
      };
    },
    scanCount() {
      return hub.store.scanned;
    },
    lastUrgency(uaid: string) {
      return hub.lastUrgency(uaid);
    },
  };
}

/** The host to put in URLs: a wildcard bind is reached through loopback; IPv6 literals need brackets. */
function publicHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
