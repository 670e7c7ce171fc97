import { describe, expect, it } from 'vitest';
import { computeRanking } from '../src/index.js';
import { agents, memoryEngine, NOW, storeVouch, vouch } from './helpers.js';

const [a, b, c, d, e, s1, s2] = agents(7, 'r') as [
  ReturnType<typeof agents>[number],
  ReturnType<typeof agents>[number],
  ReturnType<typeof agents>[number],
  ReturnType<typeof agents>[number],
  ReturnType<typeof agents>[number],
  ReturnType<typeof agents>[number],
  ReturnType<typeof agents>[number],
];

describe('computeRanking', () => {
  it('ranks what the seeds reach, in proportion to the trust flowing in, per scope', async () => {
    const { store, engine } = memoryEngine();
    storeVouch(store, vouch(a, b));
    storeVouch(store, vouch(a, c, { weight: 0.5 }));
    storeVouch(store, vouch(b, d));
    storeVouch(store, vouch(c, d));
    storeVouch(store, vouch(d, e, { scope: 'tool:other' }));
    // An unreachable clique that vouches for itself gets nothing.
    storeVouch(store, vouch(s1, s2));
    storeVouch(store, vouch(s2, s1));
    const ranking = await computeRanking(engine, { seeds: [a.did], now: NOW });
    const dids = ranking.map((r) => r.did);
    expect(new Set(dids)).toEqual(new Set([a.did, b.did, c.did, d.did]));
    expect(ranking.reduce((sum, r) => sum + r.rank, 0)).toBeCloseTo(1, 9);
    const rank = (did: string) => ranking.find((r) => r.did === did)?.rank ?? 0;
    expect(rank(b.did)).toBeGreaterThan(rank(c.did));
    expect(rank(d.did)).toBeGreaterThan(rank(b.did));
    const other = await computeRanking(engine, { seeds: [d.did], scope: 'tool:other', now: NOW });
    expect(new Set(other.map((r) => r.did))).toEqual(new Set([d.did, e.did]));
    expect(await computeRanking(engine, { seeds: [d.did], scope: 'tool:other', now: NOW, top: 1 })).toHaveLength(1);
  });

  it('yields to the event loop while it runs, so queries are answered meanwhile', async () => {
    const { store, engine } = memoryEngine();
    storeVouch(store, vouch(a, b));
    storeVouch(store, vouch(b, c));
    let done = false;
    const pending = computeRanking(engine, { seeds: [a.did], now: NOW, sliceEdges: 1 }).then((r) => {
      done = true;
      return r;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(done).toBe(false);
    expect(engine.score(c.did, { from: a.did, now: NOW }).score).toBe(0.8);
    expect((await pending).length).toBe(3);
    expect(done).toBe(true);
  });

  it('refuses a ranking without seeds', async () => {
    const { engine } = memoryEngine();
    await expect(computeRanking(engine, { seeds: [] })).rejects.toMatchObject({ code: 'aip_identity_unresolvable' });
  });
});
