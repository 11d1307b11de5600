// The floor under an idle `push-agent listen`: Node with the command's node flags and `ws` holding one connection to
// the same push service (hello sent and answered), nothing else loaded. What the listener holds above this is ours.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { cliNodeFlags, procStat, stopChild } from './cli-process.ts';

const root = path.join(import.meta.dirname, '..');
// An ES module, as the command's bundle is (Node's ES module loader is part of the floor), through -e: no TypeScript
// loader, no bundle; ws from the repository's node_modules, the package the bundle carries.
const script = `
import { createRequire } from 'node:module';
const WebSocket = createRequire(${JSON.stringify(path.join(root, 'package.json'))})('ws');
const ws = new WebSocket(process.argv[1]);
ws.on('open', () => ws.send(JSON.stringify({ messageType: 'hello', use_webpush: true })));
ws.on('message', (d) => { if (JSON.parse(String(d)).messageType === 'hello') process.stdout.write('connected\\n'); });
ws.on('close', () => process.exit(1));
`;

export interface FloorProcess {
  proc: ChildProcess;
  stat(): { rssMiB: number; cpuS: number };
  stop(): Promise<void>;
}

/** Starts the floor process and resolves once the service has answered its hello. */
export async function startWsFloor(serviceUrl: string, timeoutMs = 30_000): Promise<FloorProcess> {
  const proc = spawn(process.execPath, [...cliNodeFlags, '--input-type=module', '-e', script, serviceUrl], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ws floor not connected within ${timeoutMs} ms`)), timeoutMs);
    proc.once('exit', (code) => reject(new Error(`ws floor exited with ${code}`)));
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      if (line !== 'connected') return;
      clearTimeout(timer);
      resolve();
    });
  });
  return {
    proc,
    stat: () => procStat(proc.pid!),
    stop: () => stopChild(proc),
  };
}
