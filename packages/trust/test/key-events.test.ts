// Key events in the trust store and engine (DESIGN §11): stored verified, exported and imported
// with vouches; vouches for a lineage count for its current key, a revoked key's vouches for nothing.
import { createInception, createKeyRevocation, createRotation, type Identity, type KeyEvent } from '@aip/identity';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  importJsonl,
  openTrustEngine,
  openTrustStore,
  type TrustEngine,
  type TrustStore,
  type VerifiedObject,
  verifyTrustLine,
  verifyTrustObject,
  verifyVouch,
} from '../src/index.js';
import { agent, agents, NOW, vouch } from './helpers.js';

const N = 7;
const pool = agents(N, 'q');
const working = pool[5] as Identity;
const recovery = agent('recovery');
const following = agent('recovery-2');
const thieves = [agent('thief'), agent('thief-2')];

const inception = createInception(working, { next: recovery.publicKey, now: NOW - 1000 });
const rotation = createRotation(recovery, { established: inception, next: following.publicKey, now: NOW - 500 });
const revocation = createKeyRevocation(recovery, { key: working.did, reason: 'leaked', now: NOW - 501 });

const keyObject = (event: KeyEvent): VerifiedObject => verifyTrustObject(event, { now: NOW });
const vouchObject = (from: Identity, to: Identity, weight = 1, scope = '*'): VerifiedObject => ({
  kind: 'vouch',
  ...verifyVouch(vouch(from, to, { weight, scope }), { now: NOW }),
});

function engineOf(objects: readonly VerifiedObject[]): { store: TrustStore; engine: TrustEngine } {
  const store = openTrustStore({ path: ':memory:' });
  for (const object of objects) store.add(object);
  return { store, engine: openTrustEngine(store) };
}

const score = (engine: TrustEngine, from: Identity, to: Identity | string) =>
  engine.score(typeof to === 'string' ? to : to.did, { from: from.did, now: NOW });

describe('the trust store keeps key events', () => {
  it('stores verified key events once, and computes their state', () => {
    const store = openTrustStore({ path: ':memory:' });
    expect(store.add(keyObject(inception)).status).toBe('accepted');
    expect(store.add(keyObject(inception)).status).toBe('duplicate');
    store.add(keyObject(rotation));
    expect(store.keyState().lineage(working.did)?.current).toBe(recovery.did);
    expect(store.keyEvents().map((e) => e.event)).toEqual([inception, rotation]);
  });

  it('exports key events with vouches, and a peer importing them agrees on the lineage', async () => {
    const { store } = engineOf([
      vouchObject(pool[0] as Identity, working),
      keyObject(inception),
      keyObject(revocation),
      keyObject(rotation),
    ]);
    const peer = openTrustStore({ path: ':memory:' });
    const summary = await importJsonl(peer, [...store.exportLines()].join('\n'), { now: NOW });
    expect(summary).toMatchObject({ accepted: 4, rejected: 0 });
    expect(peer.keyState().lineages()).toEqual(store.keyState().lineages());
    expect(peer.keyState().key(working.did)).toEqual(store.keyState().key(working.did));
  });

  it('refuses a tampered key event, a malformed one and one issued in the future', () => {
    const code = (line: string) => {
      try {
        verifyTrustLine(line, { now: NOW });
      } catch (err) {
        return (err as { code: string }).code;
      }
      return undefined;
    };
    expect(code(JSON.stringify({ ...inception, iat: inception.iat + 1 }))).toBe('aip_signature_invalid');
    expect(code(JSON.stringify({ ...inception, next: 'x' }))).toBe('aip_key_event_malformed');
    const future = createInception(working, { next: recovery.publicKey, now: NOW + 3600 });
    expect(code(JSON.stringify(future))).toBe('aip_object_not_yet_valid');
  });
});

describe('the engine follows lineages', () => {
  const [q0, q1, q2] = pool as [Identity, Identity, Identity];
  const chain = [vouchObject(q0, q1), vouchObject(q1, working), vouchObject(working, q2)];

  it('carries vouches for a rotated key over to its successor, through the same chain', () => {
    const before = engineOf(chain).engine;
    const { engine } = engineOf([...chain, keyObject(inception), keyObject(rotation)]);
    expect(score(engine, q0, recovery)).toEqual({
      ...score(before, q0, working),
      path: [q0.did, q1.did, recovery.did],
    });
    // Rotated away, not revoked: the old key's vouches still count.
    expect(score(engine, q0, q2).score).toBe(score(before, q0, q2).score);
  });

  it("counts a revoked key's vouches for nothing until its successor signs them again", () => {
    const { store, engine } = engineOf([...chain, keyObject(inception), keyObject(revocation), keyObject(rotation)]);
    expect(score(engine, q0, q2).score).toBe(0);
    expect(score(engine, q0, working).score).toBe(0);
    expect(score(engine, q0, recovery).score).toBe(0.8);
    store.add(vouchObject(recovery, q2));
    expect(score(engine, q0, q2)).toMatchObject({ score: 0.64, path: [q0.did, q1.did, recovery.did, q2.did] });
    const path = engine.path(q2.did, { from: q0.did, now: NOW });
    expect(path.vouches.map((v) => v.weight)).toEqual([1, 1, 1]);
  });
});

