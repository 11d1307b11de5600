// The soak: a bounded run of everything going wrong at once, on loopback (issue "Reliability ... suite").
// SOAK_SECONDS long (60 in npm test; `npm run soak` runs 600). A real `push-agent listen --json` process behind a
// fault-injecting TCP proxy receives mixed encodings and sizes from web-push while the proxy cuts at random
// points, the push service restarts twice, the service forgets the agent (a UAID reset, cut mid-way) once, the agent is
// killed with SIGKILL three times, and its data dir (a small tmpfs) fills up for a few seconds. Then: every accepted
// message shown, none lost; duplicates counted and reported. A kill -9 between showing a message and writing its
// done marker shows it once more at the next start (docs/architecture.md, "Delivery guarantees"), so at most one
// duplicate per kill is allowed; any other duplicate fails. RSS slope reported. Where a tmpfs cannot be mounted
// (not root), the disk-full phase prints SKIPPED with the reason and the rest runs on an ordinary directory.
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { startPushService, type PushService } from '../../tools/push-service/index.ts';
import { send, tempDir, waitFor } from '../support/engine-harness.ts';
import { startFaultProxy } from '../support/fault-proxy.ts';
import { fillDisk, mountTmpfs } from '../support/tmpfs.ts';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const CLI = new URL('../../src/cli/push-agent.ts', import.meta.url).pathname;

interface Sub {
  id: string;
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

function runCli(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [CLI, ...args]);
    let out = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`push-agent ${args[0]} exited ${code}`))));
  });
}

class Agent {
  proc: ChildProcessWithoutNullStreams | null = null;
  shown = new Map<string, number>();
  rss: Array<{ t: number; mib: number; pid: number }> = [];
  subs = new Map<string, Sub>();
  /** Called on each endpoint change the agent prints (the UAID reset is cut through it). */
  onSubscriptionChange: (() => void) | null = null;
  #sampler: ReturnType<typeof setInterval> | null = null;
  readonly dir: string;
  readonly url: string;
  constructor(dir: string, url: string) {
    this.dir = dir;
    this.url = url;
  }

