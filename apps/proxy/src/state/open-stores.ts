// The stores `[state]` configures besides the ledger: with `redis_url`, proof claims, rate
// buckets (both in one script when a request needs both) and task bindings in Redis, shared by
// every replica; without it, in this process (the embedded default).
import type { ProxyConfig } from '../config/sections.js';
import type { ProxyLogger } from '../logger.js';
import type { BucketStore } from './bucket-store.js';
import type { ClaimAndTake } from './claim-and-take.js';
import { createRedisBucketStore } from './redis-bucket-store.js';
import { createRedisClaimAndTake } from './redis-claim-and-take.js';
import { connectRedis } from './redis-connection.js';
import { createRedisReplayClaims } from './redis-replay-claims.js';
import { createRedisTaskBindings } from './redis-task-bindings.js';
import type { ReplayClaims } from './replay-claims.js';
import type { TaskBindings } from './task-bindings.js';

/** Shared stores (absent: the in-memory ones). */
export interface SharedStores {
  replay?: ReplayClaims;
  buckets?: BucketStore;
  meter?: ClaimAndTake;
  tasks?: TaskBindings;
  /** Answers whether the shared Redis is reachable (readiness). */
  redis?: { ping(): Promise<boolean> };
  close(): Promise<void>;
}

/**
 * Opens what `[state]` names. Throws `ProxyConfigError` (key `state.redis_url`) when Redis cannot
 * be reached or may evict keys.
 *
 * @example
 * ```ts
 * const shared = await openSharedStores(config.state, logger);
 * ```
 */
export async function openSharedStores(state: ProxyConfig['state'], logger: ProxyLogger): Promise<SharedStores> {
  if (state.redis_url === undefined) return { close: () => Promise.resolve() };
  const redis = await connectRedis(state.redis_url, logger);
  return {
    replay: createRedisReplayClaims(redis),
    buckets: createRedisBucketStore(redis),
    meter: createRedisClaimAndTake(redis),
    tasks: createRedisTaskBindings(redis),
    redis,
    close: () => redis.close(),
  };
}
