// Rate limits (`[rate_limit]`): token buckets per grant (a root token and every delegation made
// from it), per root issuer and per tool, all taken at once or not at all; request body bytes per
// grant; and per client address for requests that carry no valid credential. An asynchronous
// seam: replicas share the grant, issuer and tool buckets (one Redis script per request) through
// the same interface; body bytes and addresses guard each process and stay its own.
import { scopeMatches } from '@aip/token';
import type { ProxyConfig } from '../config/sections.js';
import type { Principal } from '../principal.js';
import type { BucketNeed, BucketStore } from './bucket-store.js';
import { type BucketVerdict, memoryBucketStore, TokenBuckets } from './token-buckets.js';

export type RateVerdict = BucketVerdict;

export interface RateLimiter {
  /** What a request of `messages` JSON-RPC messages calling `scopes` needs from each bucket. */
  needs(principal: Principal, scopes: readonly string[], messages: number): BucketNeed[];
  /**
   * Takes what a request of `messages` JSON-RPC messages (a batch counts each) calling `scopes`
   * needs from every bucket that applies, or nothing if any bucket is short.
   */
  take(principal: Principal, scopes: readonly string[], messages: number, nowMs: number): Promise<RateVerdict>;
  /** Takes `bytes` of request body from the grant's byte bucket (before the body is read). */
  takeBytes(principal: Principal, bytes: number, nowMs: number): RateVerdict;
  /** The body bytes the grant may still send now (for a body of unknown length). */
  bytesAvailable(principal: Principal, nowMs: number): number;
  /** Could the principal's own buckets (grant, issuer) give one request now? Nothing is taken. */
  admits(principal: Principal, nowMs: number): Promise<RateVerdict>;
  /** May a request without a valid credential from `address` be looked at? (Nothing is taken.) */
  admitsAnonymous(address: string, nowMs: number): boolean;
  /** Counts one request without a valid credential from `address`. */
  chargeAnonymous(address: string, nowMs: number): void;
}

// The pattern limiting a concrete scope: the most specific (longest) matching one. Its bucket is
// shared by every tool it matches, so callers cannot make new buckets by inventing tool names.
function toolPattern(limits: ReadonlyMap<string, number>, scope: string): string | undefined {
  let best: string | undefined;
  for (const pattern of limits.keys())
    if (scopeMatches(pattern, scope) && (best === undefined || pattern.length > best.length)) best = pattern;
  return best;
}

/**
 * The limiter: its buckets in memory (one proxy process) or in a shared store (replicas). Limits
 * on callers without a valid credential are always per process (they guard the process itself).
 *
 * @example
 * ```ts
 * const limiter = createRateLimiter(() => config.rate_limit);
 * const verdict = await limiter.take(principal, ['tool:search'], 1, Date.now());
 * ```
 */
export function createRateLimiter(
  limits: () => ProxyConfig['rate_limit'],
  buckets: BucketStore = memoryBucketStore(new TokenBuckets()),
  // Addresses have their own table: filling it never disables the other limits, and a full one
  // refuses requests without a credential rather than letting them through.
  addresses = new TokenBuckets(),
  // Body bytes bound the parsing each process does: always this process's own buckets, so a
  // request's body costs no round trip to a shared store (and no wait at all).
  bodies = new TokenBuckets(),
): RateLimiter {
  const needsOf = (principal: Principal, scopes: readonly string[], messages: number): BucketNeed[] => {
    const config = limits();
    const needs = new Map<string, BucketNeed>();
    const add = (key: string, perMinute: number | undefined, need: number, reason: string) => {
      if (perMinute === undefined) return;
      const entry = needs.get(key);
      if (entry === undefined) needs.set(key, { key, perMinute, need, reason });
      else entry.need += need;
    };
    add(`g ${principal.grant}`, config.principal_per_minute, messages, 'principal');
    add(`i ${principal.issuer}`, config.issuer_per_minute, messages, 'issuer');
    for (const scope of scopes) {
      const pattern = toolPattern(config.tool_per_minute, scope);
      if (pattern !== undefined) add(`t ${pattern}`, config.tool_per_minute.get(pattern), 1, pattern);
    }
    return [...needs.values()];
  };
  return {
    needs: needsOf,
    take(principal, scopes, messages, nowMs) {
      return buckets.take(needsOf(principal, scopes, messages), nowMs);
    },
    takeBytes(principal, bytes, nowMs) {
      const perMinute = limits().body_bytes_per_minute;
      const need = Math.min(bytes, perMinute);
      return bodies.take([{ key: `b ${principal.grant}`, perMinute, need, reason: 'body bytes' }], nowMs);
    },
    bytesAvailable(principal, nowMs) {
      return bodies.available(`b ${principal.grant}`, limits().body_bytes_per_minute, nowMs);
    },
    async admits(principal, nowMs) {
      const config = limits();
      const [grant, issuer] = await Promise.all([
        config.principal_per_minute === undefined
          ? 0
          : buckets.waitSeconds(`g ${principal.grant}`, config.principal_per_minute, 1, nowMs),
        config.issuer_per_minute === undefined
          ? 0
          : buckets.waitSeconds(`i ${principal.issuer}`, config.issuer_per_minute, 1, nowMs),
      ]);
      const wait = Math.max(grant, issuer);
      return wait === 0 ? { ok: true } : { ok: false, retryAfterSeconds: wait, reason: 'principal' };
    },
    admitsAnonymous(address, nowMs) {
      return addresses.admitsNew(address, limits().unauthenticated_per_minute, nowMs);
    },
    chargeAnonymous(address, nowMs) {
      const perMinute = limits().unauthenticated_per_minute;
      addresses.take([{ key: address, perMinute, need: 1, reason: 'address' }], nowMs);
    },
  };
}
