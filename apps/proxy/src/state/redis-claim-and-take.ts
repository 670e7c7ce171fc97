// A proof claimed and a request's rate buckets taken in Redis in one round trip (DESIGN §9): one
// script runs the claim and, when it is fresh, the take — the same Lua functions the two stores
// run on their own, so the outcome is theirs one after the other.
import type { BucketNeed } from './bucket-store.js';
import type { ClaimAndTake, ClaimAndTakeVerdict } from './claim-and-take.js';
import { TAKE_FUNCTION, takeArguments, takeVerdict } from './redis-bucket-store.js';
import type { RedisConnection } from './redis-connection.js';
import { CLAIM_FUNCTION, claimArguments } from './redis-replay-claims.js';

// KEYS: the claim's two, then the buckets. ARGV: the claim's five, then the take's.
const CLAIM_AND_TAKE = `${CLAIM_FUNCTION}${TAKE_FUNCTION}
local verdict = claim()
if verdict ~= 'fresh' then return {verdict} end
if #KEYS == 2 then return {verdict, 1} end
local taken = take(3, 6)
return {verdict, taken[1], taken[2], taken[3]}
`;

/**
 * Claims and takes in one script. The prefixes and share must be those of the Redis replay claims
 * and bucket store the rest of the proxy uses, so the three see the same keys.
 *
 * @example
 * ```ts
 * const meter = createRedisClaimAndTake(await connectRedis(url, logger));
 * ```
 */
export function createRedisClaimAndTake(
  redis: RedisConnection,
  options: { claimPrefix?: string; ratePrefix?: string; maxPerHolder?: number } = {},
): ClaimAndTake {
  const claimPrefix = options.claimPrefix ?? 'aip:proof:';
  const ratePrefix = options.ratePrefix ?? 'aip:rate:';
  const share = options.maxPerHolder ?? 125_000;
  return {
    async claimAndTake(claim, needs: readonly BucketNeed[], nowMs): Promise<ClaimAndTakeVerdict> {
      const c = claimArguments(claimPrefix, share, claim.key, claim.holder, claim.expiresAt, claim.now);
      const t = takeArguments(ratePrefix, needs, nowMs);
      const answer = (await redis.run(CLAIM_AND_TAKE, [...c.keys, ...t.keys], [...c.args, ...t.args])) as [
        'fresh' | 'replayed' | 'full',
        ...number[],
      ];
      if (answer[0] !== 'fresh') return { claim: answer[0] };
      return { claim: 'fresh', rate: takeVerdict(needs, answer.slice(1) as number[]) };
    },
  };
}
