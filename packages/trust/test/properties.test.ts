// The properties DESIGN §4 and the trust issue pin, on randomized graphs (fast-check), every vouch
// really signed, verified and stored.
import { patternCovers, scopeMatches } from '@aip/token';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createRevocation,
  openTrustEngine,
  openTrustStore,
  type TrustEngine,
  type TrustResult,
  type VerifiedObject,
  verifyRevocation,
  verifyVouch,
} from '../src/index.js';
import { agents, NOW, referenceScore, vouch } from './helpers.js';

const N = 9;
const pool = agents(N, 'p');
const SCOPES = ['*', 'tool:a', 'tool:b'] as const;

interface EdgeSpec {
  from: number;
  to: number;
  weight: number;
  scope: number;
}

const edgeArb = fc
  .record({
    from: fc.nat(N - 1),
    to: fc.nat(N - 1),
    weight: fc.oneof(fc.constantFrom(1, 0.9, 0.75, 0.5, 0.25), fc.double({ min: 0.01, max: 1, noNaN: true })),
    scope: fc.nat(SCOPES.length - 1),
  })
  .filter((e) => e.from !== e.to);
const graphArb = fc.array(edgeArb, { minLength: 1, maxLength: 28 });

function sign(edges: readonly EdgeSpec[]): VerifiedObject[] {
  return edges.map((e) => ({
    kind: 'vouch' as const,
    ...verifyVouch(
      vouch(pool[e.from] as never, pool[e.to] as never, { weight: e.weight, scope: SCOPES[e.scope] as string }),
      {
        now: NOW,
      },
    ),
  }));
}

function revoke(object: VerifiedObject): VerifiedObject {
  if (object.kind !== 'vouch') throw new TypeError('not a vouch');
  const voucher = pool.find((p) => p.did === object.vouch.voucher) as (typeof pool)[number];
  return {
    kind: 'revocation',
    ...verifyRevocation(createRevocation(voucher, object.id, { now: NOW - 1 }), { now: NOW }),
  };
}

function engineOf(objects: readonly VerifiedObject[]): TrustEngine {
  const store = openTrustStore({ path: ':memory:' });
  for (const object of objects) store.add(object);
  return openTrustEngine(store);
}

function allResults(engine: TrustEngine, scope: string, extra: string[] = []): TrustResult[] {
  const dids = [...pool.map((p) => p.did), ...extra];
  const out: TrustResult[] = [];
  for (const from of pool) for (const to of dids) out.push(engine.score(to, { from: from.did, scope, now: NOW }));
  return out;
}

const runs = { numRuns: 40 };

