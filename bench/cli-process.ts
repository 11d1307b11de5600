// `push-agent` as users run it (the bundle from npm run build; the .ts source when there is none), watched from
// outside: time to "connected", RSS and CPU from /proc, and the V8 heap through a one-line probe loaded with
// --import that prints process.memoryUsage() on SIGUSR2 (a data: URL, so no TypeScript loader is pulled in).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';

const bundle = path.join(import.meta.dirname, '../dist/cli/push-agent.js');
export const cliPath = fs.existsSync(bundle) ? bundle : path.join(import.meta.dirname, '../src/cli/push-agent.ts');

/**
 * The node flags of the command's `#!/usr/bin/env -S node <flags>` line: the bench runs it as the installed bin does.
 */
export const cliNodeFlags = (
  /^#!\/usr\/bin\/env -S node (.*)/.exec(fs.readFileSync(cliPath, 'utf8').split('\n', 1)[0]!)?.[1] ?? ''
)
  .split(' ')
  .filter(Boolean);

const MEM_TAG = 'PUSH_AGENT_BENCH_MEM ';
const probe = `process.on('SIGUSR2', () => process.stderr.write(${JSON.stringify(MEM_TAG)} + JSON.stringify(process.memoryUsage()) + '\\n'));`;
const probeUrl = `data:text/javascript,${encodeURIComponent(probe)}`;

export interface ListenProcess {
  proc: ChildProcess;
  /** Spawn -> the "connected" status line, in ms. */
  startupMs: number;
  /** Every JSON line printed so far. */
  lines: Array<Record<string, unknown>>;
  stat(): { rssMiB: number; cpuS: number };
  heap(): Promise<{ heapUsedMiB: number; heapTotalMiB: number; externalMiB: number }>;
  stop(): Promise<void>;
}

/** Starts `push-agent listen --json` and resolves once it reports connected. */
export async function startListen(dataDir: string, serviceUrl: string, timeoutMs = 120_000): Promise<ListenProcess> {
  const t0 = performance.now();
  const proc = spawn(
    process.execPath,
    [
      ...cliNodeFlags,
      '--import',
      probeUrl,
      cliPath,
      'listen',
      '--json',
      '--data-dir',
      dataDir,
      '--service',
      serviceUrl,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines: Array<Record<string, unknown>> = [];
  const heapWaiters: Array<(m: NodeJS.MemoryUsage) => void> = [];
  createInterface({ input: proc.stderr! }).on('line', (line) => {
    if (line.startsWith(MEM_TAG)) heapWaiters.shift()?.(JSON.parse(line.slice(MEM_TAG.length)) as NodeJS.MemoryUsage);
    else process.stderr.write(`push-agent: ${line}\n`);
  });
  let connectedAt = 0;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`push-agent listen not connected within ${timeoutMs} ms`)),
      timeoutMs,
    );
    proc.once('exit', (code) => reject(new Error(`push-agent listen exited with ${code}`)));
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      lines.push(msg);
      if (!connectedAt && msg.type === 'status' && msg.state === 'connected') {
        connectedAt = performance.now();
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const MiB = 2 ** 20;
  return {
    proc,
    startupMs: connectedAt - t0,
    lines,
    stat: () => procStat(proc.pid!),
    heap: async () => {
      const m = await new Promise<NodeJS.MemoryUsage>((resolve) => {
        heapWaiters.push(resolve);
        proc.kill('SIGUSR2');
      });
      return {
        heapUsedMiB: m.heapUsed / MiB,
        heapTotalMiB: m.heapTotal / MiB,
        externalMiB: (m.external + m.arrayBuffers) / MiB,
      };
    },
    stop: () => stopChild(proc),
  };
}

/** SIGTERM to a child still running, resolved once it has exited. */
export async function stopChild(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  await exited;
}

/** Runs a one-shot command (e.g. `list --json`) and returns its wall time in ms and its output. */
export async function runCli(args: string[]): Promise<{ ms: number; stdout: string; code: number | null }> {
  const t0 = performance.now();
  const proc = spawn(process.execPath, [...cliNodeFlags, cliPath, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const chunks: Buffer[] = [];
  proc.stdout.on('data', (c: Buffer) => chunks.push(c));
  const code = await new Promise<number | null>((resolve) => proc.once('exit', resolve));
  return { ms: performance.now() - t0, stdout: Buffer.concat(chunks).toString(), code };
}

export function procStat(pid: number): { rssMiB: number; cpuS: number } {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = 100; // USER_HZ on Linux
  const cpuS = (Number(fields[11]) + Number(fields[12])) / ticks;
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { rssMiB: rssKiB / 1024, cpuS };
}
