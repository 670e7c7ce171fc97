import { describe, expect, it } from 'vitest';
import { createAdmission } from '../src/state/admission.js';
import { createMemoryReplayClaims } from '../src/state/replay-claims.js';
import { createSessionSeal } from '../src/state/session-seal.js';
import { createMemoryTaskBindings } from '../src/state/task-bindings.js';
import { memoryBucketStore, TokenBuckets } from '../src/state/token-buckets.js';

describe('sealed session ids', () => {
  const seal = createSessionSeal(new Uint8Array(32).fill(1));

  it('open only for their principal, only as what they were sealed as, only until they expire', () => {
    const sealed = seal.seal('session', 'abc', 'aip alice', 1000);
    expect(sealed).not.toContain('abc');
    expect(seal.open('session', sealed, 'aip alice', 1500, 600)).toEqual({ ok: true, id: 'abc' });
    expect(seal.open('session', sealed, 'aip bob', 1500, 600)).toEqual({ ok: false, reason: 'forbidden' });
    expect(seal.open('event', sealed, 'aip alice', 1500, 600)).toEqual({ ok: false, reason: 'unknown' });
    expect(seal.open('session', sealed, 'aip alice', 1601, 600)).toEqual({ ok: false, reason: 'expired' });
  });

  it('open under the same secret in another process, never under another', () => {
    const sealed = seal.seal('session', 'abc', 'p', 1);
    expect(createSessionSeal(new Uint8Array(32).fill(1)).open('session', sealed, 'p', 1, 10)).toEqual({
      ok: true,
      id: 'abc',
    });
    expect(createSessionSeal(new Uint8Array(32).fill(2)).open('session', sealed, 'p', 1, 10)).toEqual({
      ok: false,
      reason: 'unknown',
    });
    for (const junk of ['', 'abc', 'x'.repeat(5000), `${sealed}!`])
      expect(seal.open('session', junk, 'p', 1, 10).ok).toBe(false);
    expect(() => createSessionSeal(new Uint8Array(16))).toThrow(RangeError);
  });
});

describe('token buckets', () => {
  it('never evict a bucket that has not refilled: churning fresh keys cannot reset a limit', () => {
    const buckets = new TokenBuckets(4);
    const take = (key: string, now: number) => buckets.take([{ key, perMinute: 5, need: 1, reason: key }], now);
    for (let i = 0; i < 5; i++) expect(take('issuer', 0).ok).toBe(true);
    expect(take('issuer', 0).ok).toBe(false);
    // Fresh keys fill the table; the spent bucket stays, so new keys are refused instead.
    let refused = 0;
    for (let i = 0; i < 50; i++) if (!take(`fresh-${i}`, 1).ok) refused++;
    expect(refused).toBeGreaterThan(40);
    expect(take('issuer', 2).ok).toBe(false);
    // Refilled buckets are worth nothing and make room.
    expect(take('fresh-x', 120_000).ok).toBe(true);
  });

  it('take from all at once or from none', () => {
    const buckets = new TokenBuckets();
    const needs = (n: number) => [
      { key: 'a', perMinute: 10, need: n, reason: 'a' },
      { key: 'b', perMinute: 2, need: n, reason: 'b' },
    ];
    expect(buckets.take(needs(2), 0).ok).toBe(true);
    expect(buckets.take(needs(1), 0)).toMatchObject({ ok: false, reason: 'b' });
    expect(buckets.has('a', 10, 8, 0)).toBe(true);
  });
});

describe('admission', () => {
  it('bounds requests and streams per grant and streams in all, and releases once', () => {
    const admission = createAdmission(() => ({ max_concurrent: 2, max_streams: 1, total_streams: 2 }));
    const a1 = admission.enter('a');
    const s1 = admission.enterStream('a');
    expect(admission.enterStream('a')).toBe('too many open streams for this principal');
    const a2 = admission.enter('a');
    expect(admission.enter('a')).toBe('too many requests in flight for this principal');
    const b = admission.enterStream('b');
    expect(admission.enterStream('c')).toBe('too many open streams');
    for (const release of [a1, s1, a2, b]) if (typeof release === 'function') release();
    if (typeof a1 === 'function') a1();
    expect(admission.inFlight()).toEqual({ requests: 0, streams: 0 });
  });
});