describe('engine properties (randomized graphs)', () => {
  it('matches an exhaustive search over all chains of at most 4 hops', () => {
    fc.assert(
      fc.property(graphArb, (edges) => {
        const engine = engineOf(sign(edges));
        for (const [s, scope] of SCOPES.entries()) {
          // A query in scope S sees vouches in S and in "*" (which covers every scope).
          const visible = edges.filter((e) => e.scope === s || e.scope === 0);
          for (let i = 0; i < N; i++) {
            for (let j = 0; j < N; j++) {
              const result = engine.score((pool[j] as never as { did: string }).did, {
                from: (pool[i] as never as { did: string }).did,
                scope,
                now: NOW,
              });
              expect(result.score).toBeCloseTo(referenceScore(visible, i, j), 6);
              if (result.score > 0 && i !== j) {
                expect(result.path[0]).toBe(pool[i]?.did);
                expect(result.path.at(-1)).toBe(pool[j]?.did);
                expect(result.hops).toBe(result.path.length - 1);
                expect(result.hops).toBeLessThanOrEqual(4);
                expect(new Set(result.path).size).toBe(result.path.length);
                expect(result.corroboration).toBeGreaterThanOrEqual(1);
              }
            }
          }
        }
      }),
      { numRuns: 25 },
    );
  });

  it('never lowers a score when a vouch is added', () => {
    fc.assert(
      fc.property(graphArb, edgeArb, (edges, extra) => {
        const objects = sign(edges);
        const engine = engineOf(objects);
        const before = allResults(engine, '*');
        const store = openTrustStore({ path: ':memory:' });
        for (const object of [...objects, ...sign([extra])]) store.add(object);
        const after = allResults(openTrustEngine(store), '*');
        after.forEach((result, i) => {
          expect(result.score).toBeGreaterThanOrEqual((before[i] as TrustResult).score);
        });
      }),
      runs,
    );
  });

  it('gives exactly the result of a rebuild without a revoked vouch', () => {
    fc.assert(
      fc.property(graphArb, fc.nat(), (edges, pick) => {
        const objects = sign(edges);
        const victim = objects[pick % objects.length] as VerifiedObject;
        const store = openTrustStore({ path: ':memory:' });
        const live = openTrustEngine(store);
        for (const object of objects) store.add(object);
        allResults(live, '*'); // the index is built and queried before the revocation
        store.add(revoke(victim));
        const rebuilt = engineOf(objects.filter((o) => o !== victim));
        for (const scope of SCOPES) expect(allResults(live, scope)).toEqual(allResults(rebuilt, scope));
      }),
      runs,
    );
  });

  it('answers the same while growing query by query (delta overlay) as after a rebuild', () => {
    fc.assert(
      fc.property(graphArb, fc.nat(), (edges, pick) => {
        const objects = sign(edges);
        const all = [...objects, revoke(objects[pick % objects.length] as VerifiedObject)];
        const store = openTrustStore({ path: ':memory:' });
        const live = openTrustEngine(store);
        for (const object of all) {
          store.add(object);
          live.score(pool[0]?.did as string, { from: pool[1]?.did as string, now: NOW }); // sync now
        }
        for (const scope of SCOPES) expect(allResults(live, scope)).toEqual(allResults(engineOf(all), scope));
      }),
      { numRuns: 25 },
    );
  });

  it('gives identical results whatever the insertion order, revocations included', () => {
    fc.assert(
      fc.property(graphArb, fc.nat(), fc.integer(), (edges, pick, seed) => {
        const objects = sign(edges);
        const all = [...objects, revoke(objects[pick % objects.length] as VerifiedObject)];
        const shuffled = fc.sample(fc.shuffledSubarray(all, { minLength: all.length }), { seed, numRuns: 1 })[0] as
          | VerifiedObject[]
          | undefined;
        const a = engineOf(all);
        const b = engineOf(shuffled ?? [...all].reverse());
        for (const scope of SCOPES) expect(allResults(b, scope)).toEqual(allResults(a, scope));
      }),
      runs,
    );
  });

  it('keeps scopes apart: vouches in another scope change nothing', () => {
    fc.assert(
      fc.property(graphArb, graphArb, (edges, noise) => {
        const inA = edges.map((e) => ({ ...e, scope: 1 }));
        const inB = noise.map((e) => ({ ...e, scope: 2 }));
        const onlyA = engineOf(sign(inA));
        const mixed = engineOf(sign([...inA, ...inB]));
        expect(allResults(mixed, 'tool:a')).toEqual(allResults(onlyA, 'tool:a'));
        // And tool:a trust is never visible as tool:b or as "*" trust.
        const bOnly = engineOf(sign(inB));
        expect(allResults(mixed, 'tool:b')).toEqual(allResults(bOnly, 'tool:b'));
        expect(allResults(mixed, '*').every((r) => r.score === 0 || r.hops === 0)).toBe(true);
      }),
      { numRuns: 25 },
    );
  });

  it('terminates on cycles and mutual vouches, which add nothing', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.05, max: 1, noNaN: true }), { minLength: 3, maxLength: 8 }),
        (weights) => {
          // A chain p0 -> p1 -> ... plus every back edge and a closing edge: cycles everywhere.
          const chain = weights.map((weight, i) => ({ from: i, to: i + 1, weight, scope: 0 }));
          const back = weights.flatMap((_, i) => [
            { from: i + 1, to: i, weight: 1, scope: 0 },
            { from: weights.length, to: 0, weight: 1, scope: 0 },
          ]);
          const plain = allResults(engineOf(sign(chain)), '*');
          const cyclic = allResults(engineOf(sign([...chain, ...back])), '*');
          // From p0 forward along the chain nothing changes: the back edges only lead back.
          for (let j = 0; j < N; j++) expect(cyclic[j]?.score).toBe(plain[j]?.score);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('does not let a target raise its own score by minting identities that vouch for it', () => {
    const sybils = agents(12, 'mint');
    fc.assert(
      fc.property(graphArb, fc.nat(N - 1), fc.nat(N - 1), (edges, root, target) => {
        fc.pre(root !== target);
        const honest = sign(edges);
        const before = engineOf(honest).score(pool[target]?.did as string, {
          from: pool[root]?.did as string,
          now: NOW,
        });
        const t = pool[target] as (typeof pool)[number];
        const minted = sybils.flatMap((s, i) => [
          { kind: 'vouch' as const, ...verifyVouch(vouch(s, t, { weight: 1 }), { now: NOW }) },
          { kind: 'vouch' as const, ...verifyVouch(vouch(t, s, { weight: 1 }), { now: NOW }) },
          {
            kind: 'vouch' as const,
            ...verifyVouch(vouch(s, sybils[(i + 1) % sybils.length] as typeof s, { weight: 1 }), { now: NOW }),
          },
        ]);
        const after = engineOf([...honest, ...minted]).score(t.did, { from: pool[root]?.did as string, now: NOW });
        expect(after.score).toBe(before.score);
        expect(after.corroboration).toBe(before.corroboration);
      }),
      { numRuns: 30 },
    );
  });
});

