/**
 * How failures reach the user: one line on stderr and an exit code (1 for failures, 2 for usage errors).
 * Stack traces only with BORDER0_DEBUG=1, since they help us and confuse everyone else.
 */
import { Border0Error, Border0NetworkError } from '@border0/sdk';
import { CommanderError } from 'commander';

/** The command line itself is wrong: bad flag values or combinations. Exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A failure we can explain in words, e.g. "not logged in". Exits 1. */
export class CliError extends Error {
  override readonly name = 'CliError';
}

export interface Failure {
  message: string;
  exitCode: number;
}

export function describeFailure(error: unknown): Failure {
  if (error instanceof UsageError) return { message: error.message, exitCode: 2 };
  if (error instanceof CliError) return { message: error.message, exitCode: 1 };
  if (error instanceof Border0NetworkError) {
    return {
      message: `cannot reach the Border0 API at ${originOf(error.url)} (${networkCause(error)}) — is it running? (border0 start)`,
      exitCode: 1,
    };
  }
  if (error instanceof Border0Error) return { message: describeApiError(error), exitCode: 1 };
  if (error instanceof CommanderError) return { message: error.message.replace(/^error: /, ''), exitCode: 2 };
  const message = error instanceof Error ? error.message : String(error);
  return { message: message.split('\n')[0] ?? message, exitCode: 1 };
}

function describeApiError(error: Border0Error): string {
  const fields = error.errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join('; ');
  const text = fields || error.detail || error.title;
  // A rejected token is the one API failure the user fixes outside the command they typed.
  return error.status === 401 ? `${text} (log in with: border0 login --token <token>)` : text;
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/** fetch wraps the socket error: Border0NetworkError → TypeError("fetch failed") → Error{code}. */
function networkCause(error: Border0NetworkError): string {
  let cause: unknown = error.cause;
  for (let depth = 0; depth < 4 && cause; depth++) {
    const { code, cause: inner } = cause as { code?: unknown; cause?: unknown };
    if (typeof code === 'string') return code;
    if (!inner) return (cause as Error).message ?? String(cause);
    cause = inner;
  }
  return 'no answer';
}
