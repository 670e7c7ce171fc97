// The registry's two limits over shared buckets (Redis): per client address on every request but
// health checks, per signing identity on published objects, the same across all replicas.
import type { FastifyInstance } from 'fastify';
import { RegistryError } from './errors.js';
import type { IdentityAllowance } from './identity-limiter.js';
import type { RateBuckets } from './rate-buckets.js';

/**
 * The per-identity allowance over shared buckets: checked before any cryptography, charged once
 * the object verified (as {@link IdentityLimiter} does in one process).
 *
 * @example
 * ```ts
 * const limit = new SharedIdentityLimiter(buckets, 120);
 * await limit.check(did, Date.now());
 * ```
 */
export class SharedIdentityLimiter implements IdentityAllowance {
  readonly #buckets: RateBuckets;
  readonly #perMinute: number;

  constructor(buckets: RateBuckets, perMinute: number) {
    if (!(perMinute > 0)) throw new RangeError('perMinute must be positive');
    this.#buckets = buckets;
    this.#perMinute = perMinute;
  }

  async check(did: string, nowMs: number): Promise<void> {
    const retryAfter = await this.#buckets.peek(`identity:${did}`, this.#perMinute, nowMs);
    if (retryAfter > 0) {
      throw new RegistryError('aip_rate_limited', 'this identity publishes too fast; retry later', { retryAfter });
    }
  }

  take(did: string, nowMs: number): Promise<void> {
    return this.#buckets.take(`identity:${did}`, this.#perMinute, nowMs);
  }
}

/**
 * Limits every request but those whose route says `config: { rateLimit: false }` to `perMinute`
 * per client address, over shared buckets. Installed on the root instance before the routes.
 *
 * @example
 * ```ts
 * installAddressLimit(app, buckets, 1200, () => Date.now());
 * ```
 */
export function installAddressLimit(
  app: FastifyInstance,
  buckets: RateBuckets,
  perMinute: number,
  nowMs: () => number,
): void {
  app.addHook('onRequest', async (request) => {
    const config = request.routeOptions.config as { rateLimit?: unknown } | undefined;
    if (config?.rateLimit === false) return;
    const retryAfter = await buckets.hit(`ip:${request.ip}`, perMinute, nowMs());
    if (retryAfter > 0) {
      throw new RegistryError('aip_rate_limited', `too many requests from this address; retry in ${retryAfter} s`, {
        retryAfter,
      });
    }
  });
}
