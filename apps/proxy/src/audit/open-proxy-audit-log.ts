// The proxy's audit log as `[logging]` configures it: stdout, a file with signed checkpoints (its
// key beside it unless configured), or this replica's chain in PostgreSQL. A file or a database
// that cannot be opened refuses the start, naming it (a URL without its password).

import { closeSync, openSync } from 'node:fs';
import type { Clock } from '../clock.js';
import { ProxyConfigError } from '../config/errors.js';
import type { ProxyConfig } from '../config/sections.js';
import { redactUrl } from '../config/value-types.js';
import { describeFailure } from '../state/store-unavailable.js';
import { type AuditLog, openAuditLog } from './audit-log.js';
import { loadAuditKey } from './checkpoint.js';
import { openPostgresAuditSink } from './postgres-audit-sink.js';

/**
 * Opens the configured audit log.
 *
 * @example
 * ```ts
 * const auditLog = await openProxyAuditLog(config.logging, systemClock, 'proxy-a', config.state.postgres_url);
 * ```
 */
export async function openProxyAuditLog(
  logging: ProxyConfig['logging'],
  clock: Clock,
  replica?: string,
  postgresUrl?: string,
): Promise<AuditLog> {
  if (logging.sink === 'postgres') {
    if (postgresUrl === undefined) throw new ProxyConfigError('logging.sink', 'postgres needs state.postgres_url');
    if (logging.log_file !== undefined)
      throw new ProxyConfigError('logging.log_file', 'not used with sink = "postgres": remove one of them');
    try {
      return await openPostgresAuditSink(postgresUrl, {
        replica: replica ?? 'default',
        now: () => clock.nowMs(),
      });
    } catch (err) {
      throw new ProxyConfigError(
        'logging.sink',
        `cannot write the audit chain at ${redactUrl(postgresUrl)} (${describeFailure(err)})`,
      );
    }
  }
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
