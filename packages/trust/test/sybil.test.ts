// Sybil resistance: a region of fake identities reachable only through g attack edges gets at most
// g corroboration and the same score whatever its size (DESIGN §4).
import { describe, expect, it } from 'vitest';
import { openTrustEngine, openTrustStore, type TrustResult, type VerifiedObject, verifyVouch } from '../src/index.js';
import { agents, NOW, seededRandom, vouch } from './helpers.js';

const honest = agents(30, 'h');
const ATTACK_EDGES = 3;

function verified(from: (typeof honest)[number], to: (typeof honest)[number], weight = 1): VerifiedObject {
  return { kind: 'vouch', ...verifyVouch(vouch(from, to, { weight }), { now: NOW }) };
}

/** A fixed honest graph: each agent vouches for 4 others chosen by a seeded generator. */
function honestGraph(): VerifiedObject[] {
  const random = seededRandom('honest-graph');
  const objects: VerifiedObject[] = [];
  honest.forEach((from, i) => {
    const picks = random(8);
    for (let k = 0; k < 4; k++) {
      const j = (picks[k] as number) % honest.length;
      if (j !== i) objects.push(verified(from, honest[j] as typeof from, 0.5 + ((picks[k + 4] as number) % 50) / 100));
    }
  });
  return objects;
}

function attack(size: number): TrustResult {
  const sybils = agents(size, 's');
  const target = sybils[0] as (typeof sybils)[number];
  const random = seededRandom(`sybil-${size}`);
  const objects = honestGraph();
  // g attack edges from honest agents into the region, then the region vouches for the target
  // and densely for itself, all at full weight.
  for (let g = 0; g < ATTACK_EDGES; g++) objects.push(verified(honest[5 + g] as never, sybils[g + 1] as never, 0.9));
  sybils.forEach((s, i) => {
    if (i > 0) objects.push(verified(s, target));
    const picks = random(3);
    for (const p of picks) {
      const j = (p * 7919 + i) % sybils.length;
      if (j !== i) objects.push(verified(s, sybils[j] as typeof s));
    }
  });
  const store = openTrustStore({ path: ':memory:' });
  for (let i = 0; i < objects.length; i += 5000) store.addBatch(objects.slice(i, i + 5000));
  const engine = openTrustEngine(store);
  return engine.score(target.did, { from: (honest[0] as (typeof honest)[number]).did, now: NOW, corroborationCap: 64 });
}

describe('Sybil regions', () => {
  it('are bounded by their attack edges, not their size (10, 1k and 10k identities)', () => {
    const small = attack(10);
    const medium = attack(1000);
    const large = attack(10_000);
    expect(small.score).toBeGreaterThan(0);
    for (const result of [small, medium, large]) {
      expect(result.corroboration).toBeLessThanOrEqual(ATTACK_EDGES);
      expect(result.score).toBe(small.score);
      expect(result.hops).toBe(small.hops);
    }
  }, 120_000);
});
