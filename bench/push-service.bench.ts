// Local push service: HTTP POST (web-push-made aes128gcm bodies with VAPID, precomputed so encryption is not timed)
// -> WebSocket delivery on loopback, with 1 and 100 connected clients that ack every message. The service runs in
// its own process (tools/push-service/cli.ts) so the sender and the clients do not share its event loop.
// Figures: messages/s with 64 requests in flight and the latency (send start -> client receives the frame) under
// that load, plus the latency of one message at a time; and the cost of an ack flood against a UAID with many
// stored messages (ten ~60 KiB frames of SimplePush integer versions): how long the service takes to get through
// them and how long a `GET /health` sent meanwhile waits.
import { spawn, type ChildProcess } from 'node:child_process';
import { createECDH, randomUUID } from 'node:crypto';
import http from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import webpush from 'web-push';
import WebSocket from 'ws';
import { percentile, summarize, type BenchContext, type Figure } from './lib.ts';

const WINDOW = 64;

interface Prepared {
  headers: Record<string, string>;
  body: Buffer;
  /** First 22 base64url chars of the body (its random salt): identifies the message on arrival. */
  tag: string;
}

export default async function pushServiceBench(ctx: BenchContext): Promise<Figure[]> {
  const loadCount = ctx.quick ? 400 : 3000;
  const seqCount = ctx.quick ? 40 : 300;
  const service = await startServiceProcess();
  const figures: Figure[] = [];
  try {
    ctx.log(
      `service at ${service.wsUrl}; ${loadCount} messages under load and ${seqCount} one at a time per run, ${ctx.runs} runs`,
    );
    const vapid = webpush.generateVAPIDKeys();
    const receiver = createECDH('prime256v1');
    receiver.generateKeys();
    const keys = {
      p256dh: receiver.getPublicKey().toString('base64url'),
      auth: Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url'),
    };
    const t0 = performance.now();
    const prepared = prepare(loadCount + seqCount, service.httpUrl, keys, vapid);
    ctx.log(
      `prepared ${prepared.length} encrypted bodies in ${((performance.now() - t0) / 1000).toFixed(1)} s (not timed)`,
    );

    for (const clientCount of [1, 100]) {
      const clients = await connectClients(service.wsUrl, clientCount);
      const agent = new http.Agent({ keepAlive: true, maxSockets: WINDOW });
      const rates: number[] = [];
      const loadP50: number[] = [];
      const loadP99: number[] = [];
      const seqP50: number[] = [];
      const seqP99: number[] = [];
      try {
        // Warm-up: JIT, sockets, the service's key cache.
        await runLoad(clients, prepared.slice(0, Math.min(200, loadCount)), agent, WINDOW);
        for (let run = 0; run < ctx.runs; run++) {
          const load = await runLoad(clients, prepared.slice(0, loadCount), agent, WINDOW);
          rates.push(load.rate);
          loadP50.push(percentile(load.latencies, 50));
          loadP99.push(percentile(load.latencies, 99));
          const seq = await runLoad(clients, prepared.slice(loadCount), agent, 1);
          seqP50.push(percentile(seq.latencies, 50));
          seqP99.push(percentile(seq.latencies, 99));
          ctx.log(
            `${clientCount} client(s) run ${run + 1}: ${load.rate.toFixed(0)} msg/s, under load p50 ${loadP50.at(-1)!.toFixed(2)} / p99 ${loadP99.at(-1)!.toFixed(2)} ms, one at a time p50 ${seqP50.at(-1)!.toFixed(2)} / p99 ${seqP99.at(-1)!.toFixed(2)} ms`,
          );
        }
      } finally {
        agent.destroy();
        for (const c of clients) c.ws.terminate();
      }
      const id = `push-service.loopback.${clientCount}-client${clientCount === 1 ? '' : 's'}`;
      const who = `${clientCount} connected client${clientCount === 1 ? '' : 's'}`;
      const note = `aes128gcm bodies from web-push (precomputed) with VAPID on v1 endpoints, TTL 60; ${WINDOW} POSTs in flight; clients ack every message; service in its own process.`;
      figures.push(
        {
          id: `${id}.throughput`,
          title: `Push service: HTTP POST -> WebSocket delivery, ${who}`,
          unit: 'msg/s',
          ...summarize(rates),
          notes: note,
        },
        {
          id: `${id}.latency-under-load.p50`,
          title: `Push service: send -> delivery latency p50 under load, ${who}`,
          unit: 'ms',
          ...summarize(loadP50),
        },
        {
          id: `${id}.latency-under-load.p99`,
          title: `Push service: send -> delivery latency p99 under load, ${who}`,
          unit: 'ms',
          ...summarize(loadP99),
        },
        {
          id: `${id}.latency-single.p50`,
          title: `Push service: send -> delivery latency p50, one message at a time, ${who}`,
          unit: 'ms',
          ...summarize(seqP50),
        },
        {
          id: `${id}.latency-single.p99`,
          title: `Push service: send -> delivery latency p99, one message at a time, ${who}`,
          unit: 'ms',
          ...summarize(seqP99),
        },
      );
    }
    figures.push(...(await ackFlood(ctx, service.wsUrl, service.httpUrl)));
  } finally {
    await service.stop();
  }
  return figures;
}

