// Proof ids claimed once (DESIGN §3, §5): a proof is accepted only if its id was never claimed in
// its acceptance window. Claims are made only for requests the proxy admits, and each holder may
// hold only a share of the store, so no caller can fill it for the others. The store is an
// asynchronous seam: replicas share one (e.g. Redis SET NX) through the same interface.

/** The outcome of a claim. */
export type ClaimVerdict = 'fresh' | 'replayed' | 'full';

/** Where proof ids are claimed. */
export interface ReplayClaims {
  /**
   * Claims `key` for `holder` until `expiresAt` (Unix seconds). `replayed` when already claimed;
   * `full` fails closed (the store, or this holder's share of it, is full of live claims).
   */
  claim(key: string, holder: string, expiresAt: number, now: number): Promise<ClaimVerdict>;
}

/**
 * Claims in memory, bounded at `maxEntries` live ids, at most `maxPerHolder` of them one holder's.
 * Expired ids are swept as new ones arrive.
 *
 * @example
 * ```ts
 * const claims = createMemoryReplayClaims();
 * await claims.claim(checked.replayKey, principal.subject, checked.replayUntil, now); // 'fresh'
 * ```
 */
export function createMemoryReplayClaims(options: { maxEntries?: number; maxPerHolder?: number } = {}): ReplayClaims {
  const max = options.maxEntries ?? 1_000_000;
  const perHolder = options.maxPerHolder ?? Math.max(1, Math.floor(max / 8));
  const seen = new Map<string, { expiresAt: number; holder: string }>();
  const held = new Map<string, number>();
  let inserts = 0;

  function drop(key: string, holder: string): void {
    seen.delete(key);
    const n = (held.get(holder) ?? 1) - 1;
    if (n <= 0) held.delete(holder);
    else held.set(holder, n);
  }

  function sweep(now: number, all: boolean): void {
    // Insertion order roughly follows expiry: stop at the first live entry unless asked for all.
    for (const [key, entry] of seen) {
      if (entry.expiresAt <= now) drop(key, entry.holder);
      else if (!all) break;
    }
  }

  function claim(key: string, holder: string, expiresAt: number, now: number): ClaimVerdict {
    const known = seen.get(key);
    if (known !== undefined) {
      if (known.expiresAt > now) return 'replayed';
      drop(key, known.holder);
    }
    if (++inserts % 1024 === 0) sweep(now, false);
    if (seen.size >= max || (held.get(holder) ?? 0) >= perHolder) {
      sweep(now, true);
      if (seen.size >= max || (held.get(holder) ?? 0) >= perHolder) return 'full';
    }
    seen.set(key, { expiresAt, holder });
    held.set(holder, (held.get(holder) ?? 0) + 1);
    return 'fresh';
  }

  return {
    claim: (key, holder, expiresAt, now) => Promise.resolve(claim(key, holder, expiresAt, now)),
  };
}
