// Remembering proof ids for their acceptance window, so a captured proof cannot be sent twice.

/** The outcome of {@link ReplayCache.remember}. */
export type ReplayVerdict = 'fresh' | 'replayed' | 'full';

/** A store of seen proof ids; replace the in-memory one to share it between replicas. */
export interface ReplayCache {
  /** Records `key` until `expiresAt` (Unix seconds). `replayed` when already recorded; `full` fails closed. */
  remember(key: string, expiresAt: number, now: number): ReplayVerdict;
}

/**
 * An in-memory replay cache bounded at `maxEntries` (default 1 000 000); expired ids are swept as
 * new ones arrive. When full of live ids it refuses new proofs rather than forget old ones.
 *
 * @example
 * ```ts
 * const replayCache = createMemoryReplayCache();
 * verifyProof(proof, { ...request, replayCache });
 * ```
 */
export function createMemoryReplayCache(options: { maxEntries?: number } = {}): ReplayCache {
  const max = options.maxEntries ?? 1_000_000;
  const seen = new Map<string, number>();
  let inserts = 0;

  function sweep(now: number, all: boolean): void {
    // Insertion order roughly follows expiry: stop at the first live entry unless asked for all.
    for (const [key, expiresAt] of seen) {
      if (expiresAt <= now) seen.delete(key);
      else if (!all) break;
    }
  }

  return {
    remember(key, expiresAt, now) {
      const known = seen.get(key);
      if (known !== undefined && known > now) return 'replayed';
      if (++inserts % 1024 === 0) sweep(now, false);
      if (seen.size >= max) {
        sweep(now, true);
        if (seen.size >= max) return 'full';
      }
      seen.delete(key);
      seen.set(key, expiresAt);
      return 'fresh';
    },
  };
}
