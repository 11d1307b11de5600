// Bad command-line arguments: a one-line message and exit code 2.
export class UsageError extends Error {
  override name = 'UsageError';
}
