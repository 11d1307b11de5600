// The WebSocket transport to the push service (docs/protocol-notes.md §1, docs/architecture.md "The delivery pipeline",
// its connection rules).
// It owns the socket, the hello handshake, register/unregister requests with their deadlines, keepalive and
// reconnecting. It knows nothing about subscriptions or messages: frames go up to the engine through `handlers`.

import type { Agent } from 'node:http';
import WebSocket from 'ws';
import { Backoff } from './backoff.ts';
import type { Clock, Logger, TimerHandle } from './ports.ts';
import { clientFrames, parseServerFrame, MAX_FRAME_BYTES, type ServerMessage } from './protocol.ts';

export type ConnectionState = 'stopped' | 'connecting' | 'connected' | 'waiting' | 'suspended';

export interface ConnectionOptions {
  url: string;
  clock: Clock;
  logger: Logger;
  requestTimeoutMs?: number; // 10 s
  helloTimeoutMs?: number; // 10 s
  backoffInitialMs?: number; // 1 s
  backoffMaxMs?: number; // 5 min
  stableAfterMs?: number; // a connection that lasted this long resets the backoff
  idlePingAfterMs?: number; // 30 min of silence before a client ping
  pingReplyTimeoutMs?: number; // 10 s
  minPingIntervalMs?: number; // 60 s
  random?: () => number;
  /**
   * A monotonic clock in ms for intervals (default `performance.now()`): the wall clock can step back (NTP, a user
   * setting the time), and a ping interval measured on it would then wait as long as the step.
   */
  monotonicNow?: () => number;
  /** Say use_webpush in hello (default). False for the Simple Push session. */
  useWebpush?: boolean;
  /** How the socket reaches the service (a proxy-tunnelling agent, host/proxy.ts); default direct. */
  agent?: Agent;
}

export interface ConnectionHandlers {
  /** The service answered hello. Resolve when the engine is ready for notifications (e.g. after a UAID change). */
  hello(uaid: string, useWebpush: boolean): Promise<void> | void;
  /** Every other server message except replies to our requests. */
  message(message: ServerMessage): void;
  state(state: ConnectionState, detail: { code?: number; reason?: string; retryInMs?: number }): void;
  /** The uaid to send in hello, or null (sent only when live subscriptions exist). */
  helloUaid(): string | null;
}

export class RequestError extends Error {
  readonly kind: 'timeout' | 'rejected' | 'not-connected' | 'closed';
  readonly status?: number;
  constructor(kind: RequestError['kind'], message: string, status?: number) {
    super(message);
    this.name = 'RequestError';
    this.kind = kind;
    if (status !== undefined) this.status = status;
  }
}

interface Pending {
  type: 'register' | 'unregister';
  resolve: (m: ServerMessage) => void;
  reject: (e: Error) => void;
  timer: TimerHandle;
}

export class PushConnection {
  #ws: WebSocket | null = null;
  #state: ConnectionState = 'stopped';
  #helloDone = false;
  /** Frames that arrive between the hello reply and the end of its handling wait here, in order. */
  #early: ServerMessage[] | null = null;
  #pending = new Map<string, Pending>();
  #readyWaiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  #backoff: Backoff;
  #retryTimer: TimerHandle | null = null;
  #helloTimer: TimerHandle | null = null;
  #stableTimer: TimerHandle | null = null;
  #idleTimer: TimerHandle | null = null;
  #pingReplyTimer: TimerHandle | null = null;
  #lastPingAt = -Infinity;
  /** The socket was dropped by reconnect(): connect again without a backoff delay. */
  #reconnectNow = false;
  #opts: Required<Omit<ConnectionOptions, 'random' | 'agent'>> & { random?: () => number; agent?: Agent };

  #handlers: ConnectionHandlers;

