// The minimum urgency asked of the push service (docs/protocol-notes.md §1 "Urgency", docs/policies.md). One job: send
// `{"messageType":"urgency","min":...}` only to services that support it, and find out which do.
// A service supports it when it answers status 200. It does not when it stays silent for `replyTimeoutMs`, answers
// another status, or closes the socket within `closeGraceMs` of our frame (the released autopush closes on unknown
// types). The verdict is remembered per service URL in the Store ('urgencySupport'), so after such a close the
// reconnect (same UAID, same subscriptions: nothing of the connection's state is lost) does not send it again.
// Known limitation: a register/unregister in flight while an unknown service is probed fails with that connection.

import type { Clock, Logger, Store, TimerHandle } from '../ports.ts';
import { clientFrames } from '../protocol.ts';

export const STORE_KEY = 'urgencySupport';
export type Urgency = 'very-low' | 'low' | 'normal' | 'high';
export type UrgencySupport = 'supported' | 'unsupported' | 'unknown';

export interface UrgencyOptions {
  store: Store;
  clock: Clock;
  logger: Logger;
  serviceUrl: string;
  /** Sends a frame on the open connection; false when none is open. */
  send: (frame: string) => boolean;
  replyTimeoutMs?: number;
  closeGraceMs?: number;
}

export class UrgencyNegotiator {
  #o: Required<UrgencyOptions>;
  #pending: { timer: TimerHandle } | null = null;
  #lastSentAt = -Infinity;
  #connected = false;
  #closedByProbe = false;
  /** What the service was last asked for on this connection. */
  #asked: Urgency | null = null;

  constructor(opts: UrgencyOptions) {
    this.#o = { replyTimeoutMs: 5_000, closeGraceMs: 3_000, ...opts };
  }

  get support(): UrgencySupport {
    const all = this.#o.store.get(STORE_KEY);
    const v =
      typeof all === 'object' && all !== null ? (all as Record<string, unknown>)[this.#o.serviceUrl] : undefined;
    return v === 'supported' || v === 'unsupported' ? v : 'unknown';
  }

  /** The last connection was closed by the service in answer to our probe (a request in flight may retry once). */
  get closedByProbe(): boolean {
    return this.#closedByProbe;
  }

  /** The connection completed hello. */
  connected(min: Urgency): void {
    this.#closedByProbe = false;
    this.#connected = true;
    this.#asked = null;
    this.request(min);
  }

  /** The power state (or the setting) changed: ask again if the service supports it. */
  request(min: Urgency): void {
    if (!this.#connected || this.#pending || this.#asked === min) return;
    const support = this.support;
    if (support === 'unsupported') return;
    // 'very-low' filters nothing, which is every service's default: an unknown service is not probed for it
    // (a probe of a service without support costs that connection, and whatever request was in flight on it).
    if (support === 'unknown' && min === 'very-low') return;
    if (!this.#o.send(clientFrames.urgency(min))) return;
    this.#asked = min;
    this.#lastSentAt = this.#o.clock.now();
    const timer = this.#o.clock.setTimeout(() => {
      this.#pending = null;
      this.#verdict('unsupported', 'no reply');
    }, this.#o.replyTimeoutMs);
    timer.unref?.();
    this.#pending = { timer };
  }

  /** The service answered an urgency frame. */
  reply(status: number): void {
    if (!this.#pending) return;
    this.#o.clock.clearTimeout(this.#pending.timer);
    this.#pending = null;
    this.#verdict(status === 200 ? 'supported' : 'unsupported', `status ${status}`);
  }

  /** The connection closed. */
  disconnected(): void {
    const soon = this.#o.clock.now() - this.#lastSentAt <= this.#o.closeGraceMs;
    if (this.#pending) this.#o.clock.clearTimeout(this.#pending.timer);
    const wasPending = this.#pending !== null;
    this.#pending = null;
    this.#connected = false;
    this.#asked = null;
    if (wasPending || (soon && this.support !== 'supported')) {
      this.#closedByProbe = true;
      this.#verdict('unsupported', 'closed after the urgency frame');
    }
  }

  close(): void {
    if (this.#pending) this.#o.clock.clearTimeout(this.#pending.timer);
    this.#pending = null;
    this.#connected = false;
  }

  #verdict(v: 'supported' | 'unsupported', why: string): void {
    if (v === 'unsupported') this.#asked = null;
    if (this.support === v) return;
    const all = this.#o.store.get(STORE_KEY);
    this.#o.store.set(STORE_KEY, { ...(typeof all === 'object' && all !== null ? all : {}), [this.#o.serviceUrl]: v });
    this.#o.logger.info(
      v === 'supported'
        ? 'push service supports the urgency message'
        : 'push service does not support the urgency message; not sending it again',
      { why },
    );
  }
}
