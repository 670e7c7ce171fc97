import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createTokenVerifier, delegate, issueToken, TokenError } from '../src/index.js';
import { fixedIdentity, issuer, NOW } from './fixtures.js';

const agents = Array.from({ length: 6 }, (_, i) => fixedIdentity(20 + i));
const tools = ['tool:a', 'tool:b', 'tool:c.x', 'tool:c.y'];

// A random valid delegation plan: each step keeps a non-empty subset of the current scope,
// lowers or keeps the budget and shortens the lifetime.
const plan = fc.record({
  scope: fc.subarray(tools, { minLength: 1 }),
  budget: fc.integer({ min: 1, max: 100 }),
  steps: fc.array(
    fc.record({
      keep: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
      budgetCut: fc.integer({ min: 0, max: 10 }),
      ttl: fc.integer({ min: 1, max: 5000 }),
    }),
    { maxLength: 5 },
  ),
});

function build(p: {
  scope: string[];
  budget: number;
  steps: { keep: boolean[]; budgetCut: number; ttl: number }[];
}): string {
  let token = issueToken(issuer, {
    sub: (agents[0] as (typeof agents)[number]).did,
    scope: p.scope,
    budgetUsd: p.budget,
    maxDepth: 8,
    ttl: 3600,
    now: NOW,
  });
  let scope = p.scope;
  let budget = p.budget;
  p.steps.forEach((step, i) => {
    const kept = scope.filter((_, j) => step.keep[j % 4]);
    scope = kept.length > 0 ? kept : [scope[0] as string];
    budget = Math.max(0, budget - step.budgetCut);
    token = delegate(token, agents[i] as (typeof agents)[number], {
      to: (agents[i + 1] as (typeof agents)[number]).did,
      scope,
      budgetUsd: budget,
      ttl: step.ttl,
      context: `step ${i}`,
      now: NOW,
    });
  });
  return token;
}

describe('chain properties', () => {
  it('any successful delegate() result verifies', () => {
    fc.assert(
      fc.property(plan, (p) => {
        const verified = createTokenVerifier({ trustedKeys: [issuer.did] }).verify(build(p), { now: NOW });
        expect(verified.chain).toHaveLength(p.steps.length + 1);
      }),
      { numRuns: 60 },
    );
  });

  it('any single-character mutation of a valid chain fails verification', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~=+/ ';
    fc.assert(
      fc.property(plan, fc.nat(), fc.nat(), (p, position, replacement) => {
        const token = build(p);
        const i = position % token.length;
        let ch = alphabet[replacement % alphabet.length] as string;
        if (ch === token[i]) ch = ch === 'A' ? 'B' : 'A';
        const mutated = token.slice(0, i) + ch + token.slice(i + 1);
        const verifier = createTokenVerifier({ trustedKeys: [issuer.did] });
        expect(() => verifier.verify(mutated, { now: NOW })).toThrow(TokenError);
      }),
      { numRuns: 300 },
    );
  });

  it('dropping or duplicating any link fails verification', () => {
    fc.assert(
      fc.property(
        plan.filter((p) => p.steps.length >= 2),
        fc.nat(),
        (p, n) => {
          const segments = build(p).split('~');
          const i = 1 + (n % (segments.length - 1));
          const verifier = createTokenVerifier({ trustedKeys: [issuer.did] });
          const dropped = segments.filter((_, j) => j !== i).join('~');
          const duplicated = [...segments.slice(0, i + 1), segments[i], ...segments.slice(i + 1)].join('~');
          if (i < segments.length - 1) expect(() => verifier.verify(dropped, { now: NOW })).toThrow(TokenError);
          expect(() => verifier.verify(duplicated, { now: NOW })).toThrow(TokenError);
        },
      ),
      { numRuns: 60 },
    );
  });
});
