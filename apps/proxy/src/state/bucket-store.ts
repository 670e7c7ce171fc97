// Where rate-limit buckets live (DESIGN §9): in the process (`TokenBuckets`) or shared by replicas
// (`createRedisBucketStore`, one atomic script per request). Buckets refill continuously, at most
// `perMinute` tokens, and a request takes from all of its buckets at once or from none.

/** What one request needs from one bucket. */
export interface BucketNeed {
  key: string;
  perMinute: number;
  need: number;
  /** Named in the refusal (`principal`, `issuer`, `tool:search`). */
  reason: string;
}

export type BucketVerdict = { ok: true } | { ok: false; retryAfterSeconds: number; reason: string };

/** The asynchronous seam of the rate limiter. */
export interface BucketStore {
  /** Takes every need, or nothing if any bucket is short. */
  take(needs: readonly BucketNeed[], nowMs: number): Promise<BucketVerdict>;
  /** What `key` could give now (a full bucket for a key not seen yet). Nothing is taken. */
  available(key: string, perMinute: number, nowMs: number): Promise<number>;
  /** Whole seconds until `key` could give `need` (0: now). Nothing is taken. */
  waitSeconds(key: string, perMinute: number, need: number, nowMs: number): Promise<number>;
}
