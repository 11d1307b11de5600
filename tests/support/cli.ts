// The `push-agent` command as a user runs it: a real process, its output and exit code.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

export const CLI = new URL('../../src/cli/push-agent.ts', import.meta.url).pathname;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs to completion. Async: a push service living in the test's process must keep answering meanwhile. `bin` runs
 * that executable (e.g. the Linux package's /usr/bin/push-agent) instead of the source.
 */
export function runCli(
  args: string[],
  opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; bin?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    const [file, argv] = opts.bin ? [opts.bin, args] : [process.execPath, [CLI, ...args]];
    const p = spawn(file, argv, {
      timeout: opts.timeoutMs ?? 30_000,
      env: opts.env ?? process.env,
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    p.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
    p.stdin.end(opts.input ?? '');
  });
}

export interface Listener {
  proc: ChildProcessWithoutNullStreams;
  /** stdout lines: parsed JSON with `json` (the default), else `{ text }`. */
  lines: Array<Record<string, unknown>>;
  stderr: () => string;
  exited: Promise<number | null>;
  /** SIGTERM, then its exit code (at once when it already ended). */
  stop(): Promise<number | null>;
}

/** `push-agent <args>` as a long-running process, its stdout read line by line. */
export function spawnCli(args: string[], opts: { json?: boolean; env?: NodeJS.ProcessEnv } = {}): Listener {
  const json = opts.json ?? true;
  const proc = spawn(process.execPath, [CLI, ...args], { env: opts.env ?? process.env });
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
    stop: () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      return exited;
    },
  };
}

/** `push-agent listen --json` with its stdout parsed line by line. */
export function listenCli(args: string[]): Listener {
  return spawnCli(['listen', '--json', ...args]);
}

/**
 * Runs the command on a pseudo-terminal (util-linux `script`): its stdin is a TTY, as a user's is. Answers `answer`
 * to the agent's `[y/N]` question when it shows (null: leaves it unanswered). `output` is what the terminal showed
 * (stdout and stderr together,
 * lines ending in \r\n); `code` the command's exit code.
 */
export function runCliOnTerminal(
  args: string[],
  opts: { answer: string | null; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<{ code: number | null; output: string }> {
  const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, CLI, ...args].map(quote).join(' ');
  return new Promise((resolve) => {
    // SIGKILL at the time limit: script(1) outlives a SIGTERM while its command hangs; the command then gets SIGHUP.
    const p = spawn('script', ['-qefc', command, '/dev/null'], {
      timeout: opts.timeoutMs ?? 30_000,
      killSignal: 'SIGKILL',
      env: opts.env ?? process.env,
    });
    let output = '';
    let answered = false;
    const onData = (c: Buffer) => {
      output += c.toString('utf8');
      if (!answered && opts.answer !== null && output.includes('[y/N] ')) {
        answered = true;
        p.stdin.write(`${opts.answer}\r`);
      }
    };
    p.stdout.on('data', onData);
    p.stderr.on('data', onData);
    p.on('close', (code) => resolve({ code, output }));
  });
}
