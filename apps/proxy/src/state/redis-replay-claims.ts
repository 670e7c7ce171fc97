// Proof ids claimed in Redis (DESIGN §9), shared by every replica: one script per claim, `SET NX`
// with the proof's remaining window as expiry, and the holder's share of live claims bounded as
// the memory store bounds it (a sorted set of the holder's claims by expiry). The server must not
// evict keys (checked at connect); on a failover to a replica that had not yet received a claim,
// that proof could be accepted once more within its window.
import type { RedisConnection } from './redis-connection.js';
import type { ClaimVerdict, ReplayClaims } from './replay-claims.js';

// KEYS: the claim, the holder's set. ARGV: holder, expiresAt (s), now (s), ttl (ms), share.
const CLAIM = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 'replayed' end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[3])
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[5]) then return 'full' end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[2], KEYS[1])
if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[4]) then redis.call('PEXPIRE', KEYS[2], ARGV[4]) end
return 'fresh'
`;

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
      // A claim whose window has closed is refused by the proof check already; keep it 1 s anyway.
      const ttlMs = Math.max(1, expiresAt - now) * 1000;
      const verdict = await redis.run(
        CLAIM,
        [`${prefix}c:${key}`, `${prefix}h:${holder}`],
        [holder, expiresAt, now, ttlMs, share],
      );
      return verdict as ClaimVerdict;
    },
  };
}
