// Task bindings in Redis (DESIGN §9), shared by every replica: a task created through one replica
// is its creator's at every other. One key per binding, set only if absent (`SET NX`, the first
// binding wins while it lives) and expiring with it.
import type { RedisConnection } from './redis-connection.js';
import type { TaskBindings } from './task-bindings.js';

/**
 * Bindings in Redis.
 *
 * @example
 * ```ts
 * const tasks = createRedisTaskBindings(await connectRedis(url, logger));
 * await tasks.bind('t-1', principalKey(p), now, 3600);
 * ```
 */
export function createRedisTaskBindings(redis: RedisConnection, options: { prefix?: string } = {}): TaskBindings {
  const prefix = options.prefix ?? 'aip:task:';
  return {
    async bind(taskId, principal, _nowSeconds, ttlSeconds) {
      await redis.call((client) => client.set(`${prefix}${taskId}`, principal, 'EX', Math.max(1, ttlSeconds), 'NX'));
    },
    async owner(taskId) {
      return (await redis.call((client) => client.get(`${prefix}${taskId}`))) ?? undefined;
    },
  };
}