/** One UAID with `stored` stored messages gets ten ack frames of 800 integer versions each while /health is asked. */
export async function ackFlood(ctx: BenchContext, wsUrl: string, httpUrl: string): Promise<Figure[]> {
  const stored = ctx.quick ? 500 : 4000;
  const processing: number[] = [];
  const health: number[] = [];
  for (let run = 0; run < ctx.runs; run++) {
    const first = await rawClient(wsUrl);
    first.send({ messageType: 'hello', use_webpush: true });
    const uaid = (await first.next()).uaid as string;
    // Spread over channels: one subscription holds at most 1000 undelivered messages.
    const channelID = randomUUID();
    const endpointPaths: string[] = [];
    for (const id of [channelID, ...Array.from({ length: Math.ceil(stored / 1000) }, () => randomUUID())]) {
      first.send({ messageType: 'register', channelID: id });
      endpointPaths.push(new URL((await first.next()).pushEndpoint as string).pathname);
    }
    first.ws.close();
    let sent = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (sent < stored) {
          const endpointPath = endpointPaths[sent++ % endpointPaths.length]!;
          const res = await fetch(`${httpUrl}${endpointPath}`, { method: 'POST', headers: { TTL: '600' } });
          await res.arrayBuffer();
          if (res.status !== 201) throw new Error(`storing: POST answered ${res.status}`);
        }
      }),
    );

    const c = await rawClient(wsUrl);
    c.send({ messageType: 'hello', use_webpush: true, uaid });
    await c.next(); // hello; the first batch of stored messages follows and is left unacked (the drain stops there)
    const start = performance.now();
    for (let f = 0; f < 10; f++) {
      c.send({
        messageType: 'ack',
        updates: Array.from({ length: 800 }, (_, i) => ({ channelID, version: f * 800 + i, code: 100 })),
      });
    }
    const healthStart = performance.now();
    const healthDone = fetch(`${httpUrl}/health`).then(async (r) => {
      await r.text();
      return performance.now() - healthStart;
    });
    c.send({ messageType: 'register', channelID: randomUUID() });
    while ((await c.next()).messageType !== 'register');
    processing.push(performance.now() - start);
    health.push(await healthDone);
    c.ws.terminate();
    ctx.log(
      `ack flood with ${stored} stored, run ${run + 1}: frames handled in ${processing.at(-1)!.toFixed(1)} ms, /health meanwhile ${health.at(-1)!.toFixed(1)} ms`,
    );
  }
  const note = `${stored} stored messages for the UAID; 10 ack frames x 800 integer versions (~60 KiB each), none matching.`;
  return [
    {
      id: 'push-service.ack-flood.processing',
      title: 'Push service: ten 60 KiB ack frames against a UAID with many stored messages',
      unit: 'ms',
      ...summarize(processing),
      notes: note,
    },
    {
      id: 'push-service.ack-flood.health-latency',
      title: 'Push service: GET /health answered during that ack flood',
      unit: 'ms',
      ...summarize(health),
    },
  ];
}

/** A bare protocol client: frames in order, for the ack-flood figure. */
async function rawClient(
  wsUrl: string,
): Promise<{ ws: WebSocket; send: (m: unknown) => void; next: () => Promise<Record<string, unknown>> }> {
  const ws = new WebSocket(wsUrl);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const queue: Record<string, unknown>[] = [];
  const waiters: Array<(m: Record<string, unknown>) => void> = [];
  ws.on('message', (data) => {
    const msg = JSON.parse(data.toString()) as Record<string, unknown>;
    const w = waiters.shift();
    if (w) w(msg);
    else queue.push(msg);
  });
  return {
    ws,
    send: (m) => ws.send(JSON.stringify(m)),
    next: () =>
      withTimeout(
        queue.length ? Promise.resolve(queue.shift()!) : new Promise((r) => waiters.push(r)),
        30_000,
        'no frame from the service',
      ),
  };
}

