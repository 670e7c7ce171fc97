import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createTokenVerifier, delegate, issueToken, TokenError, verifyToken } from '../src/index.js';
import {
  codeOf,
  fixedIdentity,
  helper,
  issuer,
  LINK_HEADER,
  NOW,
  orchestrator,
  rawJws,
  rootClaims,
  stranger,
  TOKEN_HEADER,
  worker,
} from './fixtures.js';

const trust = { trustedKeys: [issuer.did], now: NOW };

function segmentId(segment: string): string {
  return createHash('sha256').update(segment).digest('base64url');
}

/** root (issuer -> orchestrator) ~ link1 (orchestrator -> worker) ~ link2 (worker -> helper). */
function validChain() {
  const root = rawJws(TOKEN_HEADER, rootClaims(), issuer);
  const link1Claims = {
    iss: orchestrator.did,
    sub: worker.did,
    prev: segmentId(root),
    scope: ['tool:search'],
    budget_usd: 2,
    max_depth: 2,
    iat: NOW - 30,
    exp: NOW + 2000,
    jti: 'l1',
    ctx: 'research subtask',
  };
  const link1 = rawJws(LINK_HEADER, link1Claims, orchestrator);
  const link2Claims = {
    ...link1Claims,
    iss: worker.did,
    sub: helper.did,
    prev: segmentId(`${link1}`),
    budget_usd: 1,
    max_depth: 1,
    jti: 'l2',
    ctx: 'look up one page',
  };
  const link2 = rawJws(LINK_HEADER, link2Claims, worker);
  return { root, link1, link2, link1Claims, link2Claims, token: `${root}~${link1}~${link2}` };
}

/** A link appended to `prefix`, hand-built with claims overrides and an arbitrary signer. */
function appendLink(
  prefix: string,
  holder: { did: string },
  overrides: Record<string, unknown>,
  signer = fixedIdentity(0),
) {
  const last = prefix.split('~').at(-1) as string;
  const claims = {
    iss: holder.did,
    sub: stranger.did,
    prev: segmentId(last),
    scope: ['tool:search'],
    budget_usd: 1,
    max_depth: 0,
    iat: NOW - 10,
    exp: NOW + 100,
    jti: 'x',
    ctx: 'because',
    ...overrides,
  };
  return `${prefix}~${rawJws(LINK_HEADER, claims, signer)}`;
}

