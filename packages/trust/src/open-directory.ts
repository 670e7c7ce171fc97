// Opening the directory of a trust store: the SQLite implementation over the store's own connection.
import type { TrustDirectory } from './directory.js';
import { SqliteTrustDirectory } from './lib/sqlite-directory.js';
import type { TrustStore } from './store.js';

/**
 * The directory of a store opened with `directory: true`. Throws `TypeError` for a store without
 * it (open it once with the option: the directory is then built from what the store holds).
 *
 * @example
 * ```ts
 * const store = openTrustStore({ path: 'registry.db', directory: true });
 * const directory = openTrustDirectory(store);
 * const { vouches } = await directory.vouchesOf(did, { direction: 'received', limit: 50 });
 * ```
 */
export function openTrustDirectory(store: TrustStore): TrustDirectory {
  if (!store.directory) throw new TypeError('this trust store keeps no directory: open it with { directory: true }');
  return new SqliteTrustDirectory(store.database);
}
