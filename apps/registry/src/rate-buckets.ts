// Token buckets shared by replicas (per-address and per-identity limits on Redis): `perMinute`
// tokens a minute, bursts up to `perMinute`, refilled continuously. The in-process limits of a
// single registry are @fastify/rate-limit and the IdentityLimiter; these are their shared form.

/**
 * Buckets keyed by a string. Every method answers a Retry-After in seconds, 0 when allowed.
 *
 * @example
 * ```ts
 * const wait = await buckets.hit(`ip:${address}`, 1200, Date.now());
 * if (wait > 0) throw new RegistryError('aip_rate_limited', 'slow down', { retryAfter: wait });
 * ```
 */
export interface RateBuckets {
  /** Whether a token is left, without taking it. */
  peek(key: string, perMinute: number, nowMs: number): Promise<number>;
  /** Takes a token (a bucket may go below zero: the next peek waits for it). */
  take(key: string, perMinute: number, nowMs: number): Promise<void>;
  /** Takes a token if one is left, atomically. */
  hit(key: string, perMinute: number, nowMs: number): Promise<number>;
}
