// Expected failures and the exit codes they map to (see README, "Exit codes").

export const EXIT_FAILED = 1; // Docker or the scheduler refused the operation
export const EXIT_USAGE = 2; // bad flags or configuration: nothing was changed

/** An error whose message is meant for the user as it is: one line, no stack. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILED,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** A usage or configuration error (exit 2): raised before anything is created. */
export class UsageError extends UserError {
  constructor(message: string) {
    super(message, EXIT_USAGE);
  }
}
