// Rotated and revoked keys (DESIGN §11): the key-event state of a trust store, read by the token
// verifier and the proof stage. It follows the store — a revocation synced or imported there
// applies within a second, without a reload — and SIGHUP may point it at another store.
import { statSync } from 'node:fs';
import { AipError, type KeyEventState } from '@aip/identity';
import { openTrustStore, type TrustStore } from '@aip/trust';
import type { Clock } from './clock.js';
import { ProxyConfigError } from './config/errors.js';

export interface KeyEventSource {
  /** The store it reads. */
  readonly db: string;
  /** The state in force: the store's, looked at again at most once a second. */
  state(): KeyEventState;
  close(): void;
}

const REFRESH_MS = 1000;

/**
 * Opens the key events of the trust store at `db` (read-only). Throws `ProxyConfigError` naming
 * `key` when it is missing or unusable, so a reload that cannot read it changes nothing.
 *
 * @example
 * ```ts
 * const keys = openKeyEventSource('/var/lib/aip/trust.db', 'key_events.db', systemClock);
 * verifier.verify(token, { now }); // with keyState: () => keys.state()
 * ```
 */
export function openKeyEventSource(db: string, key: string, clock: Clock): KeyEventSource {
  let store: TrustStore;
  try {
    if (!statSync(db).isFile()) throw new ProxyConfigError(key, `${db} is not a regular file`);
    store = openTrustStore({ path: db, readonly: true });
  } catch (err) {
    if (err instanceof ProxyConfigError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new ProxyConfigError(
      key,
      code === 'ENOENT'
        ? `${db} does not exist (aip init, aip trust import or aip sync create it)`
        : err instanceof AipError
          ? err.message
          : `cannot open ${db}`,
    );
  }
  let current = store.keyState();
  let checkedAt = clock.monotonicMs();
  return {
    db,
    state() {
      const now = clock.monotonicMs();
      if (now - checkedAt >= REFRESH_MS) {
        checkedAt = now;
        try {
          current = store.keyState();
        } catch {
          // An unreadable store keeps the last state it gave: key events only ever refuse more.
        }
      }
      return current;
    },
    close() {
      store.close();
    },
  };
}
