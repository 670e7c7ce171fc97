// Starting the registry: the only place that listens. Loopback unless told otherwise.
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp, type RegistryOptions } from './app.js';
import type { PostgresRegistry } from './postgres/open-postgres-registry.js';
import type { RedisState } from './redis/open-redis-state.js';

/** Options of {@link startRegistry}. */
export interface StartOptions extends RegistryOptions {
  /** Default 8470; 0 picks a free port. */
  port?: number;
  /** Default `127.0.0.1`. */
  host?: string;
  /**
   * Serve as one replica of a registry whose store is this PostgreSQL database (`store`, `db`,
   * `log` and `challenges` are then ignored); default: the embedded SQLite store.
   */
  postgres?: string;
  /**
   * Keep challenges and the per-address and per-identity limits in this Redis, shared by every
   * replica (`challenges` is then ignored); default: PostgreSQL holds the challenges of replicas,
   * and each process counts its own limits.
   */
  redis?: string;
  /** Milliseconds between a replica's polls of the shared log (the safety net of LISTEN/NOTIFY); default 1000. */
  pollMs?: number;
}

/** A listening registry. */
export interface RunningRegistry {
  app: FastifyInstance;
  /** `http://host:port`, as clients reach it. */
  url: string;
  /** Stops accepting connections, finishes in-flight requests, saves the index snapshot, closes the store. */
  close(): Promise<void>;
}

/** The default port of `aip registry serve`. */
export const DEFAULT_PORT = 8470;

/**
 * Builds the registry and listens (on 127.0.0.1 unless `host` says otherwise).
 *
 * @example
 * ```ts
 * const registry = await startRegistry({ db: 'registry.db', port: 0 });
 * console.log(registry.url);
 * await registry.close();
 * ```
 */
export async function startRegistry(options: StartOptions = {}): Promise<RunningRegistry> {
  let shared: PostgresRegistry | undefined;
  let redis: RedisState | undefined;
  let warn: (message: string, detail: object) => void = () => {};
  const close = async () => {
    await shared?.close();
    await redis?.close();
  };
  let app: FastifyInstance;
  try {
    if (options.postgres !== undefined) {
      const { openPostgresRegistry } = await import('./postgres/open-postgres-registry.js');
      shared = await openPostgresRegistry({
        url: options.postgres,
        ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
        ...(options.challengeTtl === undefined ? {} : { challengeTtl: options.challengeTtl }),
        onWarning: (message, detail) => warn(message, detail),
      });
    }
    if (options.redis !== undefined) {
      const { openRedisState } = await import('./redis/open-redis-state.js');
      redis = await openRedisState({
        url: options.redis,
        ...(options.challengeTtl === undefined ? {} : { challengeTtl: options.challengeTtl }),
      });
    }
    const challenges = redis?.challenges ?? shared?.challenges;
    app = buildApp({
      ...options,
      ...(shared === undefined ? {} : { store: shared.store, log: shared.log }),
      ...(challenges === undefined ? {} : { challenges }),
      ...(redis === undefined ? {} : { buckets: redis.buckets }),
      ...(shared === undefined && redis === undefined ? {} : { afterClose: close }),
    });
  } catch (err) {
    await close();
    throw err;
  }
  warn = (message, detail) => app.log.warn(detail, message);
  try {
    await app.listen({ port: options.port ?? DEFAULT_PORT, host: options.host ?? '127.0.0.1' });
  } catch (err) {
    await app.close();
    throw err;
  }
  const address = app.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { app, url: `http://${host}:${address.port}`, close: () => app.close() };
}
