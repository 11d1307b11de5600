// A Store (src/engine/ports.ts) in memory, for pure policy tests; it round-trips values through JSON like the real
// ones.
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
