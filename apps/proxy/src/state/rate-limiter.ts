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
  /**
   * Takes what a request of `messages` JSON-RPC messages (a batch counts each) calling `scopes`
   * needs from every bucket that applies, or nothing if any bucket is short. `nowMs` is a clock in ms.
   */
  take(principal: Principal, scopes: readonly string[], messages: number, nowMs: number): RateVerdict;
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
    take(principal, scopes, messages, nowMs) {
      // What this request needs from each bucket: one per message from the principal's buckets,
      // one per call from each tool's bucket. Nothing is taken unless every bucket can give it.
      const needs = new Map<string, { need: number; perMinute: number; reason: string }>();
      const add = (key: string, perMinute: number | undefined, need: number, reason: string) => {
        if (perMinute === undefined) return;
        const entry = needs.get(key);
        if (entry === undefined) needs.set(key, { need, perMinute, reason });
        else entry.need += need;
      };
      add(`s ${principal.subject}`, config.principalPerMinute, messages, 'subject');
      add(`i ${principal.issuer}`, config.issuerPerMinute, messages, 'issuer');
      for (const scope of scopes) add(`t ${scope}`, toolLimit(config.toolPerMinute, scope), 1, scope);
      const levels: [Bucket, number][] = [];
      for (const [key, { need, perMinute, reason }] of needs) {
        if (need > perMinute)
          return {
            ok: false,
            retryAfterSeconds: 60,
            reason: `${reason}: ${need} at once is more than the ${perMinute}/min limit`,
          };
        const bucket = level(key, perMinute, nowMs);
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
