import { describe, expect, it } from 'vitest';
import { issueToken, verifyToken } from '../src/index.js';
import { codeOf, issuer, NOW, orchestrator } from './fixtures.js';

const trust = { trustedKeys: [issuer.did], now: NOW };

describe('audit warnings', () => {
  it('reports none for a tight token', () => {
    const token = issueToken(issuer, {
      sub: orchestrator.did,
      scope: ['tool:search'],
      budgetUsd: 1,
      ttl: 600,
      now: NOW,
    });
    expect(verifyToken(token, trust).warnings).toEqual([]);
  });

  it('warns on long TTL, wildcard scope, high budget and deep delegation', () => {
    const token = issueToken(issuer, {
      sub: orchestrator.did,
      scope: ['tool:*'],
      budgetUsd: 50,
      ttl: 86_400,
      maxDepth: 7,
      now: NOW,
    });
    const codes = verifyToken(token, trust).warnings.map((w) => w.code);
    expect(codes).toEqual(['ttl_exceeds_max', 'wildcard_scope', 'budget_exceeds_max', 'deep_chain']);
  });

  it('honours configured thresholds', () => {
    const token = issueToken(issuer, {
      sub: orchestrator.did,
      scope: ['tool:search'],
      budgetUsd: 5,
      ttl: 600,
      now: NOW,
    });
    expect(
      verifyToken(token, { ...trust, audit: { maxTtlSeconds: 300, maxBudgetUsd: 1 } }).warnings.map((w) => w.code),
    ).toEqual(['ttl_exceeds_max', 'budget_exceeds_max']);
  });

  it('turns enforced warnings into errors with the matching code', () => {
    const long = issueToken(issuer, { sub: orchestrator.did, scope: ['tool:search'], ttl: 86_400, now: NOW });
    expect(codeOf(() => verifyToken(long, { ...trust, audit: { enforce: ['ttl_exceeds_max'] } }))).toBe(
      'aip_token_expired',
    );
    const wild = issueToken(issuer, { sub: orchestrator.did, scope: ['*'], now: NOW });
    expect(codeOf(() => verifyToken(wild, { ...trust, audit: { enforce: true } }))).toBe('aip_scope_insufficient');
    expect(verifyToken(wild, { ...trust, audit: { enforce: ['ttl_exceeds_max'] } }).warnings[0]?.code).toBe(
      'wildcard_scope',
    );
  });
});
