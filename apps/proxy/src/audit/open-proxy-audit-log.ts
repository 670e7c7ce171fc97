// The proxy's audit log as `[logging]` configures it: stdout, or a file with signed checkpoints
// (its key beside it unless configured). A file that cannot be opened refuses the start, naming it.

import { closeSync, openSync } from 'node:fs';
import type { Clock } from '../clock.js';
import { ProxyConfigError } from '../config/errors.js';
import type { ProxyConfig } from '../config/sections.js';
import { type AuditLog, openAuditLog } from './audit-log.js';
import { loadAuditKey } from './checkpoint.js';

/**
 * Opens the configured audit log.
 *
 * @example
 * ```ts
 * const auditLog = openProxyAuditLog(config.logging, systemClock, 'proxy-a');
 * ```
 */
export function openProxyAuditLog(logging: ProxyConfig['logging'], clock: Clock, replica?: string): AuditLog {
  const file = logging.log_file;
  if (file === undefined) return openAuditLog(undefined, { now: () => clock.nowMs() });
  // The log first: a log that cannot be opened is the cause to name, not its key beside it.
  try {
    closeSync(openSync(file, 'a', 0o600));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ProxyConfigError(
      'logging.log_file',
      `cannot open ${file} (${code === 'ENOENT' ? 'its directory does not exist' : (code ?? 'error')})`,
    );
  }
  const key = loadAuditKey(logging.checkpoint_key ?? `${file}.key`);
  return openAuditLog(file, {
    key,
    checkpointSeconds: logging.checkpoint_seconds,
    now: () => clock.nowMs(),
    ...(replica === undefined ? {} : { replica }),
  });
}
