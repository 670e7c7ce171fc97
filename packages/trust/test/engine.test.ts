import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createRevocation,
  openTrustEngine,
  openTrustStore,
  TrustError,
  verifyRevocation,
  vouchId,
} from '../src/index.js';
import { type agent, agents, memoryEngine, NOW, storeRevocation, storeVouch, tempDir, vouch } from './helpers.js';

const [a, b, c, d, e, f] = agents(6) as [
  ReturnType<typeof agent>,
  ReturnType<typeof agent>,
  ReturnType<typeof agent>,
  ReturnType<typeof agent>,
  ReturnType<typeof agent>,
  ReturnType<typeof agent>,
];

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(async () => {
  await cleanup();
});

describe('path trust', () => {
  it('is the weight for one hop and decays by 0.8 per extra hop', () => {
    const { store, engine } = memoryEngine();
    storeVouch(store, vouch(a, b, { weight: 0.9 }));
    storeVouch(store, vouch(b, c, { weight: 0.5 }));
    storeVouch(store, vouch(c, d));
    storeVouch(store, vouch(d, e));
    storeVouch(store, vouch(e, f));
    expect(engine.score(b.did, { from: a.did, now: NOW })).toEqual({
      score: 0.9,
      corroboration: 1,
      hops: 1,
      path: [a.did, b.did],
    });
    expect(engine.score(c.did, { from: a.did, now: NOW })).toMatchObject({ score: 0.36, hops: 2 });
    expect(engine.score(e.did, { from: a.did, now: NOW })).toMatchObject({
      score: Math.round(0.9 * 0.5 * 0.8 ** 3 * 1e6) / 1e6,
      hops: 4,
      path: [a.did, b.did, c.did, d.did, e.did],
    });
    // Five hops is beyond the bound.
    expect(engine.score(f.did, { from: a.did, now: NOW })).toEqual({ score: 0, corroboration: 0, hops: 0, path: [] });
  });

  it('is directional: a vouch says nothing about the voucher', () => {
    const { store, engine } = memoryEngine();
    storeVouch(store, vouch(a, b));
    expect(engine.score(a.did, { from: b.did, now: NOW }).score).toBe(0);
  });

  it('takes the best chain, not the shortest, and shows the vouches behind it', () => {
    const { store, engine } = memoryEngine();
    storeVouch(store, vouch(a, d, { weight: 0.3 }));
    const ab = storeVouch(store, vouch(a, b, { weight: 1 }));
    const bd = storeVouch(store, vouch(b, d, { weight: 0.9 }));
    storeVouch(store, vouch(b, d, { weight: 0.2 }));
    const result = engine.path(d.did, { from: a.did, now: NOW });
    expect(result).toMatchObject({ score: 0.72, hops: 2, path: [a.did, b.did, d.did], corroboration: 2 });
    expect(result.vouches).toEqual([
      { id: ab, voucher: a.did, subject: b.did, scope: '*', weight: 1 },
      { id: bd, voucher: b.did, subject: d.did, scope: '*', weight: 0.9 },
    ]);
  });

  it('gives an agent full trust in itself and none in strangers', () => {
    const { engine } = memoryEngine();
    expect(engine.score(a.did, { from: a.did, now: NOW })).toEqual({
      score: 1,
      corroboration: 0,
      hops: 0,
      path: [a.did],
    });
    expect(engine.score(b.did, { from: a.did, now: NOW }).score).toBe(0);
  });

  it('refuses malformed queries with typed errors', () => {
    const { engine } = memoryEngine();
    expect(() => engine.score('bob', { from: a.did })).toThrow(TrustError);
    expect(() => engine.score(b.did, { from: 'x' })).toThrow(
      expect.objectContaining({ code: 'aip_identity_unresolvable' }),
    );
    expect(() => engine.score(b.did, { from: a.did, scope: 'tool:x y' })).toThrow(
      expect.objectContaining({ code: 'aip_scope_invalid' }),
    );
  });

  it('ignores expired vouches at query time', () => {
    const { store, engine } = memoryEngine();
    storeVouch(store, vouch(a, b, { ttl: 1000, now: NOW }));
    expect(engine.score(b.did, { from: a.did, now: NOW + 999 }).score).toBe(1);
    expect(engine.score(b.did, { from: a.did, now: NOW + 1000 }).score).toBe(0);
  });

  it('sees a new vouch and a revocation on the very next query', () => {
    const { store, engine } = memoryEngine();
    const id = storeVouch(store, vouch(a, b, { weight: 0.5 }));
    expect(engine.score(b.did, { from: a.did, now: NOW }).score).toBe(0.5);
    const better = storeVouch(store, vouch(a, c));
    storeVouch(store, vouch(c, b));
    expect(engine.score(b.did, { from: a.did, now: NOW })).toMatchObject({ score: 0.8, hops: 2, corroboration: 2 });
    storeRevocation(store, a, better);
    storeRevocation(store, a, id);
    expect(engine.score(b.did, { from: a.did, now: NOW }).score).toBe(0);
  });
});

