// Preloaded into every test file's process by `npm test` (`node --import`): a file still running after its time
// limit is stopped with a line naming it, so one hung file (a browser that never came, a leaked handle) fails the
// run with its name instead of hanging it. node's --test-timeout bounds single tests, not a file whose handles stay
// open. Only in the test runner's child processes (NODE_TEST_CONTEXT): the parent runner is never stopped.
const seconds = Number(process.env.PUSH_AGENT_TEST_FILE_TIMEOUT ?? 600);

if (process.env.NODE_TEST_CONTEXT && Number.isFinite(seconds) && seconds > 0) {
  const file = process.argv[1] ?? '(unknown test file)';
  const timer = setTimeout(() => {
    process.stderr.write(
      `\ntime limit: ${file} was still running after ${seconds} s (PUSH_AGENT_TEST_FILE_TIMEOUT); stopped\n`,
    );
    process.exit(1); // 'exit' handlers still run: Playwright closes the browsers it launched
  }, seconds * 1000);
  timer.unref(); // a file that finishes is never held open by its own limit
}
