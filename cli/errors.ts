/** A mistake of the user's (bad option, bad scenario file): printed as one message, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
