// Notification icons: fetched from the site over https, size-capped, cached (docs/architecture.md "Notifications").
// Pure apart from the
// injected fetch (Electron's net.fetch in the app, a stub in tests). A bad, slow or huge icon costs at most the caps
// and yields no icon, never an error: notifications show without one, as browsers do.

export interface IconCacheOptions {
  fetch: (url: string, init: { signal: AbortSignal; redirect: 'follow' }) => Promise<Response>;
  /** Largest icon accepted, in bytes. */
  maxBytes?: number;
  /** Total bytes kept; least recently used icons go first. */
  maxTotalBytes?: number;
  maxEntries?: number;
  timeoutMs?: number;
  /** Also accept http on loopback hosts (`npm run dev`'s demo site). */
  allowLoopbackHttp?: boolean;
}

export const ICON_DEFAULTS = {
  maxBytes: 256 * 1024,
  maxTotalBytes: 8 * 1024 * 1024,
  maxEntries: 200,
  timeoutMs: 5_000,
} as const;

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

export class IconCache {
  readonly #opts: Required<IconCacheOptions>;
  /** Insertion order is recency order (re-inserted on hit). null = a failure, remembered so it is not refetched. */
  readonly #entries = new Map<string, Uint8Array | null>();
  readonly #inflight = new Map<string, Promise<Uint8Array | null>>();
  #totalBytes = 0;

  constructor(opts: IconCacheOptions) {
    this.#opts = { ...ICON_DEFAULTS, allowLoopbackHttp: false, ...opts };
  }

  get size(): number {
    return this.#entries.size;
  }

  get totalBytes(): number {
    return this.#totalBytes;
  }

  /** Whether this URL may be fetched at all. */
  allowed(value: string): boolean {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return false;
    }
    if (url.username || url.password) return false;
    return (
      url.protocol === 'https:' ||
      (this.#opts.allowLoopbackHttp && url.protocol === 'http:' && LOOPBACK.has(url.hostname))
    );
  }

  /** The icon's bytes, or null when it is not allowed, not an image, too big, too slow or unreachable. */
  get(url: string): Promise<Uint8Array | null> {
    if (!this.allowed(url)) return Promise.resolve(null);
    if (this.#entries.has(url)) {
      const hit = this.#entries.get(url)!;
      this.#entries.delete(url);
      this.#entries.set(url, hit);
      return Promise.resolve(hit);
    }
    let pending = this.#inflight.get(url);
    if (!pending) {
      pending = this.#load(url).then((bytes) => {
        this.#inflight.delete(url);
        this.#put(url, bytes);
        return bytes;
      });
      this.#inflight.set(url, pending);
    }
    return pending;
  }

  async #load(url: string): Promise<Uint8Array | null> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.#opts.timeoutMs);
    try {
      const response = await this.#opts.fetch(url, { signal: controller.signal, redirect: 'follow' });
      if (!response.ok || !this.allowed(response.url || url)) return null;
      const type = response.headers.get('content-type') ?? '';
      if (!/^image\//i.test(type) || /svg/i.test(type)) return null; // SVG is a document, not a bitmap: refused.
      const declared = Number(response.headers.get('content-length'));
      if (Number.isFinite(declared) && declared > this.#opts.maxBytes) {
        controller.abort();
        return null;
      }
      return await this.#readCapped(response, controller);
    } catch {
      return null;
    } finally {
      clearTimeout(timer);
    }
  }

  async #readCapped(response: Response, controller: AbortController): Promise<Uint8Array | null> {
    if (!response.body) return null;
    const reader = response.body.getReader();
    const chunks: Uint8Array[] = [];
    let length = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      length += value.byteLength;
      if (length > this.#opts.maxBytes) {
        controller.abort();
        await reader.cancel().catch(() => undefined);
        return null;
      }
      chunks.push(value);
    }
    const out = new Uint8Array(length);
    let offset = 0;
    for (const c of chunks) {
      out.set(c, offset);
      offset += c.byteLength;
    }
    return length > 0 ? out : null;
  }

  #put(url: string, bytes: Uint8Array | null): void {
    this.#entries.set(url, bytes);
    this.#totalBytes += bytes?.byteLength ?? 0;
    for (const [key, value] of this.#entries) {
      if (this.#entries.size <= this.#opts.maxEntries && this.#totalBytes <= this.#opts.maxTotalBytes) break;
      this.#entries.delete(key);
      this.#totalBytes -= value?.byteLength ?? 0;
    }
  }
}