  constructor(opts: ConnectionOptions, handlers: ConnectionHandlers) {
    this.#opts = {
      requestTimeoutMs: 10_000,
      helloTimeoutMs: 10_000,
      backoffInitialMs: 1_000,
      backoffMaxMs: 5 * 60_000,
      stableAfterMs: 60_000,
      idlePingAfterMs: 30 * 60_000,
      pingReplyTimeoutMs: 10_000,
      minPingIntervalMs: 60_000,
      useWebpush: true,
      monotonicNow: () => performance.now(),
      ...opts,
    };
    this.#handlers = handlers;
    this.#backoff = new Backoff({
      initialMs: this.#opts.backoffInitialMs,
      maxMs: this.#opts.backoffMaxMs,
      ...(opts.random ? { random: opts.random } : {}),
    });
  }

  get state(): ConnectionState {
    return this.#state;
  }
  get ready(): boolean {
    return this.#state === 'connected' && this.#helloDone;
  }
  get url(): string {
    return this.#opts.url;
  }

  start(): void {
    if (this.#state !== 'stopped') return;
    this.#connect();
  }

  /** Host signal: resume from sleep, network up, or a new request after 4774. Reconnect now unless connected. */
  wake(): void {
    if (this.#state === 'waiting' || this.#state === 'suspended') {
      this.#clearRetry();
      this.#connect();
    }
  }

  /**
   * Reconnect at once, without counting it as a failure for the backoff: the service redelivers unacked messages
   * only on a new connection, and the agent asks for that when it left some unacked (delivery/redelivery.ts); a host
   * asks
   * for it after a resume from sleep, when the open socket may be dead.
   */
  reconnect(reason: string): void {
    if (this.#state === 'waiting' || this.#state === 'suspended') return this.wake();
    if (!this.#ws) return;
    this.#opts.logger.info('reconnecting at once', { reason });
    this.#reconnectNow = true;
    this.#ws.terminate();
  }

  /** Drop the socket and reconnect (e.g. a request went unanswered, the service URL changed). */
  recycle(reason: string): void {
    this.#opts.logger.info('connection recycled', { reason });
    this.#ws?.terminate();
  }

  async stop(): Promise<void> {
    this.#setState('stopped', {});
    this.#clearRetry();
    this.#clearSessionTimers();
    const ws = this.#ws;
    this.#ws = null;
    this.#failAll(new RequestError('closed', 'connection stopped'));
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        ws.once('close', () => resolve());
        ws.close(1000);
        const t = setTimeout(() => {
          ws.terminate();
          resolve();
        }, 1000);
        t.unref();
      });
    }
  }

  /** Resolves once hello has completed (waking a suspended connection); rejects if stopped meanwhile. */
  whenReady(timeoutMs = this.#opts.requestTimeoutMs): Promise<void> {
    if (this.ready) return Promise.resolve();
    if (this.#state === 'stopped') return Promise.reject(new RequestError('not-connected', 'not started'));
    this.wake();
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: () => {
          this.#opts.clock.clearTimeout(t);
          resolve();
        },
        reject,
      };
      const t = this.#opts.clock.setTimeout(() => {
        this.#readyWaiters = this.#readyWaiters.filter((w) => w !== waiter);
        reject(new RequestError('not-connected', 'push service not reachable'));
      }, timeoutMs);
      this.#readyWaiters.push(waiter);
    });
  }

  register(channelID: string, key: string | null): Promise<string> {
    return this.#request('register', channelID, clientFrames.register(channelID, key)).then((m) => {
      if (m.type !== 'register' || m.status !== 200 || !m.pushEndpoint) {
        throw new RequestError(
          'rejected',
          `register refused with status ${m.type === 'register' ? m.status : '?'}`,
          m.type === 'register' ? m.status : undefined,
        );
      }
      return m.pushEndpoint;
    });
  }

  async unregister(channelID: string, code: 200 | 201 | 202): Promise<void> {
    await this.#request('unregister', channelID, clientFrames.unregister(channelID, code));
  }

  /** Fire-and-forget frames (ack, nack, urgency). False when there is no open socket: the service redelivers. */
  send(frame: string): boolean {
    if (!this.#ws || this.#ws.readyState !== WebSocket.OPEN || !this.#helloDone) return false;
    this.#ws.send(frame);
    return true;
  }

  async #request(type: 'register' | 'unregister', channelID: string, frame: string): Promise<ServerMessage> {
    await this.whenReady();
    if (this.#pending.has(channelID)) throw new RequestError('rejected', 'a request for this channel is in flight');
    return new Promise<ServerMessage>((resolve, reject) => {
      const timer = this.#opts.clock.setTimeout(() => {
        this.#pending.delete(channelID);
        reject(new RequestError('timeout', `${type} unanswered in ${this.#opts.requestTimeoutMs} ms`));
        // An unanswered request means the socket is not to be trusted (docs/architecture.md "The delivery pipeline").
        this.recycle(`${type} timeout`);
      }, this.#opts.requestTimeoutMs);
      this.#pending.set(channelID, { type, resolve, reject, timer });
      if (!this.send(frame)) {
        this.#opts.clock.clearTimeout(timer);
        this.#pending.delete(channelID);
        reject(new RequestError('not-connected', 'not connected'));
      }
    });
  }

  #connect(): void {
    this.#setState('connecting', {});
    this.#helloDone = false;
    this.#reconnectNow = false;
    let ws: WebSocket;
    try {
      // No sub-protocol is requested: production does not echo one and `ws` would reject the handshake.
      ws = new WebSocket(this.#opts.url, {
        maxPayload: MAX_FRAME_BYTES,
        handshakeTimeout: this.#opts.helloTimeoutMs,
        perMessageDeflate: false,
        ...(this.#opts.agent ? { agent: this.#opts.agent } : {}),
      });
    } catch (err) {
      this.#opts.logger.error('bad push service URL', { error: (err as Error).message });
      this.#scheduleRetry({ reason: 'bad url' });
      return;
    }
    this.#ws = ws;
    ws.on('open', () => {
      if (this.#ws !== ws) return;
      ws.send(clientFrames.hello(this.#handlers.helloUaid(), this.#opts.useWebpush));
      this.#helloTimer = this.#opts.clock.setTimeout(() => {
        this.#opts.logger.warn('hello unanswered');
        ws.terminate();
      }, this.#opts.helloTimeoutMs);
    });
    ws.on('message', (raw, isBinary) => {
      if (this.#ws !== ws) return;
      this.#onFrame(raw as Buffer, isBinary);
    });
    ws.on('error', (err) => {
      this.#opts.logger.debug('socket error', { error: err.message });
    });
    ws.on('close', (code, reasonBuf) => {
      if (this.#ws !== ws) return;
      this.#ws = null;
      this.#early = null;
      this.#helloDone = false;
      this.#clearSessionTimers();
      this.#failAll(new RequestError('closed', `connection closed (${code})`));
      if (this.#state === 'stopped') return;
      const reason = reasonBuf.toString('utf8').slice(0, 120);
      if (code === 4774) {
        // "Do not reconnect automatically": wait for a network change or a new request (wake()).
        this.#setState('suspended', { code, reason });
        return;
      }
      if (this.#reconnectNow) {
        this.#reconnectNow = false;
        this.#connect();
        return;
      }
      this.#scheduleRetry({ code, reason });
    });
  }

  #onFrame(raw: Buffer, isBinary: boolean): void {
    this.#noteIncoming();
    const parsed = parseServerFrame(raw, isBinary);
    if (!parsed.ok) {
      this.#opts.logger.warn('bad frame from push service', { kind: parsed.error.kind, detail: parsed.error.message });
      return;
    }
    const m = parsed.message;
    if (this.#early) {
      this.#early.push(m);
      return;
    }
    if (!this.#helloDone) {
      if (m.type !== 'hello') {
        this.#opts.logger.warn('frame before hello', { type: m.type });
        return;
      }
      if (this.#helloTimer) this.#opts.clock.clearTimeout(this.#helloTimer);
      this.#opts.logger.debug('hello answered', { status: m.status, uaidPrefix: m.uaid.slice(0, 8) });
      if (m.status !== 200) {
        this.#opts.logger.warn('hello refused', { status: m.status });
        this.#ws?.terminate();
        return;
      }
      this.#onHello(m.uaid, m.useWebpush);
      return;
    }
    this.#dispatch(m);
  }

  #dispatch(m: ServerMessage): void {
    if (m.type === 'register' || m.type === 'unregister') {
      const pending = this.#pending.get(m.channelID);
      if (pending && pending.type === m.type) {
        this.#pending.delete(m.channelID);
        this.#opts.clock.clearTimeout(pending.timer);
        pending.resolve(m);
      } else {
        this.#opts.logger.debug('unsolicited reply', { type: m.type });
      }
      return;
    }
    if (m.type === 'ping' || m.type === 'hello') return; // keepalive answered / stray hello: nothing to do
    this.#handlers.message(m);
  }

  #onHello(uaid: string, useWebpush: boolean): void {
    const ws = this.#ws;
    this.#early = [];
    void Promise.resolve()
      .then(() => this.#handlers.hello(uaid, useWebpush))
      .then(
        () => {
          const early = this.#early ?? [];
          this.#early = null;
          if (this.#ws !== ws) return;
          this.#helloDone = true;
          this.#setState('connected', {});
          for (const m of early) this.#dispatch(m);
          this.#stableTimer = this.#opts.clock.setTimeout(() => this.#backoff.reset(), this.#opts.stableAfterMs);
          for (const w of this.#readyWaiters.splice(0)) w.resolve();
        },
        (err: Error) => {
          this.#early = null;
          this.#opts.logger.error('hello handling failed', { error: err.message });
          ws?.terminate();
        },
      );
  }

  // Keepalive: the service pings us every 300 s (ws answers by itself). We ping only after long silence, and
  // never twice within minPingIntervalMs (the service closes on a second ping within 45 s).
  #noteIncoming(): void {
    if (this.#pingReplyTimer) {
      this.#opts.clock.clearTimeout(this.#pingReplyTimer);
      this.#pingReplyTimer = null;
    }
    if (this.#idleTimer) this.#opts.clock.clearTimeout(this.#idleTimer);
    this.#idleTimer = this.#opts.clock.setTimeout(() => this.#idlePing(), this.#opts.idlePingAfterMs);
  }

  #idlePing(): void {
    const now = this.#opts.monotonicNow();
    if (now - this.#lastPingAt < this.#opts.minPingIntervalMs) {
      this.#idleTimer = this.#opts.clock.setTimeout(
        () => this.#idlePing(),
        this.#opts.minPingIntervalMs - (now - this.#lastPingAt),
      );
      return;
    }
    if (!this.send(clientFrames.ping())) return;
    this.#lastPingAt = now;
    this.#pingReplyTimer = this.#opts.clock.setTimeout(
      () => this.recycle('ping unanswered'),
      this.#opts.pingReplyTimeoutMs,
    );
  }

  #scheduleRetry(detail: { code?: number; reason?: string }): void {
    const delay = this.#backoff.next();
    this.#setState('waiting', { ...detail, retryInMs: delay });
    this.#retryTimer = this.#opts.clock.setTimeout(() => {
      this.#retryTimer = null;
      this.#connect();
    }, delay);
    // Not unref'd: a host with nothing else to do (the CLI while the network is down) must stay alive to retry.
  }

  #clearRetry(): void {
    if (this.#retryTimer) this.#opts.clock.clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
  }

  #clearSessionTimers(): void {
    for (const t of [this.#helloTimer, this.#stableTimer, this.#idleTimer, this.#pingReplyTimer])
      if (t) this.#opts.clock.clearTimeout(t);
    this.#helloTimer = this.#stableTimer = this.#idleTimer = this.#pingReplyTimer = null;
  }

  #failAll(err: Error): void {
    for (const [id, p] of this.#pending) {
      this.#opts.clock.clearTimeout(p.timer);
      p.reject(err);
      this.#pending.delete(id);
    }
    if (this.#state === 'stopped') for (const w of this.#readyWaiters.splice(0)) w.reject(err);
  }

  #setState(state: ConnectionState, detail: { code?: number; reason?: string; retryInMs?: number }): void {
    if (state === this.#state && state !== 'waiting') return;
    this.#state = state;
    this.#opts.logger.debug('connection state', { state, ...detail });
    this.#handlers.state(state, detail);
  }
}
