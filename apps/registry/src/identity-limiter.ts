// Per-identity rate limit on published objects: a token bucket per signer, refilled continuously.
// Only objects that verified are charged, so nobody can spend another agent's allowance by sending
// forgeries in its name; an identity over its allowance is refused before any cryptography.
import { RegistryError } from './errors.js';

const MAX_BUCKETS = 100_000;

/**
 * A per-identity allowance: `check` before any cryptography (throws `RegistryError`
 * `aip_rate_limited` with `retryAfter`), `take` once the object verified. In one process
 * ({@link IdentityLimiter}) or shared by replicas (`SharedIdentityLimiter`, on Redis).
 *
 * @example
 * ```ts
 * await allowance.check(did, nowMs);
 * await allowance.take(did, nowMs);
 * ```
 */
export interface IdentityAllowance {
  check(did: string, nowMs: number): void | Promise<void>;
  take(did: string, nowMs: number): void | Promise<void>;
}

/**
 * Token buckets keyed by signer DID: `perMinute` objects a minute, bursts up to `perMinute`.
 *
 * @example
 * ```ts
 * const limiter = new IdentityLimiter(60);
 * limiter.check(did, Date.now()); // throws aip_rate_limited when empty
 * limiter.take(did, Date.now()); // after the object verified
 * ```
 */
export class IdentityLimiter implements IdentityAllowance {
  readonly #perMinute: number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(perMinute: number) {
    if (!(perMinute > 0)) throw new RangeError('perMinute must be positive');
    this.#perMinute = perMinute;
  }

  #level(did: string, nowMs: number): { tokens: number; at: number } {
    let bucket = this.#buckets.get(did);
    if (bucket === undefined) {
      if (this.#buckets.size >= MAX_BUCKETS) {
        // Drop the oldest tenth: an idle bucket has refilled anyway.
        let drop = MAX_BUCKETS / 10;
        for (const key of this.#buckets.keys()) {
          if (drop-- <= 0) break;
          this.#buckets.delete(key);
        }
      }
      bucket = { tokens: this.#perMinute, at: nowMs };
      this.#buckets.set(did, bucket);
    } else {
      bucket.tokens = Math.min(this.#perMinute, bucket.tokens + ((nowMs - bucket.at) / 60_000) * this.#perMinute);
      bucket.at = nowMs;
    }
    return bucket;
  }

  /** Throws `RegistryError` `aip_rate_limited` (with `retryAfter`) when `did` has no allowance left. */
  check(did: string, nowMs: number): void {
    const bucket = this.#level(did, nowMs);
    if (bucket.tokens < 1) {
      const retryAfter = Math.max(1, Math.ceil(((1 - bucket.tokens) * 60) / this.#perMinute));
      throw new RegistryError('aip_rate_limited', 'this identity publishes too fast; retry later', { retryAfter });
    }
  }

  /** Charges one object to `did`. */
  take(did: string, nowMs: number): void {
    this.#level(did, nowMs).tokens -= 1;
  }
}
