// One transaction on a client checked out of the pool, under a transaction-scoped advisory lock.
// A checked-out client has no error listener of the pool's: a connection lost mid-transaction would
// be an unhandled 'error' event (a crashed process), so one is attached for the duration, and a
// client that failed is destroyed rather than returned to the pool.
import type { Pool, PoolClient } from 'pg';

/**
 * Runs `work` between BEGIN and COMMIT after `pg_advisory_xact_lock(lock)`; any failure rolls the
 * whole transaction back (the server does, if the connection is gone).
 *
 * @example
 * ```ts
 * await inTransaction(pool, WRITE_LOCK, (client) => client.query('INSERT ...'));
 * ```
 */
export async function inTransaction<T>(pool: Pool, lock: number, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  const onError = () => {
    broken = true;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [lock]);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    try {
      await client.query('ROLLBACK');
    } catch {
      broken = true;
    }
    throw err;
  } finally {
    client.removeListener('error', onError);
    client.release(broken);
  }
}
