// Opening the registry's Redis state (`aip registry serve --redis URL`, DESIGN §9): challenges and
// the per-address and per-identity buckets, shared by every replica. The driver is loaded only
// here. Commands fail at once while the connection is down (no offline queue, no retries), so a
// request that needs Redis answers 503 aip_store_unavailable instead of waiting; the client
// reconnects in the background.
import { TrustError } from '@aip/trust';
import { redactUrl } from '../store-unavailable.js';
import { RedisBuckets } from './redis-buckets.js';
import { RedisChallenges } from './redis-challenges.js';

/** Options of {@link openRedisState}. */
export interface RedisStateOptions {
  /** `redis://` or `rediss://` URL. */
  url: string;
  /** Challenge lifetime in seconds; default 120. */
  challengeTtl?: number;
}

/** The registry's state in Redis. */
export interface RedisState {
  challenges: RedisChallenges;
  buckets: RedisBuckets;
  /** The URL without its password, for messages. */
  displayUrl: string;
  close(): Promise<void>;
}

const TIMEOUT_MS = 5_000;

/**
 * Connects and checks that the server never evicts keys (an evicted bucket would reset a limit).
 * Throws `TrustError` `aip_store_unavailable` when Redis cannot be reached, the URL is not a Redis
 * URL, or `maxmemory-policy` is not `noeviction`; messages show the URL without its password.
 *
 * @example
 * ```ts
 * const redis = await openRedisState({ url: 'redis://127.0.0.1:6379' });
 * const app = buildApp({ challenges: redis.challenges, buckets: redis.buckets });
 * ```
 */
export async function openRedisState(options: RedisStateOptions): Promise<RedisState> {
  const displayUrl = redactUrl(options.url);
  if (!/^rediss?:\/\//.test(options.url) || displayUrl === '<invalid URL>') {
    throw new TrustError('aip_store_unavailable', `not a redis:// or rediss:// URL: ${displayUrl}`);
  }
  const { Redis } = await import('ioredis');
  const redis = new Redis(options.url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: TIMEOUT_MS,
    commandTimeout: TIMEOUT_MS,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    connectionName: 'aip-registry',
  });
  // Failures are answered per command (aip_store_unavailable); the client keeps reconnecting.
  redis.on('error', () => {});
  try {
    await redis.connect();
    const policy = (await redis.config('GET', 'maxmemory-policy').catch((err: unknown) => {
      throw new TrustError(
        'aip_store_unavailable',
        `Redis at ${displayUrl} refused CONFIG GET maxmemory-policy: allow it, so that noeviction can be checked`,
        { cause: err },
      );
    })) as string[];
    if (policy[1] !== 'noeviction') {
      throw new TrustError(
        'aip_store_unavailable',
        `Redis at ${displayUrl} may evict keys (maxmemory-policy ${policy[1] ?? 'unknown'}): set it to noeviction`,
      );
    }
  } catch (err) {
    redis.disconnect();
    if (err instanceof TrustError) throw err;
    throw new TrustError('aip_store_unavailable', `cannot reach Redis at ${displayUrl}`, { cause: err });
  }
  return {
    challenges: new RedisChallenges(redis, options.challengeTtl === undefined ? {} : { ttl: options.challengeTtl }),
    buckets: new RedisBuckets(redis),
    displayUrl,
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
