// Token buckets in Redis: one Lua script per call, so a check-and-take is atomic across replicas.
// The time is the caller's (injected) clock; a bucket's time only moves forward, so replicas with
// slightly different clocks never refill a bucket twice.

import type { RateBuckets } from '../rate-buckets.js';
import { unavailableAsStoreError } from '../store-unavailable.js';
import type { RedisCommands } from './redis-commands.js';

const PREFIX = 'aip:registry:bucket:';

// KEYS[1]: the bucket. ARGV: perMinute, nowMs, mode (0 peek, 1 take, 2 hit). Returns the seconds
// to wait, 0 when allowed. An idle bucket expires once it would be full again anyway.
const SCRIPT = `
local per = tonumber(ARGV[1])
local now = tonumber(ARGV[2])
local mode = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or per
local at = tonumber(state[2]) or now
if now > at then
  tokens = math.min(per, tokens + (now - at) / 60000 * per)
  at = now
end
local wait = 0
if tokens < 1 then wait = math.max(1, math.ceil((1 - tokens) * 60 / per)) end
if mode == 1 or (mode == 2 and wait == 0) then
  tokens = tokens - 1
  redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(at))
  redis.call('PEXPIRE', KEYS[1], 120000)
end
return wait
`;

/**
 * {@link RateBuckets} in Redis.
 *
 * @example
 * ```ts
 * const buckets = new RedisBuckets(redis);
 * await buckets.hit('ip:127.0.0.1', 1200, Date.now()); // 0: allowed
 * ```
 */
export class RedisBuckets implements RateBuckets {
  readonly #redis: RedisCommands;

  constructor(redis: RedisCommands) {
    this.#redis = redis;
  }

  #run(key: string, perMinute: number, nowMs: number, mode: number): Promise<number> {
    if (!(perMinute > 0)) throw new RangeError('perMinute must be positive');
    return unavailableAsStoreError(
      async () => Number(await this.#redis.eval(SCRIPT, 1, PREFIX + key, perMinute, Math.floor(nowMs), mode)),
      () => true,
    );
  }

  peek(key: string, perMinute: number, nowMs: number): Promise<number> {
    return this.#run(key, perMinute, nowMs, 0);
  }

  async take(key: string, perMinute: number, nowMs: number): Promise<void> {
    await this.#run(key, perMinute, nowMs, 1);
  }

  hit(key: string, perMinute: number, nowMs: number): Promise<number> {
    return this.#run(key, perMinute, nowMs, 2);
  }
}