describe('replay claims', () => {
  it('claim an id once in its window, and keep each holder to its share', async () => {
    const claims = createMemoryReplayClaims({ maxEntries: 10, maxPerHolder: 3 });
    expect(await claims.claim('k1', 'h', 100, 0)).toBe('fresh');
    expect(await claims.claim('k1', 'h', 100, 50)).toBe('replayed');
    expect(await claims.claim('k1', 'h', 200, 101)).toBe('fresh');
    await claims.claim('k2', 'h', 100, 0);
    await claims.claim('k3', 'h', 100, 0);
    expect(await claims.claim('k4', 'h', 100, 0)).toBe('full');
    // Another holder is not locked out by the first one's claims.
    expect(await claims.claim('k5', 'other', 100, 0)).toBe('fresh');
  });
});

describe('task bindings', () => {
  it('bind a task to its creator; the first binding wins while it lives', async () => {
    const tasks = createMemoryTaskBindings();
    await tasks.bind('t', 'alice', 0, 10);
    await tasks.bind('t', 'mallory', 1, 10);
    expect(await tasks.owner('t', 5)).toBe('alice');
    expect(await tasks.owner('t', 11)).toBeUndefined();
    expect(await tasks.owner('other', 0)).toBeUndefined();
  });
});

describe('review regressions in the stores', () => {
  it('share one tool bucket among every tool a wildcard pattern matches, so invented names make no new buckets', async () => {
    const { createRateLimiter } = await import('../src/state/rate-limiter.js');
    const { fakeWorld } = await import('./helpers/fake-context.js');
    const world = fakeWorld({ rate_limit: { tool_per_minute: { 'tool:gpt.*': 2 } } });
    const limiter = createRateLimiter(() => world.config.rate_limit);
    const principal = world.principal(['*']);
    expect((await limiter.take(principal, ['tool:gpt.a'], 1, 0)).ok).toBe(true);
    expect((await limiter.take(principal, ['tool:gpt.b'], 1, 0)).ok).toBe(true);
    expect(await limiter.take(principal, ['tool:gpt.c'], 1, 0)).toMatchObject({ ok: false, reason: 'tool:gpt.*' });
  });

  it('keep requests without a credential limited even when the other table is full', async () => {
    const { createRateLimiter } = await import('../src/state/rate-limiter.js');
    const { fakeWorld } = await import('./helpers/fake-context.js');
    const world = fakeWorld({ rate_limit: { unauthenticated_per_minute: 1 } });
    const limiter = createRateLimiter(
      () => world.config.rate_limit,
      memoryBucketStore(new TokenBuckets(1)),
      new TokenBuckets(2),
    );
    limiter.chargeAnonymous('a', 0);
    expect(limiter.admitsAnonymous('a', 0)).toBe(false);
    limiter.chargeAnonymous('b', 0);
    // The address table is full of spent buckets: a new address is refused, not waved through.
    expect(limiter.admitsAnonymous('c', 0)).toBe(false);
  });

  it('count replay claims against the grant, so minting delegates buys no bigger share', async () => {
    const claims = createMemoryReplayClaims({ maxEntries: 100, maxPerHolder: 2 });
    expect(await claims.claim('delegate-1.j1', 'grant-m', 100, 0)).toBe('fresh');
    expect(await claims.claim('delegate-2.j1', 'grant-m', 100, 0)).toBe('fresh');
    expect(await claims.claim('delegate-3.j1', 'grant-m', 100, 0)).toBe('full');
    expect(await claims.claim('bob.j1', 'grant-b', 100, 0)).toBe('fresh');
    // Expired claims leave the holder's share as they expire.
    expect(await claims.claim('delegate-4.j1', 'grant-m', 300, 101)).toBe('fresh');
  });
});
