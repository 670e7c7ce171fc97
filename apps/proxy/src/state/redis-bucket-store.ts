// Rate-limit buckets in Redis (DESIGN §9), shared by every replica: a request's buckets are taken
// by one atomic script, all or none, so a limit holds across replicas. A bucket is a hash of its
// tokens and the time it was last levelled; it expires once it would have refilled (60 s), which
// is the same as a full one. Times come from the replicas, which are expected to keep NTP time; a
// replica whose clock lags never gets tokens back early (time never runs backwards for a bucket).
import type { BucketNeed, BucketStore, BucketVerdict } from './bucket-store.js';
import type { RedisConnection } from './redis-connection.js';

// A Lua function: take from the buckets KEYS[first..], ARGV[base] being now (ms) and then, per
// bucket, its perMinute and need. Answers {1} when taken, else {0, index of the short bucket (1 =
// the first bucket), seconds to wait}. Shared with the combined claim-and-take script.
export const TAKE_FUNCTION = `
local function take(first, base)
  local now = tonumber(ARGV[base])
  local levels = {}
  local times = {}
  local n = #KEYS - first + 1
  for i = 1, n do
    local key = KEYS[first + i - 1]
    local per = tonumber(ARGV[base + 2 * i - 1])
    local need = tonumber(ARGV[base + 2 * i])
    if need > per then return {0, i, 60} end
    local b = redis.call('HMGET', key, 't', 'u')
    local tokens = per
    local at = now
    if b[1] then
      local updated = tonumber(b[2])
      if updated > now then at = updated end
      tokens = math.min(per, tonumber(b[1]) + math.max(0, now - updated) / 60000 * per)
    end
    if tokens < need then return {0, i, math.max(1, math.ceil((need - tokens) * 60 / per))} end
    levels[i] = tokens - need
    times[i] = at
  end
  for i = 1, n do
    local key = KEYS[first + i - 1]
    redis.call('HSET', key, 't', string.format('%.17g', levels[i]), 'u', string.format('%d', times[i]))
    redis.call('PEXPIRE', key, 60000)
  end
  return {1}
end
`;

const TAKE = `${TAKE_FUNCTION}
return take(1, 1)
`;

/** The keys and arguments of a take, as `TAKE_FUNCTION` reads them. */
export function takeArguments(
  prefix: string,
  needs: readonly BucketNeed[],
  nowMs: number,
): { keys: string[]; args: number[] } {
  const args: number[] = [Math.floor(nowMs)];
  for (const n of needs) args.push(n.perMinute, n.need);
  return { keys: needs.map((n) => `${prefix}${n.key}`), args };
}

/** The verdict of a take from the script's answer. */
export function takeVerdict(needs: readonly BucketNeed[], answer: number[]): BucketVerdict {
  if (answer[0] === 1) return { ok: true };
  const short = needs[(answer[1] as number) - 1] as BucketNeed;
  if (short.need > short.perMinute)
    return {
      ok: false,
      retryAfterSeconds: 60,
      reason: `${short.reason}: ${short.need} at once is more than the ${short.perMinute}/min limit`,
    };
  return { ok: false, retryAfterSeconds: answer[2] as number, reason: short.reason };
}

/**
 * Buckets in Redis.
 *
 * @example
 * ```ts
 * const limiter = createRateLimiter(() => config.rate_limit, createRedisBucketStore(await connectRedis(url, logger)));
 * ```
 */
export function createRedisBucketStore(redis: RedisConnection, options: { prefix?: string } = {}): BucketStore {
  const prefix = options.prefix ?? 'aip:rate:';

  async function level(key: string, perMinute: number, nowMs: number): Promise<number> {
    const [tokens, updated] = await redis.call((client) => client.hmget(`${prefix}${key}`, 't', 'u'));
    if (tokens == null || updated == null) return perMinute;
    return Math.min(perMinute, Number(tokens) + (Math.max(0, nowMs - Number(updated)) / 60_000) * perMinute);
  }

  return {
    async take(needs: readonly BucketNeed[], nowMs): Promise<BucketVerdict> {
      if (needs.length === 0) return { ok: true };
      const { keys, args } = takeArguments(prefix, needs, nowMs);
      return takeVerdict(needs, (await redis.run(TAKE, keys, args)) as number[]);
    },
    async available(key, perMinute, nowMs) {
      return Math.floor(await level(key, perMinute, nowMs));
    },
    async waitSeconds(key, perMinute, need, nowMs) {
      if (need > perMinute) return 60;
      const tokens = await level(key, perMinute, nowMs);
      return tokens >= need ? 0 : Math.max(1, Math.ceil(((need - tokens) * 60) / perMinute));
    },
  };
}
