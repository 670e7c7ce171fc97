// Operational messages of the proxy (start, reload, shutdown, failures with their cause, and —
// when asked — one access line per request), as opposed to the audit log of decisions. The
// command writes them as levelled JSON lines on stderr (pino, the registry's shape); a library
// user passes its own.
import pino from 'pino';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface ProxyLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** Changes the level (a reload). */
  setLevel?(level: LogLevel): void;
  /** Writes out what is buffered (shutdown). */
  flush?(): void;
}

/** Says nothing. */
export const silentLogger: ProxyLogger = { info() {}, warn() {}, error() {} };

/**
 * Levelled JSON lines (`{"level":30,"time":...,"pid":...,"name":"aip-proxy","msg":...}`) on a file
 * descriptor, stderr by default.
 *
 * @example
 * ```ts
 * const logger = createJsonLogger('info');
 * logger.warn('upstream unreachable', { cause: 'ECONNREFUSED' });
 * ```
 */
export function createJsonLogger(level: LogLevel, fd = 2): ProxyLogger {
  const log = pino({ name: 'aip-proxy', level, base: { pid: process.pid } }, pino.destination({ fd, sync: false }));
  return {
    info: (message, fields) => log.info(fields ?? {}, message),
    warn: (message, fields) => log.warn(fields ?? {}, message),
    error: (message, fields) => log.error(fields ?? {}, message),
    setLevel(next) {
      log.level = next;
    },
    flush() {
      log.flush();
    },
  };
}