function prepare(
  count: number,
  origin: string,
  keys: { p256dh: string; auth: string },
  vapid: { publicKey: string; privateKey: string },
): Prepared[] {
  const subscription = { endpoint: `${origin}/wpush/v1/x`, keys };
  const out: Prepared[] = [];
  for (let i = 0; i < count; i++) {
    const d = webpush.generateRequestDetails(subscription, `benchmark message ${i} ${'x'.repeat(100)}`, {
      TTL: 60,
      contentEncoding: 'aes128gcm',
      vapidDetails: { subject: 'mailto:bench@example.com', ...vapid },
    });
    const body = d.body as Buffer;
    out.push({ headers: d.headers as Record<string, string>, body, tag: body.toString('base64url').slice(0, 22) });
  }
  return out;
}

interface BenchClient {
  ws: WebSocket;
  endpointPath: string;
}

/** Pending sends by body tag, and what the clients saw. */
const pending = new Map<string, { sentAt: number; resolve: (latency: number) => void }>();

async function connectClients(wsUrl: string, count: number): Promise<BenchClient[]> {
  const clients: BenchClient[] = [];
  for (let i = 0; i < count; i++) {
    const ws = new WebSocket(wsUrl);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const replies: Array<(m: Record<string, unknown>) => void> = [];
    ws.on('message', (data) => {
      const at = performance.now();
      const msg = JSON.parse(data.toString()) as Record<string, unknown>;
      if (msg.messageType === 'notification') {
        ws.send(
          JSON.stringify({
            messageType: 'ack',
            updates: [{ channelID: msg.channelID, version: msg.version, code: 100 }],
          }),
        );
        const tag = (msg.data as string).slice(0, 22);
        const p = pending.get(tag);
        if (p) {
          pending.delete(tag);
          p.resolve(at - p.sentAt);
        }
      } else {
        replies.shift()?.(msg);
      }
    });
    const next = () => new Promise<Record<string, unknown>>((r) => replies.push(r));
    ws.send(JSON.stringify({ messageType: 'hello', use_webpush: true }));
    await next();
    ws.send(JSON.stringify({ messageType: 'register', channelID: randomUUID() }));
    const reg = await next();
    if (reg.status !== 200) throw new Error(`register failed: ${JSON.stringify(reg)}`);
    clients.push({ ws, endpointPath: new URL(reg.pushEndpoint as string).pathname });
  }
  return clients;
}

/** Sends every prepared message (round-robin over the clients) with `window` in flight; waits for every delivery. */
async function runLoad(
  clients: BenchClient[],
  messages: Prepared[],
  agent: http.Agent,
  window: number,
): Promise<{ rate: number; latencies: number[] }> {
  const latencies: number[] = [];
  const deliveries: Promise<void>[] = [];
  let next = 0;
  const start = performance.now();
  const worker = async (): Promise<void> => {
    while (next < messages.length) {
      const i = next++;
      const m = messages[i]!;
      const client = clients[i % clients.length]!;
      const sentAt = performance.now();
      const delivered = new Promise<void>((resolve) => {
        pending.set(m.tag, {
          sentAt,
          resolve: (latency) => {
            latencies.push(latency);
            resolve();
          },
        });
      });
      deliveries.push(delivered);
      const status = await post(agent, client.endpointPath, m);
      if (status !== 201) throw new Error(`POST answered ${status}`);
      if (window === 1) await delivered;
    }
  };
  await Promise.all(Array.from({ length: window }, worker));
  await withTimeout(Promise.all(deliveries), 30_000, 'not every message was delivered');
  const seconds = (performance.now() - start) / 1000;
  return { rate: messages.length / seconds, latencies };
}

let serviceOrigin = '';
function post(agent: http.Agent, path: string, m: Prepared): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${serviceOrigin}${path}`, { method: 'POST', agent, headers: m.headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(m.body);
  });
}

async function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function startServiceProcess(): Promise<{ wsUrl: string; httpUrl: string; stop: () => Promise<void> }> {
  const cli = fileURLToPath(new URL('../tools/push-service/cli.ts', import.meta.url));
  const child: ChildProcess = spawn(process.execPath, [cli, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`push service exited with ${code}`)));
  });
  const wsUrl = /ws:\/\/[^\s]+\//.exec(line)?.[0];
  if (!wsUrl) throw new Error(`unexpected push service output: ${line}`);
  const httpUrl = wsUrl.replace(/^ws:/, 'http:').replace(/\/$/, '');
  serviceOrigin = httpUrl;
  return {
    wsUrl,
    httpUrl,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
