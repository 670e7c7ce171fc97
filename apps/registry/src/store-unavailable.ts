// Failures reaching a shared store (PostgreSQL, Redis) become one answer: 503
// aip_store_unavailable, without the server's text (which may name hosts or users) and never with
// the connection URL.
import { AipError } from '@aip/identity';
import { TrustError } from '@aip/trust';

// SQLSTATE classes meaning "the database cannot be used right now": connection exceptions,
// authorization refused, no such database, insufficient resources, operator intervention
// (shutdown, crash recovery, cannot connect now).
const UNAVAILABLE_CLASSES = new Set(['08', '28', '3D', '53', '57']);

/**
 * True when a PostgreSQL error says the database could not be reached or went away, rather than a
 * bad statement.
 *
 * @example
 * ```ts
 * isUnavailable(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })); // true
 * ```
 */
export function isUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  // A five-character code is a SQLSTATE from the server; an errno code is the socket's.
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return UNAVAILABLE_CLASSES.has(code.slice(0, 2));
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return true;
  // The driver's own: a connection ended, timed out, or a client that cannot be used any more.
  return err instanceof Error && DRIVER_UNAVAILABLE.test(err.message);
}

const DRIVER_UNAVAILABLE = /connection|terminated|timeout|not queryable|ended/i;

/**
 * Runs `work`; a failure to reach the database throws `TrustError` `aip_store_unavailable` (503)
 * with the original as `cause` (server log only), anything else is rethrown as it is.
 *
 * @example
 * ```ts
 * const rows = await unavailableAsStoreError(() => pool.query(sql));
 * ```
 */
export async function unavailableAsStoreError<T>(
  work: () => Promise<T>,
  unavailable: (err: unknown) => boolean = isUnavailable,
): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof AipError || !unavailable(err)) throw err;
    throw new TrustError('aip_store_unavailable', 'the registry database is unavailable; retry later', { cause: err });
  }
}

/**
 * `url` with its password replaced by `***` (for logs, errors and start-up lines); `<invalid URL>`
 * when it does not parse.
 *
 * @example
 * ```ts
 * redactUrl('postgresql://aip:secret@db:5432/aip'); // "postgresql://aip:***@db:5432/aip"
 * ```
 */
export function redactUrl(url: string): string {
  // Only `scheme://authority` URLs are shown: anything else (`user:secret@host`, a libpq keyword
  // string) would carry its secret somewhere the parser does not call a password.
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return '<invalid URL>';
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    // A password can also ride in the query string (libpq's ?password=).
    if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
    return parsed.toString();
  } catch {
    return '<invalid URL>';
  }
}
