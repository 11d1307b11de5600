// Stores (src/engine/ports.ts) for tests: one in memory for pure policy tests, which round-trips values through JSON
// like the real ones, and a wrapper that records what is written to a real one.
import type { Store } from '../../src/engine/ports.ts';

export class MemoryStore implements Store {
  data = new Map<string, string>();
  writes = 0;
  get(key: string): unknown {
    const v = this.data.get(key);
    return v === undefined ? undefined : JSON.parse(v);
  }
  set(key: string, value: unknown): void {
    this.writes++;
    this.data.set(key, JSON.stringify(value));
  }
  delete(key: string): void {
    this.data.delete(key);
  }
}

/**
 * `inner` as it is, with a record of what was written to it: a set as its key, a delete as `delete <key>`. For tests
 * that count the real store's writes (each rewrites the whole state document).
 */
export function recordingStore(inner: Store): { store: Store; writes: string[] } {
  const writes: string[] = [];
  const store: Store = {
    get: (k) => inner.get(k),
    set: (k, v) => {
      writes.push(k);
      inner.set(k, v);
    },
    delete: (k) => {
      writes.push(`delete ${k}`);
      inner.delete(k);
    },
  };
  return { store, writes };
}
