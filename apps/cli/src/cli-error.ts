// Errors the CLI raises itself (bad arguments, unreadable input), carrying their exit code.
import type { ErrorCodeOf } from '@aip/identity';
import { AipError, describeIoError, isIoError } from '@aip/identity/errors';
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

/**
 * The error to show for a failed write of `file`: `aip_output_exists` when it is there and
 * `overwrite` was not asked, `aip_output_unwritable` naming the cause (EACCES, EROFS, ENOSPC...)
 * for any other file-system failure, and `err` itself otherwise.
 */
export function outputError(file: string, err: unknown): unknown {
  if (!isIoError(err)) return err;
  if (err.code === 'EEXIST')
    return new CliError('aip_output_exists', `${file} already exists (use --force to overwrite)`);
  return new CliError('aip_output_unwritable', `cannot write ${file}: ${describeIoError(err)}`);
}
