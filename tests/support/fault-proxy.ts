// A TCP proxy that injects faults between the agent and the push service: cuts at random points, delays, and
// half-open connections (bytes stop flowing but neither side is told). Real sockets, real kernel.

import net from 'node:net';

export interface FaultProxy {
  url: string;
  port: number;
  /** Cut every live connection now (RST). */
  cutAll(): void;
  /** Stop forwarding on every live connection without closing it. */
  freezeAll(): void;
  /** Cut each connection after a random number of bytes from the service in [min, max]; null turns it off. */
  cutRandomly(range: { minBytes: number; maxBytes: number } | null): void;
  setDelay(ms: number): void;
  connections(): number;
  cuts(): number;
  close(): Promise<void>;
}

export async function startFaultProxy(
  target: { host: string; port: number },
  random: () => number = Math.random,
): Promise<FaultProxy> {
  const live = new Set<{ client: net.Socket; upstream: net.Socket; frozen: boolean }>();
  let cutRange: { minBytes: number; maxBytes: number } | null = null;
  let delayMs = 0;
  let cutCount = 0;

  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    const conn = { client, upstream, frozen: false };
    live.add(conn);
    let budget = cutRange
      ? Math.floor(cutRange.minBytes + random() * (cutRange.maxBytes - cutRange.minBytes))
      : Infinity;
    const forward = (from: net.Socket, to: net.Socket, fromService: boolean) => {
      from.on('data', (chunk: Buffer) => {
        if (conn.frozen) return;
        if (fromService && budget !== Infinity) {
          if (chunk.length >= budget) {
            // Forward a prefix, then cut mid-stream: the classic torn frame.
            const head = chunk.subarray(0, budget);
            budget = 0;
            to.write(head, () => destroy());
            return;
          }
          budget -= chunk.length;
        }
        if (delayMs > 0) setTimeout(() => !to.destroyed && to.write(chunk), delayMs);
        else to.write(chunk);
      });
    };
    const destroy = () => {
      if (!live.has(conn)) return;
      live.delete(conn);
      cutCount++;
      client.resetAndDestroy();
      upstream.resetAndDestroy();
    };
    forward(client, upstream, false);
    forward(upstream, client, true);
    const end = () => {
      live.delete(conn);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
    (conn as { destroy?: () => void }).destroy = destroy;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}/`,
    port,
    cutAll() {
      for (const c of [...live]) (c as { destroy?: () => void }).destroy?.();
    },
    freezeAll() {
      for (const c of live) c.frozen = true;
    },
    cutRandomly(range) {
      cutRange = range;
    },
    setDelay(ms) {
      delayMs = ms;
    },
    connections: () => live.size,
    cuts: () => cutCount,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of live) {
          c.client.destroy();
          c.upstream.destroy();
        }
        server.close(() => resolve());
      }),
  };
}
