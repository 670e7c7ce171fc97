// Token buckets refilled continuously, taken from all at once or not at all. The table is bounded;
// only a bucket that has refilled completely — one that is worth nothing — is ever evicted, so a
// caller churning fresh keys can never reset anyone's limit (when every bucket is still in use,
// the new key is refused instead).

import type { BucketNeed, BucketStore, BucketVerdict } from './bucket-store.js';

export type { BucketNeed, BucketVerdict } from './bucket-store.js';

// Buckets looked at for room per new key: the table is never scanned whole on a request.
const SCAN = 256;

interface Bucket {
  tokens: number;
  updated: number;
  perMinute: number;
}

/** A bounded table of token buckets. */
export class TokenBuckets {
  readonly #buckets = new Map<string, Bucket>();
  readonly #max: number;

  constructor(maxBuckets = 100_000) {
    this.#max = maxBuckets;
  }

  #level(bucket: Bucket, nowMs: number): void {
    bucket.tokens = Math.min(bucket.perMinute, bucket.tokens + ((nowMs - bucket.updated) / 60_000) * bucket.perMinute);
    bucket.updated = nowMs;
  }

  // Room for one more bucket: look at a bounded number of the oldest buckets, evict those that
  // have refilled, and move the others to the back, so the next look sees different ones.
  #room(nowMs: number): boolean {
    if (this.#buckets.size < this.#max) return true;
    let looked = 0;
    for (const [key, bucket] of this.#buckets) {
      if (looked++ >= SCAN) break;
      this.#buckets.delete(key);
      this.#level(bucket, nowMs);
      if (bucket.tokens < bucket.perMinute) this.#buckets.set(key, bucket);
    }
    return this.#buckets.size < this.#max;
  }

  /**
   * Takes every need, or nothing if any bucket is short.
   *
   * @example
   * ```ts
   * buckets.take([{ key: 'g abc', perMinute: 60, need: 1, reason: 'principal' }], Date.now());
   * ```
   */
  take(needs: readonly BucketNeed[], nowMs: number): BucketVerdict {
    const levels: [Bucket, number][] = [];
    for (const { key, perMinute, need, reason } of needs) {
      if (need > perMinute)
        return {
          ok: false,
          retryAfterSeconds: 60,
          reason: `${reason}: ${need} at once is more than the ${perMinute}/min limit`,
        };
      let bucket = this.#buckets.get(key);
      if (bucket === undefined) {
        if (!this.#room(nowMs)) return { ok: false, retryAfterSeconds: 1, reason: 'too many callers at once' };
        bucket = { tokens: perMinute, updated: nowMs, perMinute };
        this.#buckets.set(key, bucket);
      } else {
        bucket.perMinute = perMinute;
        this.#level(bucket, nowMs);
      }
      if (bucket.tokens < need)
        return {
          ok: false,
          retryAfterSeconds: Math.max(1, Math.ceil(((need - bucket.tokens) * 60) / perMinute)),
          reason,
        };
      levels.push([bucket, need]);
    }
    for (const [bucket, need] of levels) bucket.tokens -= need;
    return { ok: true };
  }

  /**
   * True when `key` could give one token now, counting a key without a bucket only if the table
   * has room for it (nothing is taken).
   */
  admitsNew(key: string, perMinute: number, nowMs: number): boolean {
    if (!this.#buckets.has(key) && !this.#room(nowMs)) return false;
    return this.has(key, perMinute, 1, nowMs);
  }

  /** True when `key` could give `need` now (nothing is taken). */
  has(key: string, perMinute: number, need: number, nowMs: number): boolean {
    return this.waitSeconds(key, perMinute, need, nowMs) === 0;
  }

  /** What `key` could give now (a full bucket for a key not seen yet). Nothing is taken. */
  available(key: string, perMinute: number, nowMs: number): number {
    const bucket = this.#buckets.get(key);
    if (bucket === undefined) return perMinute;
    bucket.perMinute = perMinute;
    this.#level(bucket, nowMs);
    return Math.floor(bucket.tokens);
  }

  /** Whole seconds until `key` could give `need` (0: now). Nothing is taken. */
  waitSeconds(key: string, perMinute: number, need: number, nowMs: number): number {
    const bucket = this.#buckets.get(key);
    if (bucket === undefined) return need <= perMinute ? 0 : 60;
    bucket.perMinute = perMinute;
    this.#level(bucket, nowMs);
    return bucket.tokens >= need ? 0 : Math.max(1, Math.ceil(((need - bucket.tokens) * 60) / perMinute));
  }
}

/**
 * A process's buckets as a {@link BucketStore}.
 *
 * @example
 * ```ts
 * const limiter = createRateLimiter(() => config.rate_limit, memoryBucketStore(new TokenBuckets()));
 * ```
 */
export function memoryBucketStore(buckets: TokenBuckets): BucketStore {
  return {
    take: (needs, nowMs) => Promise.resolve(buckets.take(needs, nowMs)),
    available: (key, perMinute, nowMs) => Promise.resolve(buckets.available(key, perMinute, nowMs)),
    waitSeconds: (key, perMinute, need, nowMs) => Promise.resolve(buckets.waitSeconds(key, perMinute, need, nowMs)),
  };
}
