// What an admitted request with a proof and rate limits costs first: its proof id claimed and its
// rate buckets taken, in that order — a replayed proof takes nothing; a fresh one stays claimed
// even when a bucket is short (the proof is spent either way, as it would be if the limiter ran
// after the claim). One seam so a shared store can do both in one round trip (Redis: one script);
// the embedded one composes the replay claims and the buckets.
import type { BucketNeed, BucketStore, BucketVerdict } from './bucket-store.js';
import type { ClaimVerdict, ReplayClaims } from './replay-claims.js';

/** A proof id to claim (as `ReplayClaims.claim` takes it). */
export interface ProofClaim {
  key: string;
  holder: string;
  /** Unix seconds. */
  expiresAt: number;
  /** Unix seconds. */
  now: number;
}

/** The claim's verdict, and the buckets' when the claim was fresh. */
export type ClaimAndTakeVerdict = { claim: 'replayed' | 'full' } | { claim: 'fresh'; rate: BucketVerdict };

export interface ClaimAndTake {
  claimAndTake(claim: ProofClaim, needs: readonly BucketNeed[], nowMs: number): Promise<ClaimAndTakeVerdict>;
}

/**
 * The two stores one after the other (two calls; for in-process stores that costs nothing).
 *
 * @example
 * ```ts
 * const meter = composeClaimAndTake(createMemoryReplayClaims(), memoryBucketStore(new TokenBuckets()));
 * ```
 */
export function composeClaimAndTake(replay: ReplayClaims, buckets: BucketStore): ClaimAndTake {
  return {
    async claimAndTake(claim, needs, nowMs) {
      const verdict: ClaimVerdict = await replay.claim(claim.key, claim.holder, claim.expiresAt, claim.now);
      if (verdict !== 'fresh') return { claim: verdict };
      return { claim: 'fresh', rate: await buckets.take(needs, nowMs) };
    },
  };
}
