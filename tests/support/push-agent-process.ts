// The real `push-agent` command as a child process, for the fault suite: one-shot commands and `listen`.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

export const CLI = new URL('../../src/cli/push-agent.ts', import.meta.url).pathname;

/** Runs a command to completion. Async: the push service lives in this process and must keep answering. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, ...args], { timeout: 30_000, env });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    p.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface Listener {
  proc: ChildProcessWithoutNullStreams;
  /** stdout lines: parsed JSON with `--json`, else `{ text }`. */
  lines: Array<Record<string, unknown>>;
  stderr: () => string;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** `push-agent listen` (with `--json` unless `json` is false); `extra` are more arguments (e.g. `--verbose`). */
export function listen(dataDir: string, service: string, opts: { json?: boolean; extra?: string[]; env?: NodeJS.ProcessEnv } = {}): Listener {
  const json = opts.json ?? true;
  const args = [CLI, 'listen', ...(json ? ['--json'] : []), '--data-dir', dataDir, '--service', service, ...(opts.extra ?? [])];
  const proc = spawn(process.execPath, args, { env: opts.env ?? process.env });
  const lines: Array<Record<string, unknown>> = [];
  let buf = '';
  let err = '';
  proc.stdout.on('data', (chunk: Buffer) => {
    buf += chunk.toString('utf8');
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      lines.push(json ? (JSON.parse(line) as Record<string, unknown>) : { text: line });
    }
  });
  proc.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return {
    proc,
    lines,
    stderr: () => err,
    exited,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      await exited;
    },
  };
}