describe('scopes', () => {
  it('counts a vouch only where its scope covers the query, with no implicit inheritance', () => {
    const { store, engine } = memoryEngine();
    storeVouch(store, vouch(a, b, { scope: 'tool:search' }));
    storeVouch(store, vouch(b, c, { scope: 'tool:*' }));
    storeVouch(store, vouch(a, d, { scope: 'tool:github.create_issue' }));
    const q = (to: string, scope: string) => engine.score(to, { from: a.did, scope, now: NOW }).score;
    expect(q(b.did, 'tool:search')).toBe(1);
    expect(q(c.did, 'tool:search')).toBe(0.8); // tool:* covers tool:search on the second hop
    expect(q(b.did, 'tool:search_v2')).toBe(0);
    expect(q(b.did, 'tool:*')).toBe(0); // trust for one tool is not trust for all tools
    expect(q(b.did, '*')).toBe(0);
    expect(q(c.did, 'resource:x')).toBe(0);
    expect(q(d.did, 'tool:github.create_issue')).toBe(1);
    expect(q(d.did, 'tool:github.*')).toBe(0);
    storeVouch(store, vouch(a, e, { scope: '*' }));
    expect(q(e.did, 'resource:file:///etc/hosts')).toBe(1);
  });
});

describe('corroboration', () => {
  it('counts vertex-disjoint chains within 4 hops, capped', () => {
    const { store, engine } = memoryEngine();
    const middle = agents(12, 'm');
    storeVouch(store, vouch(a, f));
    for (const m of middle) {
      storeVouch(store, vouch(a, m));
      storeVouch(store, vouch(m, f, { weight: 0.5 }));
    }
    expect(engine.score(f.did, { from: a.did, now: NOW }).corroboration).toBe(8);
    expect(engine.score(f.did, { from: a.did, now: NOW, corroborationCap: 20 }).corroboration).toBe(13);
    expect(engine.score(f.did, { from: a.did, now: NOW, corroborationCap: 0 }).corroboration).toBe(0);
  });

  it('does not count chains that share an agent', () => {
    const { store, engine } = memoryEngine();
    // a -> b -> {c, d} -> e: every chain passes through b.
    storeVouch(store, vouch(a, b));
    storeVouch(store, vouch(b, c));
    storeVouch(store, vouch(b, d));
    storeVouch(store, vouch(c, e));
    storeVouch(store, vouch(d, e));
    expect(engine.score(e.did, { from: a.did, now: NOW })).toMatchObject({ corroboration: 1, hops: 3 });
  });
});