// Scopes over a tiny alphabet, so that prefixes, separators and literal stars collide often.
const SEPARATORS = [':', '.', '/'] as const;
const concreteArb = fc
  .tuple(
    fc.constantFrom('tool', 'resource'),
    fc.array(fc.tuple(fc.constantFrom(...SEPARATORS), fc.constantFrom('a', 'b', 'ab', '*')), { maxLength: 2 }),
    fc.constantFrom('a', 'b', 'ab'),
  )
  .map(([kind, parts, last]) => `${kind}:${parts.map(([sep, part]) => `${part}${sep}`).join('')}${last}`);
const patternArb = fc.oneof(
  concreteArb,
  concreteArb.map((s) => `${s.slice(0, s.lastIndexOf(':') + 1)}*`),
  fc.tuple(concreteArb, fc.constantFrom(...SEPARATORS)).map(([s, sep]) => `${s}${sep}*`),
  fc.constant('*'),
);

describe('vouch scopes and the one matcher (generated scopes)', () => {
  const [voucher, subject] = pool as [(typeof pool)[number], (typeof pool)[number]];

  it('counts a vouch for a query exactly when its scope covers the query scope (attenuation order)', () => {
    fc.assert(
      fc.property(patternArb, patternArb, (granted, query) => {
        const engine = engineOf(sign1(voucher, subject, granted));
        const { score } = engine.score(subject.did, { from: voucher.did, scope: query, now: NOW });
        return score > 0 === patternCovers(granted, query);
      }),
      { numRuns: 150 },
    );
  });

  it('counts a vouch for a concrete scope exactly when the token matcher matches it', () => {
    fc.assert(
      fc.property(patternArb, concreteArb, (granted, query) => {
        const engine = engineOf(sign1(voucher, subject, granted));
        const { score } = engine.score(subject.did, { from: voucher.did, scope: query, now: NOW });
        return score > 0 === scopeMatches(granted, query);
      }),
      { numRuns: 150 },
    );
  });
});

function sign1(from: (typeof pool)[number], to: (typeof pool)[number], scope: string): VerifiedObject[] {
  return [{ kind: 'vouch', ...verifyVouch(vouch(from, to, { scope }), { now: NOW }) }];
}
