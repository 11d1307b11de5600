// The headless agent's own notification prompt: a question on the terminal, when there is one. The same for a
// one-shot `site add` and for one whose window a running `listen` hosts (it relays the question to the command).
import readline from 'node:readline/promises';

/** The user had no terminal to answer on: the request is denied and not remembered (the site may ask again). */
export class NoTerminalError extends Error {
  override name = 'NoTerminalError';
}

/** One question on the terminal at a time: two origins asking at once are asked one after the other. */
let turn: Promise<unknown> = Promise.resolve();

/** Asks on stderr, reads stdin; resolves false (deny) on anything but y/yes. Rejects at once when stdin is no TTY. */
export async function askOnTerminal(origin: string): Promise<boolean> {
  if (!process.stdin.isTTY) throw new NoTerminalError('no terminal to ask');
  const asked = turn.then(async () => {
    const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
    try {
      const answer = await rl.question(`Allow notifications from ${origin}? [y/N] `);
      return /^(y|yes)$/i.test(answer.trim());
    } finally {
      rl.close();
    }
  });
  turn = asked.catch(() => undefined);
  return asked;
}

/**
 * `site add`'s answer to a site's notification request: the user's, asked on the terminal. Without a terminal it
 * says so on stderr and rejects (NoTerminalError): the engine's permission store then denies without remembering.
 */
export async function notificationPrompt(origin: string): Promise<boolean> {
  if (!process.stdin.isTTY) {
    process.stderr.write(`push-agent: ${origin} asked to show notifications: denied (no terminal to ask; use --allow-notifications)\n`);
  }
  return askOnTerminal(origin);
}
