// The session partition of a site: shared by its site window and its worker host (docs/architecture.md "Processes"), so
// that
// cookies, IndexedDB and Cache Storage are the same for the page and its worker, and no two sites share one.
import { createHash } from 'node:crypto';

export function sitePartition(origin: string): string {
  return `persist:site-${createHash('sha256').update(origin).digest('hex').slice(0, 16)}`;
}
