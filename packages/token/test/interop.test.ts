import { createPrivateKey, createPublicKey } from 'node:crypto';
import { exportSecretKey } from '@aip/identity';
import { CompactSign, importJWK, jwtVerify, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { issueToken, verifyToken } from '../src/index.js';
import { issuer, NOW, orchestrator } from './fixtures.js';

// An independent JWT implementation (jose) on both sides of the wire.
const publicJwk = { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(issuer.publicKey).toString('base64url') };
const privateJwk = { ...publicJwk, d: Buffer.from(exportSecretKey(issuer)).toString('base64url') };

describe('interoperability with jose', () => {
  it('jose verifies the compact tokens AIP mints', async () => {
    const token = issueToken(issuer, {
      sub: orchestrator.did,
      scope: ['tool:search'],
      budgetUsd: 1,
      aud: 'x:server',
      now: NOW,
    });
    const key = await importJWK(publicJwk, 'EdDSA');
    const { payload, protectedHeader } = await jwtVerify(token, key, {
      currentDate: new Date(NOW * 1000),
      typ: 'aip+jwt',
      audience: 'x:server',
      algorithms: ['EdDSA'],
    });
    expect(protectedHeader).toEqual({ alg: 'EdDSA', typ: 'aip+jwt' });
    expect(payload).toMatchObject({
      iss: issuer.did,
      sub: orchestrator.did,
      scope: ['tool:search'],
      budget_usd: 1,
      max_depth: 0,
    });
  });

  it('AIP verifies EdDSA tokens jose mints with the AIP claims', async () => {
    const key = await importJWK(privateJwk, 'EdDSA');
    const token = await new SignJWT({ scope: ['tool:search', 'tool:fetch'], budget_usd: null })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'aip+jwt' })
      .setIssuer(issuer.aipId)
      .setSubject(orchestrator.did)
      .setIssuedAt(NOW)
      .setExpirationTime(NOW + 600)
      .setJti('jose-1')
      .sign(key);
    const verified = verifyToken(token, { trustedKeys: [issuer.did], now: NOW, scope: 'tool:fetch' });
    expect(verified).toMatchObject({ issuer: issuer.aipId, subject: orchestrator.did, budgetUsd: null, maxDepth: 0 });
  });

  it('AIP verifies a token signed through node:crypto KeyObjects via jose CompactSign', async () => {
    const privateKey = createPrivateKey({ key: privateJwk, format: 'jwk' });
    expect(createPublicKey(privateKey).export({ format: 'jwk' }).x).toBe(publicJwk.x);
    const payload = new TextEncoder().encode(
      JSON.stringify({ iss: issuer.did, sub: orchestrator.did, scope: ['tool:search'], iat: NOW, exp: NOW + 60 }),
    );
    const token = await new CompactSign(payload).setProtectedHeader({ typ: 'aip+jwt', alg: 'EdDSA' }).sign(privateKey);
    expect(verifyToken(token, { trustedKeys: [issuer.did], now: NOW }).issuer).toBe(issuer.did);
  });
});
