// One contender for a data dir (tests/integration/cli/data-dir-lock.test.ts). Prints `ready`, waits for a line on
// stdin so that every contender tries at the same moment, then prints `owner <pid>` and stays alive holding the
// lock until killed, or prints `busy` and exits 3, as `push-agent` does.
import { DataDirLockedError, lockDataDir } from '../../src/cli/data-dir-lock.ts';

process.stdout.write('ready\n');
process.stdin.once('data', async () => {
  try {
    await lockDataDir(process.argv[2]!);
    process.stdout.write(`owner ${process.pid}\n`);
    setInterval(() => {}, 60_000);
  } catch (err) {
    if (!(err instanceof DataDirLockedError)) throw err;
    process.stdout.write('busy\n');
    process.exit(3);
  }
});
