// Everything a command prints: machine JSON (one object per line) with --json, readable text
// otherwise; errors never carry a stack trace, a token or a key.
import { AipError, describeIoError } from '@aip/identity/errors';
import { CommanderError } from 'commander';
import { CliError } from './cli-error.js';
import { EXIT_OK, EXIT_USAGE } from './exit-codes.js';

export interface OutputOptions {
  json: boolean;
}

/** Prints a command's result: `value` as one JSON line with --json, else `text()`. */
export function printResult(options: OutputOptions, value: unknown, text: () => string): void {
  process.stdout.write(options.json ? `${JSON.stringify(value)}\n` : `${text()}\n`);
}

/** A notice for humans (stderr), silent with --json. */
export function notice(options: OutputOptions, message: string): void {
  if (!options.json) process.stderr.write(`${message}\n`);
}

/** Turns any failure into a printed error and an exit code. */
export function reportError(options: OutputOptions, err: unknown): number {
  if (err instanceof CommanderError) {
    // Commander already printed usage errors (to stderr); help and --version are successes.
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0)
      return EXIT_OK;
    if (options.json) printJsonError('aip_usage', err.message.replace(/^error: /, ''));
    return EXIT_USAGE;
  }
  const exitCode = err instanceof CliError ? err.exitCode : EXIT_USAGE;
  const { code, message } = describe(err);
  if (options.json) printJsonError(code, message);
  else process.stderr.write(`aip: ${message}\n`);
  if (process.env.AIP_DEBUG === '1' && err instanceof Error && !(err instanceof AipError)) {
    process.stderr.write(`${err.stack}\n`);
  }
  return exitCode;
}

function printJsonError(code: string, message: string): void {
  process.stdout.write(`${JSON.stringify({ error: { code, message } })}\n`);
}

function describe(err: unknown): { code: string; message: string } {
  if (err instanceof AipError) return { code: err.code, message: err.message };
  const errno = err as NodeJS.ErrnoException;
  if (typeof errno?.code === 'string' && typeof errno.path === 'string') {
    return { code: 'aip_input_unreadable', message: `${errno.path}: ${describeIoError(errno)}` };
  }
  // Unexpected failures: a generic message, the detail only under AIP_DEBUG=1.
  return { code: 'aip_internal', message: 'internal error (set AIP_DEBUG=1 for details)' };
}
