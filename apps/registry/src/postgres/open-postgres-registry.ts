// Opening a registry replica on PostgreSQL (`aip registry serve --postgres URL`, DESIGN §9): the
// driver is loaded only here (the SQLite registry and the CLI's start-up never pay for it), the
// tables are created, upgraded or checked under a migration lock (replicas may start together),
// and the replica's mirror is filled from the log before it serves.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TrustError } from '@aip/trust';
import type { Pool, PoolConfig } from 'pg';
import { openRegistryStore, type RegistryStore } from '../registry-store.js';
import { redactUrl, unavailableAsStoreError } from '../store-unavailable.js';
import { PostgresChallenges } from './postgres-challenges.js';
import { PostgresRegistryLog } from './postgres-registry-log.js';
import { ReplicaMirror, type ReplicaMirrorOptions } from './replica-mirror.js';
import { MIGRATION_LOCK, POSTGRES_SCHEMA, POSTGRES_SCHEMA_VERSION, POSTGRES_UPGRADES } from './schema.js';
import { inTransaction } from './transaction.js';
import { WRITE_FUNCTIONS } from './write-functions.js';

/** Options of {@link openPostgresRegistry}. */
export interface PostgresRegistryOptions extends ReplicaMirrorOptions {
  /** `postgres://` or `postgresql://` URL of the shared database. */
  url: string;
  /** Connections in this replica's pool; default 10. */
  poolSize?: number;
  /** Challenge lifetime in seconds; default 120. */
  challengeTtl?: number;
}

/** One replica's view of the shared database. Close it after the application that serves it. */
export interface PostgresRegistry {
  /** Writes and the feed, shared by every replica. */
  log: PostgresRegistryLog;
  /** Challenges, shared by every replica. */
  challenges: PostgresChallenges;
  /** This replica's local copy (trust store, profiles), kept in step with the log. */
  store: RegistryStore;
  mirror: ReplicaMirror;
  /** The URL without its password, for messages. */
  displayUrl: string;
  close(): Promise<void>;
}

/** The `application_name` of a replica's notification connection (visible in `pg_stat_activity`). */
export const LISTENER_NAME = 'aip-registry-listener';

/** Milliseconds a query or a connection attempt may take before the database counts as unavailable. */
const TIMEOUT_MS = 10_000;

/**
 * Connects to the shared database, creates or checks its tables, fills a local mirror and starts
 * following the log. Throws `TrustError` `aip_store_unavailable` when the database cannot be
 * reached or the URL is not a PostgreSQL URL, `aip_store_corrupt` for tables of another version;
 * messages show the URL without its password.
 *
 * @example
 * ```ts
 * const shared = await openPostgresRegistry({ url: process.env.AIP_REGISTRY_POSTGRES_URL! });
 * const app = buildApp({
 *   store: shared.store,
 *   log: shared.log,
 *   challenges: shared.challenges,
 *   afterClose: () => shared.close(), // once the engine and its workers have stopped
 * });
 * ```
 */
export async function openPostgresRegistry(options: PostgresRegistryOptions): Promise<PostgresRegistry> {
  const displayUrl = redactUrl(options.url);
  if (!/^postgres(ql)?:\/\//.test(options.url) || displayUrl === '<invalid URL>') {
    throw new TrustError('aip_store_unavailable', `not a postgres:// or postgresql:// URL: ${displayUrl}`);
  }
  const { default: pg } = await import('pg');
  const config: PoolConfig = {
    connectionString: options.url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: TIMEOUT_MS,
    query_timeout: TIMEOUT_MS,
    keepAlive: true,
    application_name: 'aip-registry',
  };
  const pool = new pg.Pool(config);
  // An idle connection dropped by the server: the next query reports it (as aip_store_unavailable).
  pool.on('error', () => {});
  let dir: string | undefined;
  let store: RegistryStore | undefined;
  let mirror: ReplicaMirror | undefined;
  let epoch: string;
  try {
    epoch = await unavailableAsStoreError(() => migrate(pool)).catch((err: unknown) => {
      if (err instanceof TrustError && err.code !== 'aip_store_unavailable') throw err;
      // Unreachable, refused, or anything else the server said: the SQLSTATE, never its text.
      const sqlState =
        (err as { cause?: { code?: unknown }; code?: unknown }).cause?.code ?? (err as { code?: unknown }).code;
      const detail = typeof sqlState === 'string' && /^[0-9A-Z]{5}$/.test(sqlState) ? ` (SQLSTATE ${sqlState})` : '';
      throw new TrustError('aip_store_unavailable', `cannot use PostgreSQL at ${displayUrl}${detail}`, { cause: err });
    });
    dir = mkdtempSync(path.join(tmpdir(), 'aip-registry-replica-'));
    store = openRegistryStore({ path: path.join(dir, 'replica.db') });
    mirror = new ReplicaMirror(pool, store, options);
    await mirror.catchUp();
    await mirror.listen(
      () => new pg.Client({ connectionString: options.url, keepAlive: true, application_name: LISTENER_NAME }),
    );
  } catch (err) {
    await mirror?.close();
    store?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    await pool.end().catch(() => {});
    throw err;
  }
  const local = store;
  const follower = mirror;
  const tempDir = dir;
  let closed: Promise<void> | undefined;
  return {
    log: new PostgresRegistryLog(pool, epoch, () => follower.catchUp()),
    challenges: new PostgresChallenges(pool, options.challengeTtl === undefined ? {} : { ttl: options.challengeTtl }),
    store: local,
    mirror: follower,
    displayUrl,
    close() {
      closed ??= (async () => {
        await follower.close();
        local.close();
        rmSync(tempDir, { recursive: true, force: true });
        await pool.end().catch(() => {});
      })();
      return closed;
    },
  };
}

/**
 * Creates, upgrades or checks the tables in one transaction under the migration lock; returns the
 * feed epoch. An upgrade fails as a whole: the database stays at the version it had.
 */
async function migrate(pool: Pool): Promise<string> {
  await inTransaction(pool, MIGRATION_LOCK, async (client) => {
    await client.query(POSTGRES_SCHEMA);
    const insert = 'INSERT INTO aip_registry_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING';
    await client.query(insert, ['schema', POSTGRES_SCHEMA_VERSION]);
    await client.query(insert, ['feed_epoch', randomBytes(16).toString('hex')]);
    const { rows } = await client.query<{ value: string }>("SELECT value FROM aip_registry_meta WHERE key = 'schema'");
    let version = rows[0]?.value;
    for (let upgrade = upgradeFrom(version); upgrade !== undefined; upgrade = upgradeFrom(version)) {
      await client.query(upgrade.sql);
      await client.query("UPDATE aip_registry_meta SET value = $1 WHERE key = 'schema'", [upgrade.to]);
      version = upgrade.to;
    }
    if (version !== POSTGRES_SCHEMA_VERSION) {
      throw new TrustError('aip_store_corrupt', 'the database holds registry tables of an unsupported version');
    }
    await client.query(WRITE_FUNCTIONS);
  });
  return feedEpoch(pool);
}

function upgradeFrom(version: string | undefined): { to: string; sql: string } | undefined {
  return version !== undefined && Object.hasOwn(POSTGRES_UPGRADES, version) ? POSTGRES_UPGRADES[version] : undefined;
}

async function feedEpoch(pool: Pool): Promise<string> {
  const { rows } = await pool.query<{ value: string }>("SELECT value FROM aip_registry_meta WHERE key = 'feed_epoch'");
  const epoch = rows[0]?.value;
  if (epoch === undefined) throw new TrustError('aip_store_corrupt', 'the registry database has no feed epoch');
  return epoch;
}
