/**
 * The user CLI's exit codes: one per kind of outcome a script would branch on, so `vibebox create
 * --wait && …` and `case $?` work without parsing messages. Documented in docs/cli.md.
 */
export const EXIT = {
  ok: 0,
  /** Anything unexpected (a bug, a malformed answer). */
  failure: 1,
  /** Bad command line. */
  usage: 2,
  /** Not logged in, or the token was refused (401). */
  auth: 3,
  /** No such box (404; another user's box is no box). */
  notFound: 4,
  /** The API refused the request: bad input (400), wrong state (409), too many (429). */
  refused: 5,
  /** The box settled, but not where the command wanted it (error, or an operation that did not take). */
  boxFailed: 6,
  /** The API (or the box, for ssh) could not be reached, or answered 5xx. */
  unavailable: 7,
  /** --wait gave up after --timeout. */
  timeout: 8,
  /** ssh refused: the box presented another host key than the one the API pinned. */
  hostKeyMismatch: 9,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An outcome to report on stderr and exit with; never a stack trace for the user. */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** The exit code for an API answer's HTTP status. */
export function exitCodeForStatus(status: number): ExitCode {
  if (status === 401) return EXIT.auth;
  if (status === 404) return EXIT.notFound;
  if (status === 400 || status === 409 || status === 415 || status === 429) return EXIT.refused;
  if (status >= 500) return EXIT.unavailable;
  return EXIT.failure;
}