  start(): void {
    const proc = spawn(process.execPath, [CLI, 'listen', '--json', '--data-dir', this.dir, '--service', this.url]);
    this.proc = proc;
    let buf = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = JSON.parse(buf.slice(0, i)) as {
          type: string;
          body?: string;
          subscription?: string;
          newSubscription?: Sub;
        };
        buf = buf.slice(i + 1);
        // Count by the message's id, `soak-<n>`.
        if (line.type === 'notification') {
          const id = idOf(line.body!);
          this.shown.set(id, (this.shown.get(id) ?? 0) + 1);
        }
        if (line.type === 'subscriptionchange' && line.newSubscription) {
          this.subs.set(line.subscription!, { ...line.newSubscription, id: line.subscription! });
          this.onSubscriptionChange?.();
        }
      }
    });
    this.#sampler = setInterval(() => {
      try {
        const status = fs.readFileSync(`/proc/${proc.pid}/status`, 'utf8');
        this.rss.push({
          t: performance.now() / 1000,
          mib: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024,
          pid: proc.pid!,
        });
      } catch {
        // process gone between ticks
      }
    }, 1000);
  }

  async kill9(): Promise<void> {
    const p = this.proc!;
    clearInterval(this.#sampler!);
    // The agent must still be running: one that quit by itself (it once did, while waiting to reconnect) fails here.
    assert.equal(p.exitCode, null, `push-agent listen exited by itself (code ${p.exitCode})`);
    const exited = new Promise((r) => p.on('exit', r));
    p.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    clearInterval(this.#sampler!);
    const exited = new Promise((r) => p.on('exit', r));
    p.kill('SIGTERM');
    await exited;
  }
}

function idOf(body: string): string {
  return body.split('-').slice(0, 2).join('-');
}

function missing(accepted: Set<string>, shown: Map<string, number>): string {
  const lost = [...accepted].filter((b) => !shown.has(b)).map((b) => b.split('-')[1]);
  return `${lost.length} (${lost.slice(0, 30).join(' ')})`;
}

/** Least-squares slope of RSS over time for the longest-lived agent process, in MiB per minute. */
function rssSlope(samples: Array<{ t: number; mib: number; pid: number }>): { slope: number; pid: number; n: number } {
  const byPid = new Map<number, typeof samples>();
  for (const s of samples) byPid.set(s.pid, [...(byPid.get(s.pid) ?? []), s]);
  const longest = [...byPid.values()].sort((a, b) => b.length - a.length)[0]!.slice(5); // skip start-up
  const n = longest.length;
  const mt = longest.reduce((a, s) => a + s.t, 0) / n;
  const mm = longest.reduce((a, s) => a + s.mib, 0) / n;
  const num = longest.reduce((a, s) => a + (s.t - mt) * (s.mib - mm), 0);
  const den = longest.reduce((a, s) => a + (s.t - mt) ** 2, 0) || 1;
  return { slope: (num / den) * 60, pid: longest[0]?.pid ?? 0, n };
}

test(
  `soak for ${SECONDS} s: cuts, service restarts, a UAID reset, three kill -9s and a full disk; none lost, at most one duplicate per kill`,
  { timeout: (SECONDS + 180) * 1000 },
  async (t) => {
    const work = tempDir('push-agent-soak-');
    // The agent's data dir on a tmpfs that the disk-full phase fills to the last byte.
    const mounted = mountTmpfs('64m');
    if ('refused' in mounted)
      console.log(`SKIPPED: the soak's disk-full phase: cannot mount a tmpfs (${mounted.refused})`);
    else t.after(() => mounted.unmount());
    const agentDir = 'refused' in mounted ? path.join(work, 'agent') : path.join(mounted.dir, 'agent');
    let dataFile = path.join(work, 'service-1.json');
    // The drain limit is lifted so stored backlogs survive (the limit's UAID reset is tested on its own).
    let service: PushService = await startPushService({
      dataFile,
      maxMessagesPerSession: 1_000_000,
      maxStoredPerChannel: 100_000,
    });
    const port = service.port;
    const proxy = await startFaultProxy({ host: '127.0.0.1', port });
    // A cut every few hundred messages: frequent enough to hit every state, rare enough that the reconnect
    // backoff (1 s doubling, reset after a stable minute) does not dominate the run.
    proxy.cutRandomly({ minBytes: 200_000, maxBytes: 2_000_000 });
    const agent = new Agent(agentDir, proxy.url);
    let sending = true;
    for (let i = 0; i < 3; i++) {
      const sub = JSON.parse(
        await runCli(['subscribe', '--label', `soak ${i}`, '--data-dir', agent.dir, '--service', proxy.url]),
      ) as Sub;
      agent.subs.set(sub.id, sub);
    }
    agent.start();
    // On failure, leave nothing running behind (the agent process, the service, the proxy).
    t.after(async () => {
      sending = false;
      await agent.stop().catch(() => {});
      await proxy.close().catch(() => {});
      await service.close().catch(() => {});
    });

    const accepted = new Set<string>();
    // A message can be delivered while its 201 is lost to a restart: shown-but-not-accepted is fine if it was sent.
    const attempted = new Set<string>();
    let n = 0;
    let paused = false;
    /** True once the sender has seen `paused` with no send in flight (a send finishing late would race the reset). */
    let idle = false;
    const sender = (async () => {
      while (sending) {
        if (paused) {
          idle = true;
          await new Promise((r) => setTimeout(r, 20));
          continue;
        }
        idle = false;
        const subs = [...agent.subs.values()];
        const sub = subs[n % subs.length]!;
        const body = `soak-${n++}-${'p'.repeat(Math.floor(Math.random() * 2900))}`;
        const encoding = n % 3 === 0 ? 'aesgcm' : 'aes128gcm';
        attempted.add(idOf(body));
        try {
          if ((await send(sub, body, { encoding, ttl: 3600 })) === 201) accepted.add(idOf(body));
        } catch {
          // refused while the service restarts, or 404/410 for an endpoint the reset killed: not accepted, not counted
        }
        await new Promise((r) => setTimeout(r, 15));
      }
    })();

    const at = (fraction: number) => new Promise((r) => setTimeout(r, SECONDS * 1000 * fraction));
    const t0 = Date.now();
    const until = (fraction: number) => at(Math.max(0, fraction - (Date.now() - t0) / (SECONDS * 1000)));
    const events: string[] = [];
    const progress = (what: string) =>
      process.stderr.write(
        `soak +${((Date.now() - t0) / 1000).toFixed(1)} s: ${what} (accepted ${accepted.size}, shown ${agent.shown.size})\n`,
      );
    const note = (what: string) => {
      events.push(`${what} at #${n}`);
      progress(what);
    };

    await until(0.15);
    await agent.kill9();
    agent.start();
    note('kill -9 #1');
    await until(0.25);
    await service.restart();
    note('service restart #1');
    await until(0.4);
    await agent.kill9();
    agent.start();
    note('kill -9 #2');
    await until(0.5);
    // UAID reset: quiesce, let everything accepted arrive, then replace the service by one that knows nobody.
    paused = true;
    progress('quiescing for the UAID reset');
    await waitFor('the sender to go idle', () => idle, 30_000, 5);
    await waitFor(
      'backlog shown before the reset',
      () => [...accepted].every((b) => agent.shown.has(b)),
      60_000,
      50,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; missing: ${missing(accepted, agent.shown)}`);
    });
    const before = new Map([...agent.subs].map(([id, s]) => [id, s.endpoint]));
    await service.close();
    dataFile = path.join(work, 'service-2.json');
    service = await startPushService({
      port,
      dataFile,
      maxMessagesPerSession: 1_000_000,
      maxStoredPerChannel: 100_000,
    });
    // The reset is interrupted: the connection is cut right after the first subscription got its new endpoint.
    let resetCut = false;
    agent.onSubscriptionChange = () => {
      if (resetCut) return;
      resetCut = true;
      proxy.cutAll();
    };
    proxy.cutAll();
    progress('service replaced; waiting for re-subscription');
    await waitFor(
      'agent re-subscribed after the UAID reset',
      () => [...agent.subs].every(([id, s]) => s.endpoint !== before.get(id)),
      60_000,
      50,
    );
    agent.onSubscriptionChange = null;
    assert.ok(resetCut, 'the UAID reset was cut mid-way');
    note('UAID reset, cut after the first re-registration');
    paused = false;
    await until(0.6);
    await service.restart();
    note('service restart #2');
    await until(0.75);
    await agent.kill9();
    agent.start();
    note('kill -9 #3');
    if (!('refused' in mounted)) {
      await until(0.85);
      // Messages keep coming while nothing can be journaled: they must be left with the service and fetched again.
      const filler = fillDisk(mounted.dir);
      note('disk full');
      await new Promise((r) => setTimeout(r, Math.max(3_000, SECONDS * 50)));
      fs.rmSync(filler);
      note('disk space back');
    }
    await until(1);
    sending = false;
    await sender;
    proxy.cutRandomly(null);
    progress('sending stopped; waiting for the rest');
    await waitFor(
      'every accepted message shown',
      () => [...accepted].every((b) => agent.shown.has(b)),
      90_000,
      100,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; missing: ${missing(accepted, agent.shown)}; events: ${events.join(', ')}`);
    });
    await new Promise((r) => setTimeout(r, 500)); // a duplicate would arrive right behind
    const slope = rssSlope(agent.rss);
    await agent.stop();
    await proxy.close();
    await service.close();

    const twice = [...agent.shown].filter(([, c]) => c > 1);
    const duplicates = twice.reduce((sum, [, c]) => sum + c - 1, 0);
    const kills = events.filter((e) => e.startsWith('kill -9')).length;
    const unexpected = [...agent.shown.keys()].filter((b) => !attempted.has(b)).length;
    console.log(
      `soak: ${SECONDS} s, ${accepted.size} messages accepted and shown, 0 lost, ${duplicates} duplicate(s) over ${kills} kill -9s` +
        `${twice.length ? ` (${twice.map(([b, c]) => `${b} x${c}`).join(', ')})` : ''}, ${proxy.cuts()} proxy cuts, events: ${events.join(', ')}; ` +
        `agent RSS slope ${slope.slope.toFixed(2)} MiB/min over ${slope.n} samples (pid ${slope.pid})`,
    );
    assert.ok(duplicates <= kills, `at most one duplicate per kill -9: ${duplicates} over ${kills} kills`);
    assert.ok(
      twice.every(([, c]) => c === 2),
      'no message shown more than twice',
    );
    assert.equal(unexpected, 0, 'nothing shown that was not sent');
    assert.ok(accepted.size > SECONDS * 10, `traffic flowed (${accepted.size} accepted)`);
    assert.equal(events.length, 'refused' in mounted ? 6 : 8);
  },
);
