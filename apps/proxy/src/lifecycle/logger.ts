// Operational messages of the proxy (start-up recovery, reloads, failures), as opposed to the audit
// log of decisions. The CLI writes them as structured lines; a library user passes its own.

export interface ProxyLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Says nothing. */
export const silentLogger: ProxyLogger = { info() {}, warn() {}, error() {} };
