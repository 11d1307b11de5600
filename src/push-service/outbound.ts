// Outgoing frames of one client socket. Frames normally go straight out; with a test-injected frame delay they
// wait in a FIFO (close included, so order is kept). Bytes waiting here plus bytes buffered in the socket are the
// connection's queue; past the cap the slow reader is reported so the session can drop it instead of growing
// without bound.
import WebSocket from 'ws';

type Item = { due: number; text: string } | { due: number; close: { code: number; reason: string } };

export class Outbound {
  #ws: WebSocket;
  #delayMs: () => number;
  #maxQueuedBytes: number;
  #closeTimeoutMs: number;
  #onOverflow: () => void;
  #queue: Item[] = [];
  #queuedBytes = 0;
  #timer: NodeJS.Timeout | undefined;
  #killTimer: NodeJS.Timeout | undefined;
  #closing = false;

  constructor(
    ws: WebSocket,
    opts: { delayMs: () => number; maxQueuedBytes: number; closeTimeoutMs: number; onOverflow: () => void },
  ) {
    this.#ws = ws;
    this.#delayMs = opts.delayMs;
    this.#maxQueuedBytes = opts.maxQueuedBytes;
    this.#closeTimeoutMs = opts.closeTimeoutMs;
    this.#onOverflow = opts.onOverflow;
  }

  get closing(): boolean {
    return this.#closing;
  }

  /** Bytes not yet handed to the kernel. */
  get queuedBytes(): number {
    return this.#queuedBytes + this.#ws.bufferedAmount;
  }

  send(text: string): void {
    if (this.#closing) return;
    const delay = this.#delayMs();
    if (delay <= 0 && this.#queue.length === 0) {
      this.#write(text);
    } else {
      this.#queue.push({ due: this.#due(delay), text });
      this.#queuedBytes += text.length;
      this.#arm();
    }
    if (this.queuedBytes > this.#maxQueuedBytes) this.#onOverflow();
  }

  /** Closes after the frames already queued. */
  close(code: number, reason: string): void {
    if (this.#closing) return;
    this.#closing = true;
    const delay = this.#delayMs();
    if (delay <= 0 && this.#queue.length === 0) this.#closeNow(code, reason);
    else {
      this.#queue.push({ due: this.#due(delay), close: { code, reason } });
      this.#arm();
    }
  }

  /** Closes now, dropping whatever is queued (slow readers, fault injection). */
  abort(code?: number, reason = ''): void {
    this.#closing = true;
    this.#queue = [];
    this.#queuedBytes = 0;
    if (this.#timer) clearTimeout(this.#timer);
    if (code === undefined) this.#ws.terminate();
    else this.#closeNow(code, reason);
  }

  dispose(): void {
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#killTimer) clearTimeout(this.#killTimer);
    this.#queue = [];
    this.#queuedBytes = 0;
    this.#closing = true;
  }

  #due(delay: number): number {
    const last = this.#queue.at(-1);
    return Math.max(performance.now() + Math.max(0, delay), last ? last.due : 0);
  }

  #arm(): void {
    if (this.#timer) return;
    const head = this.#queue[0];
    if (!head) return;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#pump();
      },
      Math.max(0, head.due - performance.now()),
    );
  }

  #pump(): void {
    const now = performance.now();
    while (this.#queue.length && this.#queue[0]!.due <= now + 1) {
      const item = this.#queue.shift()!;
      if ('text' in item) {
        this.#queuedBytes -= item.text.length;
        this.#write(item.text);
      } else {
        this.#closeNow(item.close.code, item.close.reason);
        this.#queue = [];
        this.#queuedBytes = 0;
        return;
      }
    }
    this.#arm();
  }

  #write(text: string): void {
    if (this.#ws.readyState !== WebSocket.OPEN) return;
    this.#ws.send(text, (err) => {
      if (err) this.#ws.terminate();
    });
  }

  #closeNow(code: number, reason: string): void {
    if (this.#ws.readyState === WebSocket.OPEN) {
      try {
        this.#ws.close(code, reason.slice(0, 120));
      } catch {
        this.#ws.terminate();
      }
    }
    // A peer that never answers the close handshake (or never reads) is cut off.
    this.#killTimer = setTimeout(() => this.#ws.terminate(), this.#closeTimeoutMs);
    this.#killTimer.unref();
  }
}
