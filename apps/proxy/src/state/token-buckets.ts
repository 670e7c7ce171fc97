// Token buckets refilled continuously, taken from all at once or not at all. The table is bounded;
// only a bucket that has refilled completely — one that is worth nothing — is ever evicted, so a
// caller churning fresh keys can never reset anyone's limit (when every bucket is still in use,
// the new key is refused instead).

/** What one request needs from one bucket. */
export interface BucketNeed {
  key: string;
  perMinute: number;
  need: number;
  /** Named in the refusal (`principal`, `issuer`, `tool:search`). */
  reason: string;
}

export type BucketVerdict = { ok: true } | { ok: false; retryAfterSeconds: number; reason: string };

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

  // Room for one more bucket: evict refilled ones (oldest first) until there is.
  #room(nowMs: number): boolean {
    if (this.#buckets.size < this.#max) return true;
    for (const [key, bucket] of this.#buckets) {
      this.#level(bucket, nowMs);
      if (bucket.tokens >= bucket.perMinute) {
        this.#buckets.delete(key);
        if (this.#buckets.size < this.#max - this.#max / 100) break;
      }
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

  /** True when `key` could give `need` now (nothing is taken). */
  has(key: string, perMinute: number, need: number, nowMs: number): boolean {
    const bucket = this.#buckets.get(key);
    if (bucket === undefined) return need <= perMinute;
    this.#level(bucket, nowMs);
    return bucket.tokens >= need;
  }
}
