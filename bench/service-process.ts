// The local push service in its own process, with options, for benchmarks whose client must not share the
// service's event loop (a real service runs on another machine). Run as a script it is the child: it starts the
// service with the JSON options in argv[2], prints the ws:// URL, and answers each "stats" line on stdin with the
// service's stats as one JSON line.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { PushServiceOptions, PushServiceStats } from '../tools/push-service/index.ts';

export interface ServiceProcess {
  wsUrl: string;
  httpUrl: string;
  pid: number;
  stats(): Promise<PushServiceStats>;
  stop(): Promise<void>;
}

export async function startServiceProcess(options: PushServiceOptions = {}): Promise<ServiceProcess> {
  const child: ChildProcess = spawn(process.execPath, [fileURLToPath(import.meta.url), JSON.stringify(options)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const waiting: Array<(line: string) => void> = [];
  lines.on('line', (line) => waiting.shift()?.(line));
  const nextLine = () =>
    new Promise<string>((resolve, reject) => {
      waiting.push(resolve);
      child.once('exit', (code) => reject(new Error(`push service process exited with ${code}`)));
    });
  const wsUrl = await nextLine();
  if (!/^ws:\/\//.test(wsUrl)) throw new Error(`unexpected push service output: ${wsUrl}`);
  return {
    wsUrl,
    httpUrl: wsUrl.replace(/^ws:/, 'http:').replace(/\/$/, ''),
    pid: child.pid!,
    async stats() {
      const reply = nextLine();
      child.stdin!.write('stats\n');
      return JSON.parse(await reply) as PushServiceStats;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { startPushService } = await import('../tools/push-service/index.ts');
  const service = await startPushService(JSON.parse(process.argv[2] ?? '{}') as PushServiceOptions);
  process.stdout.write(`${service.wsUrl}\n`);
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line.trim() === 'stats') process.stdout.write(`${JSON.stringify(service.stats())}\n`);
  });
  process.on('SIGTERM', () => void service.close().then(() => process.exit(0)));
}
