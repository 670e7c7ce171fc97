// A verifier hands back the same frozen result for a token it verified before, and checks again,
// in the same order, everything that can change between two calls.
import {
  computeKeyState,
  createInception,
  createKeyRevocation,
  type KeyEventState,
  verifyKeyEvent,
} from '@aip/identity';
import { describe, expect, it } from 'vitest';
import { createTokenVerifier, delegate, issueToken, type RevocationQuery } from '../src/index.js';
import {
  codeOf,
  fixedIdentity,
  issuer,
  NOW,
  orchestrator,
  rawJws,
  rootClaims,
  stranger,
  TOKEN_HEADER,
  worker,
} from './fixtures.js';

const chain = () => {
  const root = issueToken(issuer, { sub: orchestrator.did, scope: ['tool:*'], maxDepth: 2, ttl: 3000, now: NOW - 10 });
  return delegate(root, orchestrator, { to: worker.did, scope: ['tool:search'], context: 'search', now: NOW - 5 });
};

describe('a verifier verifying the same token again', () => {
  it('returns the same frozen result, and skips every signature', () => {
    const token = chain();
    const verifier = createTokenVerifier({ trustedKeys: [issuer.did] });
    const first = verifier.verify(token, { now: NOW });
    const again = verifier.verify(token, { now: NOW + 1 });
    expect(again).toBe(first);
    expect(verifier.stats()).toEqual({ signatureChecks: 2, cacheHits: 2 });
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first.scope)).toBe(true);
    expect(Object.isFrozen(first.chain)).toBe(true);
    expect(Object.isFrozen(first.chain[0])).toBe(true);
    expect(Object.isFrozen(first.chain[0]?.scope)).toBe(true);
    // What a caller cannot change, the next caller cannot inherit.
    expect(() => (first.scope as string[]).push('tool:*')).toThrow(TypeError);
    expect(verifier.verify(token, { now: NOW, scope: 'tool:search' }).scope).toEqual(['tool:search']);
    expect(codeOf(() => verifier.verify(token, { now: NOW, scope: 'tool:admin' }))).toBe('aip_scope_insufficient');
  });

  it('checks revocation, time, audience and the operation on every call', () => {
    const root = rawJws(TOKEN_HEADER, rootClaims({ aud: 'x:proxy-a' }), issuer);
    const revoked = new Set<string>();
    const verifier = createTokenVerifier({
      trustedKeys: [issuer.did],
      isRevoked: (q: RevocationQuery) => revoked.has(q.jti ?? ''),
    });
    verifier.verify(root, { now: NOW, audience: 'x:proxy-a' });
    expect(codeOf(() => verifier.verify(root, { now: NOW, audience: 'x:proxy-b' }))).toBe('aip_audience_mismatch');
    expect(codeOf(() => verifier.verify(root, { now: NOW + 3000, audience: 'x:proxy-a' }))).toBe('aip_token_expired');
    expect(codeOf(() => verifier.verify(root, { now: NOW, audience: 'x:proxy-a', scope: 'tool:delete' }))).toBe(
      'aip_scope_insufficient',
    );
    revoked.add('root-1');
    expect(codeOf(() => verifier.verify(root, { now: NOW, audience: 'x:proxy-a' }))).toBe('aip_key_revoked');
    revoked.clear();
    expect(verifier.verify(root, { now: NOW, audience: 'x:proxy-a' }).issuer).toBe(issuer.did);
  });

  it('asks whether the issuer is trusted, and reads the key-event state, on every call', () => {
    const token = chain();
    let trusted = true;
    let state: KeyEventState | undefined;
    const verifier = createTokenVerifier({ trustIssuer: () => trusted, keyState: () => state });
    verifier.verify(token, { now: NOW });
    trusted = false;
    expect(codeOf(() => verifier.verify(token, { now: NOW }))).toBe('aip_issuer_untrusted');
    trusted = true;
    const recovery = fixedIdentity(31);
    const inception = createInception(orchestrator, { next: recovery.publicKey, now: NOW - 1000 });
    state = computeKeyState(
      [inception, createKeyRevocation(recovery, { key: orchestrator.did, now: NOW - 1 })].map((e) => verifyKeyEvent(e)),
    );
    // The delegation link's signer was revoked since: refused, naming the link.
    const err = (() => {
      try {
        verifier.verify(token, { now: NOW });
      } catch (e) {
        return e as { code: string; link?: number };
      }
    })();
    expect(err).toMatchObject({ code: 'aip_key_revoked', link: 1 });
  });

  it('verifies the signature again when the issuer key it looks up changes', () => {
    const rotatedAway = fixedIdentity(41);
    const current = fixedIdentity(42);
    const token = rawJws(TOKEN_HEADER, rootClaims({ iss: 'did:web:issuer.example' }), rotatedAway);
    let key = rotatedAway.publicKey;
    const verifier = createTokenVerifier({ issuerKeyOf: () => key });
    expect(verifier.verify(token, { now: NOW }).issuer).toBe('did:web:issuer.example');
    key = current.publicKey;
    expect(codeOf(() => verifier.verify(token, { now: NOW }))).toBe('aip_signature_invalid');
  });

  it('keeps the order of the checks: the audience is refused before an enforced audit warning', () => {
    const root = rawJws(TOKEN_HEADER, rootClaims({ aud: 'x:proxy-a', scope: ['*'] }), issuer);
    const verifier = createTokenVerifier({ trustedKeys: [issuer.did], audit: { enforce: ['wildcard_scope'] } });
    expect(codeOf(() => verifier.verify(root, { now: NOW, audience: 'x:proxy-b' }))).toBe('aip_audience_mismatch');
    expect(codeOf(() => verifier.verify(root, { now: NOW, audience: 'x:proxy-a' }))).toBe('aip_scope_insufficient');
    expect(codeOf(() => verifier.verify(root, { now: NOW, audience: 'x:proxy-b' }))).toBe('aip_audience_mismatch');
  });

  it('hands out a copy of the holder key: writing to it changes nothing the verifier checks', () => {
    const token = chain();
    const verifier = createTokenVerifier({ trustedKeys: [issuer.did] });
    const verified = verifier.verify(token, { now: NOW });
    // The worker's key, overwritten with a stranger's by a careless caller...
    (verified.subjectKey as Uint8Array).set(stranger.publicKey);
    // ...does not let the stranger sign a link in the worker's name.
    const forged = delegate(
      token,
      { ...stranger, did: worker.did, aipId: worker.aipId },
      { to: stranger.did, scope: ['tool:search'], context: 'forged', now: NOW - 1 },
    );
    expect(codeOf(() => verifier.verify(forged, { now: NOW }))).toBe('aip_signature_invalid');
  });

  it('keeps nothing when the cache is off', () => {
    const token = chain();
    const verifier = createTokenVerifier({ trustedKeys: [issuer.did], cacheSize: 0 });
    const first = verifier.verify(token, { now: NOW });
    expect(verifier.verify(token, { now: NOW })).not.toBe(first);
    expect(verifier.stats()).toEqual({ signatureChecks: 4, cacheHits: 0 });
  });
});
