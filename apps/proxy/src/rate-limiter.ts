// Rate limits and concurrency (`[rate_limit]`): token buckets per subject, per root issuer and per
// tool, refilled continuously; in-flight requests per subject. Streams are not counted.
import { scopeMatches } from '@aip/token';
import type { RateLimitConfig } from './config-features.js';
import type { Principal } from './principal.js';

interface Bucket {
  tokens: number;
  updated: number;
}

export type RateVerdict = { ok: true } | { ok: false; retryAfterSeconds: number; reason: string };

export interface RateLimiter {
  /** Takes one request from every bucket that applies, or none if any is empty. `nowMs` is a clock in ms. */
  take(principal: Principal, scopes: readonly string[], nowMs: number): RateVerdict;
  /** Counts one more in-flight request for the subject; `false` when at the limit. */
  enter(principal: Principal): boolean;
  leave(principal: Principal): void;
}

const MAX_BUCKETS = 100_000;

// The limit for a concrete scope: the most specific (longest) matching pattern wins.
function toolLimit(limits: Map<string, number>, scope: string): number | undefined {
  let best: string | undefined;
  for (const pattern of limits.keys())
    if (scopeMatches(pattern, scope) && (best === undefined || pattern.length > best.length)) best = pattern;
  return best === undefined ? undefined : limits.get(best);
}

export function createRateLimiter(config: RateLimitConfig): RateLimiter {
  const buckets = new Map<string, Bucket>();
  const inFlight = new Map<string, number>();

  function level(key: string, perMinute: number, nowMs: number): Bucket {
    let bucket = buckets.get(key);
    if (bucket === undefined) {
      if (buckets.size >= MAX_BUCKETS) {
        // Drop the oldest tenth; an idle bucket would have refilled anyway.
        let drop = MAX_BUCKETS / 10;
        for (const k of buckets.keys()) {
          if (drop-- <= 0) break;
          buckets.delete(k);
        }
      }
      bucket = { tokens: perMinute, updated: nowMs };
      buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(perMinute, bucket.tokens + ((nowMs - bucket.updated) / 60_000) * perMinute);
      bucket.updated = nowMs;
    }
    return bucket;
  }

  return {
    take(principal, scopes, nowMs) {
      const wanted: [string, number, string][] = [];
      if (config.principalPerMinute !== undefined)
        wanted.push([`s ${principal.subject}`, config.principalPerMinute, 'subject']);
      if (config.issuerPerMinute !== undefined)
        wanted.push([`i ${principal.issuer}`, config.issuerPerMinute, 'issuer']);
      for (const scope of scopes) {
        const limit = toolLimit(config.toolPerMinute, scope);
        if (limit !== undefined) wanted.push([`t ${scope}`, limit, scope]);
      }
      const levels = wanted.map(([key, perMinute]) => level(key, perMinute, nowMs));
      for (let i = 0; i < levels.length; i++) {
        const bucket = levels[i] as Bucket;
        if (bucket.tokens < 1) {
          const [, perMinute, reason] = wanted[i] as [string, number, string];
          return {
            ok: false,
            retryAfterSeconds: Math.max(1, Math.ceil(((1 - bucket.tokens) * 60) / perMinute)),
            reason,
          };
        }
      }
      for (const bucket of levels) bucket.tokens -= 1;
      return { ok: true };
    },
    enter(principal) {
      if (config.maxConcurrent === undefined) return true;
      const n = inFlight.get(principal.subject) ?? 0;
      if (n >= config.maxConcurrent) return false;
      inFlight.set(principal.subject, n + 1);
      return true;
    },
    leave(principal) {
      if (config.maxConcurrent === undefined) return;
      const n = (inFlight.get(principal.subject) ?? 1) - 1;
      if (n <= 0) inFlight.delete(principal.subject);
      else inFlight.set(principal.subject, n);
    },
  };
}
