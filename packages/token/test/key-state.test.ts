import {
  computeKeyState,
  createInception,
  createKeyRevocation,
  createRotation,
  type KeyEvent,
  type KeyEventState,
  verifyKeyEvent,
} from '@aip/identity';
import { describe, expect, it } from 'vitest';
import {
  checkProof,
  createTokenVerifier,
  delegate,
  issueToken,
  signRequest,
  TokenError,
  verifyToken,
} from '../src/index.js';
import { codeOf, fixedIdentity, issuer, NOW, orchestrator, worker } from './fixtures.js';

// The issuer's lineage: issuer (working key) -> recovery, rotated at NOW - 100.
const recovery = fixedIdentity(21);
const following = fixedIdentity(22);
const inception = createInception(issuer, { next: recovery.publicKey, now: NOW - 1000 });
const rotation = createRotation(recovery, { established: inception, next: following.publicKey, now: NOW - 100 });
const stateOf = (...events: KeyEvent[]) => computeKeyState(events.map((e) => verifyKeyEvent(e)));
const rotated = stateOf(inception, rotation);

const trust = { trustedKeys: [issuer.did, recovery.did], now: NOW };
const tokenBy = (signer = issuer, iat = NOW - 10, form: 'did' | 'aip' = 'did') =>
  issueToken(signer, { sub: orchestrator.did, scope: ['tool:search'], maxDepth: 2, now: iat, issuerForm: form });

describe('token verification honours the key-event state', () => {
  it('refuses a token a rotated-away key issued at or after the rotation', () => {
    expect(codeOf(() => verifyToken(tokenBy(issuer, NOW - 100), { ...trust, keyState: rotated }))).toBe(
      'aip_key_revoked',
    );
    expect(codeOf(() => verifyToken(tokenBy(issuer, NOW - 10, 'aip'), { ...trust, keyState: rotated }))).toBe(
      'aip_key_revoked',
    );
  });

  it('keeps a token the rotated-away key issued before the rotation valid until it expires', () => {
    expect(verifyToken(tokenBy(issuer, NOW - 101), { ...trust, keyState: rotated }).issuer).toBe(issuer.did);
  });

  it('admits the successor key', () => {
    expect(verifyToken(tokenBy(recovery), { ...trust, keyState: rotated }).issuer).toBe(recovery.did);
  });

  it('refuses everything a revoked key signed, whatever date it claims', () => {
    const revoked = stateOf(inception, createKeyRevocation(recovery, { key: issuer.did, now: NOW - 50 }));
    const early = tokenBy(issuer, NOW - 900);
    expect(verifyToken(early, trust).issuer).toBe(issuer.did);
    const err = (() => {
      try {
        verifyToken(early, { ...trust, keyState: revoked });
      } catch (e) {
        return e as TokenError;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(TokenError);
    expect(err?.code).toBe('aip_key_revoked');
    expect(err?.link).toBe(0);
    expect(err?.message).not.toContain(issuer.did);
  });

  it('says the key is revoked before asking whether its issuer is trusted', () => {
    const revoked = stateOf(createKeyRevocation(issuer, { now: NOW - 1 }));
    expect(codeOf(() => verifyToken(tokenBy(issuer), { trustedKeys: [recovery.did], now: NOW }))).toBe(
      'aip_issuer_untrusted',
    );
    expect(
      codeOf(() => verifyToken(tokenBy(issuer), { trustedKeys: [recovery.did], now: NOW, keyState: revoked })),
    ).toBe('aip_key_revoked');
  });

  it('refuses a delegation link signed by a revoked holder, naming the link', () => {
    const root = issueToken(issuer, { sub: orchestrator.did, scope: ['tool:search'], maxDepth: 2, now: NOW - 10 });
    const chain = delegate(root, orchestrator, {
      to: worker.did,
      scope: ['tool:search'],
      context: 'subtask',
      now: NOW - 5,
    });
    const revoked = stateOf(createKeyRevocation(orchestrator, { now: NOW - 1 }));
    let link: number | undefined;
    try {
      verifyToken(chain, { ...trust, keyState: revoked });
    } catch (err) {
      expect((err as TokenError).code).toBe('aip_key_revoked');
      link = (err as TokenError).link;
    }
    expect(link).toBe(1);
  });

  it('reads a state function on every call, so a reloaded state applies to the same verifier', () => {
    let current: KeyEventState | undefined;
    const verifier = createTokenVerifier({ trustedKeys: [issuer.did], keyState: () => current });
    const token = tokenBy(issuer, NOW - 10);
    expect(verifier.verify(token, { now: NOW }).issuer).toBe(issuer.did);
    current = rotated;
    expect(codeOf(() => verifier.verify(token, { now: NOW }))).toBe('aip_key_revoked');
  });
});

describe('proofs honour the key-event state', () => {
  const request = { token: 'T', method: 'POST', path: '/mcp', body: '{}', audience: 'did:key:server' };

  it('refuses a proof signed by a revoked holder key, and accepts one by a live key', () => {
    const revoked = stateOf(createKeyRevocation(worker, { now: NOW - 1 }));
    const proof = signRequest(worker, { ...request, now: NOW });
    const options = { ...request, holderKey: worker.publicKey, now: NOW, keyState: revoked };
    expect(codeOf(() => checkProof(proof, options))).toBe('aip_key_revoked');
    const live = signRequest(orchestrator, { ...request, now: NOW });
    expect(checkProof(live, { ...options, holderKey: orchestrator.publicKey }).claims.iat).toBe(NOW);
  });

  it('refuses a proof a rotated-away key signed after the rotation', () => {
    const proof = signRequest(issuer, { ...request, now: NOW });
    expect(
      codeOf(() => checkProof(proof, { ...request, holderKey: issuer.publicKey, now: NOW, keyState: rotated })),
    ).toBe('aip_key_revoked');
  });
});
