// The real `push-agent` command as a child process, for the fault suite: one-shot commands and `listen`
// (tests/support/cli.ts runs them).
import { runCli as run, spawnCli, type Listener } from './cli.ts';

export { CLI, type Listener } from './cli.ts';

/** Runs a command to completion. Async: the push service lives in this process and must keep answering. */
export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return run(args, { env });
}

/** `push-agent listen` (with `--json` unless `json` is false); `extra` are more arguments (e.g. `--verbose`). */
export function listen(
  dataDir: string,
  service: string,
  opts: { json?: boolean; extra?: string[]; env?: NodeJS.ProcessEnv } = {},
): Listener {
  const json = opts.json ?? true;
  return spawnCli(
    ['listen', ...(json ? ['--json'] : []), '--data-dir', dataDir, '--service', service, ...(opts.extra ?? [])],
    { json, ...(opts.env ? { env: opts.env } : {}) },
  );
}
