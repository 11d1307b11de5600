// The headless agent's own notification prompt: a question on the terminal, when there is one.
import readline from 'node:readline/promises';

/** Asks on stderr, reads stdin; resolves false (deny) on anything but y/yes, and at once when stdin is no TTY. */
export async function askOnTerminal(origin: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`Allow notifications from ${origin}? [y/N] `);
    return /^(y|yes)$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
