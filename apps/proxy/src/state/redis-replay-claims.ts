// Proof ids claimed in Redis (DESIGN §9), shared by every replica: one script per claim, `SET NX`
// with the proof's remaining window as expiry, and the holder's share of live claims bounded as
// the memory store bounds it (a sorted set of the holder's claims by expiry). The server must not
// evict keys (checked at connect); on a failover to a replica that had not yet received a claim,
// that proof could be accepted once more within its window.
import type { RedisConnection } from './redis-connection.js';
import type { ClaimVerdict, ReplayClaims } from './replay-claims.js';

// A Lua function: claim KEYS[1] (the claim) for the holder whose set is KEYS[2]. ARGV: holder,
// expiresAt (s), now (s), ttl (ms), share. Shared with the combined claim-and-take script.
export const CLAIM_FUNCTION = `
local function claim()
  if redis.call('EXISTS', KEYS[1]) == 1 then return 'replayed' end
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[3])
  if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[5]) then return 'full' end
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[4])
  redis.call('ZADD', KEYS[2], ARGV[2], KEYS[1])
  if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[4]) then redis.call('PEXPIRE', KEYS[2], ARGV[4]) end
  return 'fresh'
end
`;

const CLAIM = `${CLAIM_FUNCTION}
return claim()
`;

/** The keys and arguments of a claim, as `CLAIM_FUNCTION` reads them. */
export function claimArguments(
  prefix: string,
  share: number,
  key: string,
  holder: string,
  expiresAt: number,
  now: number,
): { keys: string[]; args: (string | number)[] } {
  // A claim whose window has closed is refused by the proof check already; keep it 1 s anyway.
  const ttlMs = Math.max(1, expiresAt - now) * 1000;
  return { keys: [`${prefix}c:${key}`, `${prefix}h:${holder}`], args: [holder, expiresAt, now, ttlMs, share] };
}

/**
 * Claims in Redis, at most `maxPerHolder` live ones per holder (a grant).
 *
 * @example
 * ```ts
 * const claims = createRedisReplayClaims(await connectRedis(url, logger));
 * await claims.claim(checked.replayKey, principal.grant, checked.replayUntil, now); // 'fresh'
 * ```
 */
export function createRedisReplayClaims(
  redis: RedisConnection,
  options: { maxPerHolder?: number; prefix?: string } = {},
): ReplayClaims {
  const share = options.maxPerHolder ?? 125_000;
  const prefix = options.prefix ?? 'aip:proof:';
  return {
    async claim(key, holder, expiresAt, now) {
      const { keys, args } = claimArguments(prefix, share, key, holder, expiresAt, now);
      return (await redis.run(CLAIM, keys, args)) as ClaimVerdict;
    },
  };
}
