import { describe, expect, it } from 'vitest';
import {
  createMemoryReplayCache,
  createTokenVerifier,
  delegate,
  issueToken,
  signRequest,
  verifyProof,
} from '../src/index.js';
import { codeOf, issuer, NOW, orchestrator, stranger, worker } from './fixtures.js';

const AUD = 'did:key:z6MkServerAudience';

describe('proofs of possession', () => {
  const token = delegate(
    issueToken(issuer, { sub: orchestrator.did, scope: ['tool:search'], maxDepth: 1, now: NOW }),
    orchestrator,
    { to: worker.did, scope: ['tool:search'], context: 'x', now: NOW },
  );
  const verified = createTokenVerifier({ trustedKeys: [issuer.did] }).verify(token, { now: NOW });
  const body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search"}}';
  const request = { token, method: 'POST', path: '/mcp', body, audience: AUD };

  function check(proof: string | undefined, overrides: Partial<Parameters<typeof verifyProof>[1]> = {}) {
    return verifyProof(proof, {
      ...request,
      holderKey: verified.subjectKey as Uint8Array,
      replayCache: createMemoryReplayCache(),
      now: NOW,
      ...overrides,
    });
  }

  it('accepts a proof from the final holder bound to this exact request', () => {
    const proof = signRequest(worker, { ...request, now: NOW });
    expect(check(proof)).toMatchObject({ aud: AUD, htm: 'POST', htu: '/mcp' });
  });

  it('rejects a replay within the window, accepts a fresh proof', () => {
    const replayCache = createMemoryReplayCache();
    const proof = signRequest(worker, { ...request, now: NOW });
    check(proof, { replayCache });
    expect(codeOf(() => check(proof, { replayCache }))).toBe('aip_proof_invalid');
    expect(check(signRequest(worker, { ...request, now: NOW }), { replayCache }).jti).toBeTruthy();
  });

  it('rejects proofs bound to another body, path, method, audience or token', () => {
    const proof = signRequest(worker, { ...request, now: NOW });
    const other = issueToken(issuer, { sub: worker.did, scope: ['tool:search'], now: NOW });
    const swaps = [
      { body: body.replace('search', 'delete') },
      { path: '/mcp/other' },
      { method: 'GET' },
      { audience: 'did:key:z6MkElsewhere' },
      { token: other },
    ];
    for (const swap of swaps)
      expect(
        codeOf(() => check(proof, swap)),
        JSON.stringify(swap).slice(0, 40),
      ).toBe('aip_proof_invalid');
  });

  it('rejects a proof signed by anyone but the final holder', () => {
    for (const signer of [orchestrator, stranger])
      expect(codeOf(() => check(signRequest(signer, { ...request, now: NOW })))).toBe('aip_proof_invalid');
  });

  it('rejects stale, future, missing and malformed proofs', () => {
    expect(codeOf(() => check(signRequest(worker, { ...request, now: NOW - 61 })))).toBe('aip_proof_invalid');
    expect(codeOf(() => check(signRequest(worker, { ...request, now: NOW + 31 })))).toBe('aip_proof_invalid');
    expect(check(signRequest(worker, { ...request, now: NOW - 59 })).iat).toBe(NOW - 59);
    for (const proof of [undefined, '', 'garbage', token.split('~')[0]])
      expect(codeOf(() => check(proof))).toBe('aip_proof_invalid');
  });

  it('binds the body byte for byte (bytes and strings alike)', () => {
    const bytes = new TextEncoder().encode(body);
    const proof = signRequest(worker, { ...request, body: bytes, now: NOW });
    expect(check(proof).bh).toBe(check(signRequest(worker, { ...request, now: NOW })).bh);
    expect(codeOf(() => check(proof, { body: `${body} ` }))).toBe('aip_proof_invalid');
  });

  it('fails closed when the replay cache is full of live ids, and forgets expired ones', () => {
    const replayCache = createMemoryReplayCache({ maxEntries: 2 });
    check(signRequest(worker, { ...request, now: NOW }), { replayCache });
    check(signRequest(worker, { ...request, now: NOW }), { replayCache });
    expect(codeOf(() => check(signRequest(worker, { ...request, now: NOW }), { replayCache }))).toBe(
      'aip_proof_invalid',
    );
    expect(check(signRequest(worker, { ...request, now: NOW + 100 }), { replayCache, now: NOW + 100 }).iat).toBe(
      NOW + 100,
    );
  });
});
