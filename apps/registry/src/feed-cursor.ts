// Feed cursors: `<epoch>.<position>`. The epoch (12 hex digits of the store's random id) makes a
// cursor from another database — a rebuilt registry — recognisable, so a client starts over
// instead of silently skipping objects.
import { RegistryError } from './errors.js';

const CURSOR = /^([0-9a-f]{12})\.(\d{1,15})$/;

/**
 * The cursor naming feed position `seq` of the store with `epoch`.
 *
 * @example
 * ```ts
 * formatCursor(store.feedEpoch, 1200); // "3f9c0a1b2c3d.1200"
 * ```
 */
export function formatCursor(epoch: string, seq: number): string {
  return `${epoch.slice(0, 12)}.${seq}`;
}

/**
 * The position a cursor names (0 for an empty `since`: the beginning). Throws `RegistryError`
 * `aip_cursor_invalid` for a malformed cursor, `aip_cursor_stale` for another database's.
 *
 * @example
 * ```ts
 * const since = parseCursor(request.query.since, store.feedEpoch);
 * ```
 */
export function parseCursor(cursor: string, epoch: string): number {
  if (cursor === '' || cursor === '0') return 0;
  const match = CURSOR.exec(cursor);
  if (match === null) throw new RegistryError('aip_cursor_invalid', 'since must be a cursor this registry returned');
  if (match[1] !== epoch.slice(0, 12)) {
    throw new RegistryError('aip_cursor_stale', 'the cursor belongs to another database: sync again from the start');
  }
  return Number(match[2]);
}
