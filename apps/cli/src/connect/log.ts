// What `aip connect` tells its user: one line per event on stderr (stdout carries the protocol),
// never a token, a proof or a secret.

export interface ConnectLog {
  info(message: string): void;
  warn(message: string): void;
}

/**
 * Lines on stderr, prefixed `aip connect:`; `quiet` keeps only warnings.
 *
 * @example
 * ```ts
 * const log = stderrLog(false);
 * log.info('connected to https://mcp.example.com/mcp');
 * ```
 */
export function stderrLog(
  quiet: boolean,
  write: (line: string) => void = (line) => process.stderr.write(line),
): ConnectLog {
  return {
    info: (message) => {
      if (!quiet) write(`aip connect: ${message}\n`);
    },
    warn: (message) => write(`aip connect: ${message}\n`),
  };
}

/** A log that keeps nothing (tests, benchmarks). */
export const silentLog: ConnectLog = { info() {}, warn() {} };