describe('index lifecycle', () => {
  it('loads from its snapshot and catches up with what was written after it', async () => {
    const file = path.join(dir, 'trust.db');
    let store = openTrustStore({ path: file });
    let engine = openTrustEngine(store);
    const ab = storeVouch(store, vouch(a, b));
    storeVouch(store, vouch(b, c, { weight: 0.5 }));
    expect(engine.stats().loadedFrom).toBe('rebuilt');
    await engine.saveSnapshot();
    // Written after the snapshot: a new vouch and a revocation of a snapshotted one.
    storeVouch(store, vouch(a, d));
    storeRevocation(store, a, ab);
    engine.close();
    store.close();

    store = openTrustStore({ path: file });
    engine = openTrustEngine(store);
    expect(engine.stats().loadedFrom).toBe('snapshot');
    expect(engine.score(d.did, { from: a.did, now: NOW }).score).toBe(1);
    expect(engine.score(c.did, { from: a.did, now: NOW }).score).toBe(0);
    expect(engine.stats().vouches).toBe(2);
    engine.close();
    store.close();
  });

  it('ignores a snapshot written for another database', async () => {
    const first = openTrustStore({ path: path.join(dir, 'one.db') });
    storeVouch(first, vouch(a, b));
    const snapshot = path.join(dir, 'shared.idx');
    await openTrustEngine(first, { snapshot }).saveSnapshot();
    const second = openTrustStore({ path: path.join(dir, 'two.db') });
    storeVouch(second, vouch(c, d));
    const engine = openTrustEngine(second, { snapshot });
    expect(engine.stats().loadedFrom).toBe('rebuilt');
    expect(engine.score(b.did, { from: a.did, now: NOW }).score).toBe(0);
    expect(engine.score(d.did, { from: c.did, now: NOW }).score).toBe(1);
  });

  it('rebuilds instead of trusting a damaged snapshot', async () => {
    const file = path.join(dir, 'trust.db');
    const store = openTrustStore({ path: file });
    storeVouch(store, vouch(a, b, { weight: 0.5 }));
    await openTrustEngine(store).saveSnapshot();
    const bytes = await fs.readFile(`${file}.idx`);
    await fs.writeFile(`${file}.idx`, bytes.subarray(0, bytes.length - 8));
    const truncated = openTrustEngine(store);
    expect(truncated.stats().loadedFrom).toBe('rebuilt');
    expect(truncated.score(b.did, { from: a.did, now: NOW }).score).toBe(0.5);
    await fs.writeFile(`${file}.idx`, 'garbage');
    expect(openTrustEngine(store).stats().loadedFrom).toBe('rebuilt');
  });

  it('never reuses a revocation sequence number, so a later revocation is not missed', () => {
    const { store, engine } = memoryEngine();
    const v = vouch(a, b);
    // A foreign revocation arrives first and is the newest row; the engine syncs past it.
    store.add({ kind: 'revocation', ...verifyRevocation(createRevocation(e, vouchId(v), { now: NOW }), { now: NOW }) });
    expect(engine.score(b.did, { from: a.did, now: NOW }).score).toBe(0);
    const id = storeVouch(store, v); // drops the foreign revocation
    expect(engine.score(b.did, { from: a.did, now: NOW }).score).toBe(1);
    storeRevocation(store, a, id);
    expect(engine.score(b.did, { from: a.did, now: NOW }).score).toBe(0);
  });

  it("sees another connection's commits on the next query", () => {
    const file = path.join(dir, 'trust.db');
    const reader = openTrustStore({ path: file });
    const engine = openTrustEngine(reader);
    expect(engine.score(b.did, { from: a.did, now: NOW }).score).toBe(0);
    const writer = openTrustStore({ path: file });
    const id = storeVouch(writer, vouch(a, b));
    expect(engine.score(b.did, { from: a.did, now: NOW }).score).toBe(1);
    storeRevocation(writer, a, id);
    expect(engine.score(b.did, { from: a.did, now: NOW }).score).toBe(0);
    writer.close();
    reader.close();
  });

  it('gives the same answers before and after merging the delta overlay, at under 25 bytes per vouch', async () => {
    const { store, engine } = memoryEngine();
    const pool = agents(40, 'n');
    let k = 0;
    for (let i = 0; i < pool.length; i++) {
      for (let j = 1; j <= 5; j++) {
        const to = (i * 7 + j * 3) % pool.length;
        if (to === i) continue;
        storeVouch(store, vouch(pool[i] as never, pool[to] as never, { weight: 0.5 + (k++ % 5) / 10 }));
      }
    }
    const before = pool.map((t) => engine.score(t.did, { from: (pool[0] as typeof a).did, now: NOW }));
    await new Promise((resolve) => setImmediate(resolve));
    await engine.saveSnapshot(); // forces a full compaction even without a file
    const after = pool.map((t) => engine.score(t.did, { from: (pool[0] as typeof a).did, now: NOW }));
    expect(after).toEqual(before);
    expect(engine.stats().bytesPerVouch).toBeLessThanOrEqual(25);
  });
});
