// Errors the CLI raises itself (bad arguments, unreadable input), carrying their exit code.
import { AipError, type ErrorCodeOf } from '@aip/identity';
import { EXIT_USAGE } from './exit-codes.js';

/** Codes of {@link CliError}: the CLI codes of the one list, `ERROR_CODES.cli` in `@aip/identity`. */
export type CliErrorCode = Exclude<ErrorCodeOf<'cli'>, 'aip_internal'>;

/**
 * A CLI-level failure: printed as `{"error":{"code","message"}}` with `--json`, exit code 2 unless
 * stated otherwise.
 */
export class CliError extends AipError {
  declare readonly code: CliErrorCode;
  readonly exitCode: number;

  constructor(code: CliErrorCode, message: string, exitCode: number = EXIT_USAGE) {
    super(code, message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}
