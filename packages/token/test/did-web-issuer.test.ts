import { computeKeyState, createKeyRevocation, verifyKeyEvent } from '@aip/identity';
import { describe, expect, it } from 'vitest';
import { issueToken, verifyToken } from '../src/index.js';
import { codeOf, issuer, NOW, rawJws, rootClaims, stranger, TOKEN_HEADER } from './fixtures.js';

// A domain-anchored issuer: its key comes from its DID document (createDidWebKeys of @aip/identity).
const WEB = 'did:web:issuer.example.com';
const issuerKeyOf = (id: string) => (id === WEB ? issuer.publicKey : undefined);
const webToken = (signer = issuer, iss = WEB) => rawJws(TOKEN_HEADER, rootClaims({ iss }), signer);

describe('did:web issuers (issuerKeyOf)', () => {
  it('verifies a token whose issuer key its DID document gave', () => {
    expect(verifyToken(webToken(), { issuerKeyOf, now: NOW }).issuer).toBe(WEB);
  });

  it('refuses an issuer with no key (not resolved, or not chosen) and a token its key did not sign', () => {
    expect(codeOf(() => verifyToken(webToken(issuer, 'did:web:other.example'), { issuerKeyOf, now: NOW }))).toBe(
      'aip_identity_unresolvable',
    );
    expect(codeOf(() => verifyToken(webToken(stranger), { issuerKeyOf, now: NOW }))).toBe('aip_signature_invalid');
  });

  it('applies the key-event state to the key behind the did:web', () => {
    const keyState = computeKeyState([verifyKeyEvent(createKeyRevocation(issuer, { now: NOW - 10 }))]);
    expect(codeOf(() => verifyToken(webToken(), { issuerKeyOf, now: NOW, keyState }))).toBe('aip_key_revoked');
  });
});

describe('issuing as a did:web issuer', () => {
  it('names the did:web as iss, signed by the key its document publishes', () => {
    const token = issueToken(issuer, { sub: stranger.did, scope: ['tool:search'], issuerDid: WEB, now: NOW });
    expect(verifyToken(token, { issuerKeyOf, now: NOW })).toMatchObject({ issuer: WEB, subject: stranger.did });
  });

  it('refuses an issuerDid that is not a did:web', () => {
    for (const issuerDid of ['did:key:z6Mk', 'did:web:', 'did:web:exa mple.com', `did:web:${'a'.repeat(600)}`])
      expect(codeOf(() => issueToken(issuer, { sub: stranger.did, scope: ['tool:a'], issuerDid }))).toBe(
        'aip_token_malformed',
      );
  });
});