describe('engine properties with key events (randomized graphs)', () => {
  const edgeArb = fc
    .record({
      from: fc.nat(N - 1),
      to: fc.nat(N - 1),
      weight: fc.constantFrom(1, 0.9, 0.5, 0.25),
    })
    .filter((e) => e.from !== e.to);
  const graphArb = fc.array(edgeArb, { minLength: 1, maxLength: 20 });
  const signed = (edges: readonly { from: number; to: number; weight: number }[]) =>
    edges.map((e) => vouchObject(pool[e.from] as Identity, pool[e.to] as Identity, e.weight));
  const all = (engine: TrustEngine, targets: readonly string[]) =>
    pool.flatMap((from) =>
      targets.map((to) => {
        const { score: s, corroboration } = engine.score(to, { from: from.did, now: NOW });
        return { from: from.did, to, score: s, corroboration };
      }),
    );
  const runs = { numRuns: 30 };

  it('never raises a score by a rotation: the successor scores what its predecessor did, everyone else the same', () => {
    fc.assert(
      fc.property(graphArb, (edges) => {
        const objects = signed(edges);
        const before = engineOf(objects).engine;
        const after = engineOf([...objects, keyObject(inception), keyObject(rotation)]).engine;
        const others = pool.filter((p) => p !== working).map((p) => p.did);
        for (const [b, a] of all(before, others).map((r, i) => [r, all(after, others)[i]] as const)) {
          if (b.from === working.did) continue;
          expect(a?.score).toBeLessThanOrEqual(b.score);
        }
        for (const from of pool) {
          if (from === working) continue;
          const b = score(before, from, working).score;
          expect(score(after, from, recovery).score).toBeLessThanOrEqual(b);
          expect(score(after, from, recovery).score).toBe(b);
        }
      }),
      runs,
    );
  });

  it("gives a revoked key's out-vouches exactly no weight: the scores of a rebuild without them", () => {
    fc.assert(
      fc.property(graphArb, fc.nat(N - 1), (edges, pick) => {
        const revoked = pool[pick] as Identity;
        const objects = signed(edges);
        const withRevocation = engineOf([...objects, keyObject(createKeyRevocation(revoked, { now: NOW - 10 }))]);
        const rebuilt = engineOf(signed(edges.filter((e) => e.from !== pick)));
        const targets = pool.filter((p) => p !== revoked).map((p) => p.did);
        const roots = (rows: ReturnType<typeof all>) => rows.filter((r) => r.from !== revoked.did);
        expect(roots(all(withRevocation.engine, targets))).toEqual(roots(all(rebuilt.engine, targets)));
        for (const from of pool)
          expect(score(withRevocation.engine, from, revoked).score).toBe(from === revoked ? 1 : 0);
      }),
      runs,
    );
  });

  // What a thief holding only the working key can sign: with it, or with keys of his own.
  const thiefEventArb: fc.Arbitrary<KeyEvent> = fc.oneof(
    fc
      .record({ next: fc.constantFrom(...thieves), iat: fc.integer({ min: NOW - 2000, max: NOW }) })
      .map(({ next, iat }) => createInception(working, { next: next.publicKey, now: iat })),
    fc
      .record({ signer: fc.constantFrom(...thieves), iat: fc.integer({ min: NOW - 2000, max: NOW }) })
      .map(({ signer, iat }) => {
        // The thief's own inception, then a "rotation" from the working key he cannot authorise.
        const own = createInception(working, { next: signer.publicKey, now: iat });
        return createRotation(signer, { established: own, next: signer.publicKey, now: iat });
      }),
    fc
      .record({ key: fc.constantFrom(working.did, recovery.did), iat: fc.integer({ min: NOW - 2000, max: NOW }) })
      .map(({ key, iat }) => createKeyRevocation(working, { key, reason: 'mine now', now: iat })),
  );

  it('never lets a thief holding only the working key take its vouches: he neither rotates nor revokes-and-replaces', () => {
    fc.assert(
      fc.property(graphArb, fc.array(thiefEventArb, { maxLength: 4 }), (edges, theft) => {
        const { engine, store } = engineOf([
          ...signed(edges),
          keyObject(inception),
          ...theft.map((event) => keyObject(event)),
        ]);
        for (const thief of thieves) {
          for (const from of pool) {
            const result = score(engine, from, thief);
            expect(result.score).toBe(0);
            expect(result.path).toEqual([]);
          }
        }
        expect(thieves.map((t) => t.did)).not.toContain(store.keyState().currentKey(working.did));
        expect(store.keyState().key(recovery.did)?.revoked).toBeUndefined();
      }),
      runs,
    );
  });
});
