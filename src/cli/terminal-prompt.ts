// The headless agent's own notification prompt: a question on the terminal, when there is one. The same for a
// one-shot `site add` and for one whose window a running `listen` hosts (it relays the question to the command).
import readline from 'node:readline/promises';

/** The user had no terminal to answer on: the request is denied and not remembered (the site may ask again). */
export class NoTerminalError extends Error {
  override name = 'NoTerminalError';
}

/** One question on the terminal at a time: two origins asking at once are asked one after the other. */
let turn: Promise<unknown> = Promise.resolve();
/** The questions asked or waiting their turn, to withdraw when the window that asked is gone. */
const open = new Set<AbortController>();

/** Asks on stderr, reads stdin; resolves false (deny) on anything but y/yes. Rejects at once when stdin is no TTY. */
export async function askOnTerminal(origin: string): Promise<boolean> {
  if (!process.stdin.isTTY) throw new NoTerminalError('no terminal to ask');
  const withdrawn = new AbortController();
  open.add(withdrawn);
  const asked = turn.then(async () => {
    withdrawn.signal.throwIfAborted();
    const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
    try {
      const answer = await rl.question(`Allow notifications from ${origin}? [y/N] `, { signal: withdrawn.signal });
      return /^(y|yes)$/i.test(answer.trim());
    } catch (err) {
      if (withdrawn.signal.aborted) process.stderr.write('(the window closed; not asked any more)\n');
      throw err;
    } finally {
      rl.close();
    }
  });
  turn = asked.catch(() => undefined);
  return asked.finally(() => open.delete(withdrawn));
}

/**
 * The window closed: the questions it asked are moot (a prompt left open would keep the command from ending). Each
 * rejects, which denies without remembering.
 */
export function withdrawQuestions(): void {
  for (const q of open) q.abort();
  open.clear();
}

/**
 * `site add`'s answer to a site's notification request: the user's, asked on the terminal. Without a terminal it
 * says so on stderr and rejects (NoTerminalError): the engine's permission store then denies without remembering.
 */
export async function notificationPrompt(origin: string): Promise<boolean> {
  if (!process.stdin.isTTY) {
    process.stderr.write(
      `push-agent: ${origin} asked to show notifications: denied (no terminal to ask; use --allow-notifications)\n`,
    );
  }
  return askOnTerminal(origin);
}
