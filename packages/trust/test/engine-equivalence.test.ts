// TrustEngine.score against the frozen, unoptimised engine (test/reference/) over the same store:
// identical {score, corroboration, hops, path} for every root, target, scope and cap, with vouches
// in several scopes, some arriving after the index was loaded (delta overlay) and some revoked.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createRevocation,
  openTrustEngine,
  openTrustStore,
  type VerifiedObject,
  verifyRevocation,
  verifyVouch,
} from '../src/index.js';
import { agents, NOW, vouch } from './helpers.js';
import { frozenScore } from './reference/frozen-engine.js';

const N = 10;
const pool = agents(N, 'q');
const SCOPES = ['*', 'tool:a', 'tool:a.b', 'tool:c'] as const;

const edgeArb = fc
  .record({
    from: fc.nat(N - 1),
    to: fc.nat(N - 1),
    weight: fc.constantFrom(1, 0.9, 0.8, 0.5),
    scope: fc.nat(SCOPES.length - 1),
    ttl: fc.oneof(fc.constant(undefined), fc.constantFrom(90, 300)),
    late: fc.boolean(),
    revoked: fc.boolean(),
  })
  .filter((e) => e.from !== e.to);

describe('engine answers (equivalence with the unoptimised engine)', () => {
  it('gives the same score, corroboration, hops and path for every question', () => {
    fc.assert(
      fc.property(fc.array(edgeArb, { minLength: 1, maxLength: 45 }), (edges) => {
        const store = openTrustStore({ path: ':memory:' });
        const signed = edges.map((e) => ({
          spec: e,
          object: {
            kind: 'vouch' as const,
            ...verifyVouch(
              vouch(pool[e.from] as never, pool[e.to] as never, {
                weight: e.weight,
                scope: SCOPES[e.scope] as string,
                ...(e.ttl === undefined ? {} : { ttl: e.ttl }),
              }),
              { now: NOW },
            ),
          } satisfies VerifiedObject,
        }));
        for (const { spec, object } of signed) if (!spec.late) store.add(object);
        const engine = openTrustEngine(store);
        for (const { spec, object } of signed) if (spec.late) store.add(object);
        for (const { spec, object } of signed) {
          if (!spec.revoked || spec.from % 3 !== 0) continue;
          const by = pool[spec.from] as (typeof pool)[number];
          store.add({
            kind: 'revocation',
            ...verifyRevocation(createRevocation(by, object.id, { now: NOW - 1 }), { now: NOW }),
          });
        }
        for (const scope of SCOPES) {
          for (const now of [NOW, NOW + 60]) {
            for (const from of pool) {
              for (const to of pool) {
                for (const cap of [undefined, 0, 1, 2]) {
                  const options = {
                    from: from.did,
                    scope,
                    now,
                    ...(cap === undefined ? {} : { corroborationCap: cap }),
                  };
                  expect(engine.score(to.did, options)).toEqual(frozenScore(engine, to.did, options));
                }
              }
            }
          }
        }
        engine.close();
        store.close();
      }),
      { numRuns: 25 },
    );
  });
});
