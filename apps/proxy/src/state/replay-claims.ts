// Proof ids claimed once (DESIGN §3, §5): a proof is accepted only if its id was never claimed in
// its acceptance window. Claims are made only for requests the proxy admits, and each holder (a
// grant: a root token and its delegates) may hold only a share of the store, so no caller can fill
// it for the others. Expired claims are swept a bounded amount at a time, never the whole store on
// one request. The store is an asynchronous seam: replicas share one (e.g. Redis SET NX).

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

const SWEEP = 1024;

/** One holder's keys in claim order (roughly expiry order), consumed from `head`. */
interface Queue {
  keys: string[];
  head: number;
}

/**
 * Claims in memory, bounded at `maxEntries` live ids, at most `maxPerHolder` of them one holder's.
 *
 * @example
 * ```ts
 * const claims = createMemoryReplayClaims();
 * await claims.claim(checked.replayKey, principal.grant, checked.replayUntil, now); // 'fresh'
 * ```
 */
export function createMemoryReplayClaims(options: { maxEntries?: number; maxPerHolder?: number } = {}): ReplayClaims {
  const max = options.maxEntries ?? 1_000_000;
  const perHolder = options.maxPerHolder ?? Math.max(1, Math.floor(max / 8));
  const seen = new Map<string, { expiresAt: number; holder: string }>();
  const held = new Map<string, number>();
  const queues = new Map<string, Queue>();

  function drop(key: string, holder: string): void {
    seen.delete(key);
    const n = (held.get(holder) ?? 1) - 1;
    if (n <= 0) {
      held.delete(holder);
      queues.delete(holder);
    } else held.set(holder, n);
  }

  // The holder's own expired claims, from the front of its queue.
  function sweepHolder(holder: string, now: number): void {
    const queue = queues.get(holder);
    if (queue === undefined) return;
    while (queue.head < queue.keys.length) {
      const key = queue.keys[queue.head] as string;
      const entry = seen.get(key);
      if (entry !== undefined && entry.holder === holder && entry.expiresAt > now) break;
      if (entry !== undefined && entry.holder === holder) drop(key, holder);
      queue.head++;
    }
    if (queue.head > SWEEP && queue.head * 2 > queue.keys.length) {
      queue.keys = queue.keys.slice(queue.head);
      queue.head = 0;
    }
  }

  // A bounded look at the oldest claims of the whole store.
  function sweepSome(now: number): void {
    let looked = 0;
    for (const [key, entry] of seen) {
      if (looked++ >= SWEEP) break;
      if (entry.expiresAt <= now) drop(key, entry.holder);
    }
  }

  function claim(key: string, holder: string, expiresAt: number, now: number): ClaimVerdict {
    const known = seen.get(key);
    if (known !== undefined) {
      if (known.expiresAt > now) return 'replayed';
      drop(key, known.holder);
    }
    sweepHolder(holder, now);
    if ((held.get(holder) ?? 0) >= perHolder) return 'full';
    if (seen.size >= max) {
      sweepSome(now);
      if (seen.size >= max) return 'full';
    }
    seen.set(key, { expiresAt, holder });
    held.set(holder, (held.get(holder) ?? 0) + 1);
    let queue = queues.get(holder);
    if (queue === undefined) {
      queue = { keys: [], head: 0 };
      queues.set(holder, queue);
    }
    queue.keys.push(key);
    return 'fresh';
  }

  return {
    claim: (key, holder, expiresAt, now) => Promise.resolve(claim(key, holder, expiresAt, now)),
  };
}