describe('delegation chains', () => {
  it('verifies a valid 2-link chain and reports the final holder and each link', () => {
    const { token } = validChain();
    const verified = verifyToken(token, { ...trust, scope: 'tool:search' });
    expect(verified).toMatchObject({
      issuer: issuer.did,
      subject: helper.did,
      scope: ['tool:search'],
      budgetUsd: 1,
      maxDepth: 1,
      expiresAt: NOW + 2000,
    });
    expect(verified.chain.map((l) => l.sub)).toEqual([orchestrator.did, worker.did, helper.did]);
    expect(verified.chain[1]).toMatchObject({ ctx: 'research subtask', jti: 'l1' });
    expect(verified.subjectKey).toEqual(helper.publicKey);
  });

  it('names the failing segment in TokenError.link, not only in the message', () => {
    const { root, link1, link2, token } = validChain();
    const r1 = `${root}~${link1}`;
    const linkOf = (bad: string, options: Record<string, unknown> = {}) => {
      try {
        verifyToken(bad, { ...trust, ...options });
      } catch (err) {
        expect(err).toBeInstanceOf(TokenError);
        return { code: (err as TokenError).code, link: (err as TokenError).link };
      }
      throw new Error('verified');
    };
    expect(linkOf(appendLink(r1, worker, { scope: ['tool:*'], max_depth: 1 }, worker))).toEqual({
      code: 'aip_scope_insufficient',
      link: 2,
    });
    expect(linkOf(`${r1}~${link2.slice(0, -4)}AAAA`)).toEqual({ code: 'aip_signature_invalid', link: 2 });
    expect(linkOf(`${root}~${link1}~not-a-jws`)).toEqual({ code: 'aip_token_malformed', link: 2 });
    expect(linkOf(token, { now: NOW + 5000 })).toEqual({ code: 'aip_token_expired', link: 0 });
    expect(linkOf(token, { scope: 'tool:fetch' })).toEqual({ code: 'aip_scope_insufficient', link: 2 });
    expect(linkOf(token, { trustedKeys: [stranger.did] })).toEqual({ code: 'aip_issuer_untrusted', link: 0 });
    expect(linkOf(token, { isRevoked: (q: { jti?: string }) => q.jti === 'l1' })).toEqual({
      code: 'aip_key_revoked',
      link: 1,
    });
    // The chain as a whole, not one segment: no link.
    expect(linkOf('')).toEqual({ code: 'aip_token_missing', link: undefined });
  });

  it('checks the operation against the final (narrowest) scope', () => {
    const { token } = validChain();
    expect(codeOf(() => verifyToken(token, { ...trust, scope: 'tool:fetch' }))).toBe('aip_scope_insufficient');
  });

  describe('adversarial links, each rejected with its code', () => {
    const { root, link1, link2, token } = validChain();
    const r1 = `${root}~${link1}`;
    const cases: [string, () => string, string][] = [
      [
        'widening scope (tool:* under tool:search), even if unused',
        () => appendLink(r1, worker, { scope: ['tool:*'], max_depth: 1 }, worker),
        'aip_scope_insufficient',
      ],
      [
        'widening to a sibling scope',
        () => appendLink(r1, worker, { scope: ['tool:fetch'], max_depth: 1 }, worker),
        'aip_scope_insufficient',
      ],
      ['widening to *', () => appendLink(r1, worker, { scope: ['*'], max_depth: 1 }, worker), 'aip_scope_insufficient'],
      [
        'raising the budget',
        () => appendLink(r1, worker, { budget_usd: 3, max_depth: 1 }, worker),
        'aip_budget_exceeded',
      ],
      [
        'dropping the budget ceiling (null under a number)',
        () => appendLink(r1, worker, { budget_usd: null, max_depth: 1 }, worker),
        'aip_budget_exceeded',
      ],
      [
        'extending the expiry',
        () => appendLink(r1, worker, { exp: NOW + 2500, max_depth: 1 }, worker),
        'aip_token_expired',
      ],
      [
        'an expired link',
        () => appendLink(r1, worker, { exp: NOW - 5, iat: NOW - 50, max_depth: 1 }, worker),
        'aip_token_expired',
      ],
      ['not lowering max_depth', () => appendLink(r1, worker, { max_depth: 2 }, worker), 'aip_depth_exceeded'],
      [
        'more links than the root allows',
        () =>
          appendLink(
            appendLink(token, helper, { sub: stranger.did, max_depth: 0 }, helper),
            stranger,
            { max_depth: 0 },
            stranger,
          ),
        'aip_depth_exceeded',
      ],
      ['an empty context', () => appendLink(r1, worker, { ctx: '', max_depth: 1 }, worker), 'aip_token_malformed'],
      ['a blank context', () => appendLink(r1, worker, { ctx: '   ', max_depth: 1 }, worker), 'aip_token_malformed'],
      [
        'a missing prev',
        () => appendLink(r1, worker, { prev: undefined, max_depth: 1 }, worker),
        'aip_token_malformed',
      ],
      [
        'a link signed by the wrong key',
        () => appendLink(r1, worker, { max_depth: 1 }, stranger),
        'aip_signature_invalid',
      ],
      [
        'a link appended by a non-holder (claims to be the holder)',
        () => appendLink(token, helper, { max_depth: 0 }, stranger),
        'aip_signature_invalid',
      ],
      [
        'a link appended by a non-holder (in its own name)',
        () => appendLink(token, stranger, { max_depth: 0 }, stranger),
        'aip_signature_invalid',
      ],
      ['reordered links', () => `${root}~${link2}~${link1}`, 'aip_signature_invalid'],
      ['a dropped middle link', () => `${root}~${link2}`, 'aip_signature_invalid'],
      [
        'a link spliced from another chain',
        () => {
          const other = rawJws(TOKEN_HEADER, rootClaims({ jti: 'other-root' }), issuer);
          return `${other}~${link1}`;
        },
        'aip_signature_invalid',
      ],
      [
        'a root token with a link typ',
        () => `${rawJws(LINK_HEADER, rootClaims(), issuer)}~${link1}`,
        'aip_token_malformed',
      ],
      [
        'a link with the root typ',
        () => `${root}~${rawJws(TOKEN_HEADER, rootClaims(), orchestrator)}`,
        'aip_token_malformed',
      ],
      ['an empty segment', () => `${root}~`, 'aip_token_malformed'],
      ['nine links (hard cap 8)', () => `${root}${`~${link1}`.repeat(9)}`, 'aip_depth_exceeded'],
    ];
    for (const [name, build, code] of cases)
      it(`${code}: ${name}`, () => expect(codeOf(() => verifyToken(build(), trust))).toBe(code));

    it('aip_identity_unresolvable: a link after a holder that is not self-certifying', () => {
      const webRoot = rawJws(TOKEN_HEADER, rootClaims({ sub: 'aip:web:example.com/agent' }), issuer);
      expect(
        codeOf(() =>
          verifyToken(appendLink(webRoot, { did: 'aip:web:example.com/agent' }, { max_depth: 1 }, orchestrator), trust),
        ),
      ).toBe('aip_identity_unresolvable');
    });

    it('aip_key_revoked: any revoked link', () => {
      expect(codeOf(() => verifyToken(token, { ...trust, isRevoked: (q) => q.jti === 'l2' }))).toBe('aip_key_revoked');
      expect(codeOf(() => verifyToken(token, { ...trust, isRevoked: (q) => q.signer === worker.did }))).toBe(
        'aip_key_revoked',
      );
    });
  });

  describe('delegate()', () => {
    const root = issueToken(issuer, {
      sub: orchestrator.did,
      scope: ['tool:search', 'tool:fetch'],
      budgetUsd: 5,
      maxDepth: 2,
      ttl: 3600,
      now: NOW,
    });

    it('appends a link that verifies, narrowing scope and budget', () => {
      const token = delegate(root, orchestrator, {
        to: worker.did,
        scope: ['tool:search'],
        budgetUsd: 1,
        context: 'subtask',
        now: NOW,
      });
      const verified = verifyToken(token, { ...trust, scope: 'tool:search' });
      expect(verified).toMatchObject({ subject: worker.did, budgetUsd: 1, maxDepth: 1 });
      const deeper = delegate(token, worker, {
        to: helper.did,
        scope: ['tool:search'],
        context: 'one page',
        ttl: 60,
        now: NOW,
      });
      expect(verifyToken(deeper, trust)).toMatchObject({
        subject: helper.did,
        budgetUsd: 1,
        maxDepth: 0,
        expiresAt: NOW + 60,
      });
    });

    it('caps the lifetime at the parent expiry instead of extending it', () => {
      const token = delegate(root, orchestrator, {
        to: worker.did,
        scope: ['tool:search'],
        context: 'x',
        ttl: 99_999,
        now: NOW,
      });
      expect(verifyToken(token, trust).expiresAt).toBe(NOW + 3600);
    });

    it('refuses to widen, raise, deepen, or act for someone else', () => {
      const opts = { to: worker.did, context: 'x', now: NOW };
      expect(codeOf(() => delegate(root, orchestrator, { ...opts, scope: ['tool:*'] }))).toBe('aip_scope_insufficient');
      expect(codeOf(() => delegate(root, orchestrator, { ...opts, scope: ['tool:search'], budgetUsd: 6 }))).toBe(
        'aip_budget_exceeded',
      );
      expect(codeOf(() => delegate(root, orchestrator, { ...opts, scope: ['tool:search'], budgetUsd: null }))).toBe(
        'aip_budget_exceeded',
      );
      expect(codeOf(() => delegate(root, orchestrator, { ...opts, scope: ['tool:search'], maxDepth: 2 }))).toBe(
        'aip_depth_exceeded',
      );
      expect(codeOf(() => delegate(root, stranger, { ...opts, scope: ['tool:search'] }))).toBe('aip_holder_mismatch');
      expect(codeOf(() => delegate(root, orchestrator, { ...opts, scope: ['tool:search'], now: NOW + 4000 }))).toBe(
        'aip_token_expired',
      );
      const leaf = issueToken(issuer, { sub: orchestrator.did, scope: ['tool:search'], now: NOW });
      expect(codeOf(() => delegate(leaf, orchestrator, { ...opts, scope: ['tool:search'] }))).toBe(
        'aip_depth_exceeded',
      );
      expect(() => delegate(root, orchestrator, { ...opts, scope: ['tool:search'], context: ' ' })).toThrow(TypeError);
    });
  });

  describe('segment cache', () => {
    it('verifies a chain seen again without any signature check', () => {
      const { token } = validChain();
      const verifier = createTokenVerifier({ trustedKeys: [issuer.did] });
      verifier.verify(token, { now: NOW });
      expect(verifier.stats()).toEqual({ signatureChecks: 3, cacheHits: 0 });
      verifier.verify(token, { now: NOW });
      expect(verifier.stats()).toEqual({ signatureChecks: 3, cacheHits: 3 });
    });

    it('still re-checks time, trust and attenuation for cached segments', () => {
      const { token } = validChain();
      let trusted = true;
      const verifier = createTokenVerifier({ trustIssuer: () => trusted });
      verifier.verify(token, { now: NOW });
      expect(codeOf(() => verifier.verify(token, { now: NOW + 5000 }))).toBe('aip_token_expired');
      trusted = false;
      expect(codeOf(() => verifier.verify(token, { now: NOW }))).toBe('aip_issuer_untrusted');
    });

    it('gives the same answer whatever the cache holds: a cached link is never taken for a root token', () => {
      // A link verified once (even inside a chain that then failed on audience)...
      const root = rawJws(TOKEN_HEADER, rootClaims({ aud: 'x:proxy-a' }), issuer);
      const link1 = appendLink(root, orchestrator, { sub: worker.did, max_depth: 1 }, orchestrator).split(
        '~',
      )[1] as string;
      const verifier = createTokenVerifier({ trustedKeys: [issuer.did, orchestrator.did] });
      expect(codeOf(() => verifier.verify(`${root}~${link1}`, { now: NOW, audience: 'x:proxy-b' }))).toBe(
        'aip_audience_mismatch',
      );
      // ...presented alone, where a root token belongs, fails exactly as on a fresh verifier.
      const fresh = createTokenVerifier({ trustedKeys: [issuer.did, orchestrator.did] });
      expect(codeOf(() => fresh.verify(link1, { now: NOW }))).toBe('aip_token_malformed');
      expect(codeOf(() => verifier.verify(link1, { now: NOW }))).toBe('aip_token_malformed');
    });

    it('does not let a cached link vouch for a splice', () => {
      const { token, link1 } = validChain();
      const verifier = createTokenVerifier({ trustedKeys: [issuer.did] });
      verifier.verify(token, { now: NOW });
      const other = rawJws(TOKEN_HEADER, rootClaims({ jti: 'other-root' }), issuer);
      expect(codeOf(() => verifier.verify(`${other}~${link1}`, { now: NOW }))).toBe('aip_signature_invalid');
    });
  });
});
