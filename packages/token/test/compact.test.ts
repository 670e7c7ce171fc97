import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  createTokenVerifier,
  decodeToken,
  delegate,
  issueToken,
  looksLikeAipToken,
  verifyToken,
} from '../src/index.js';
import { b64, codeOf, issuer, NOW, orchestrator, rawJws, rootClaims, stranger, TOKEN_HEADER } from './fixtures.js';

const trust = { trustedKeys: [issuer.did], now: NOW };

describe('compact tokens', () => {
  it('issues and verifies, returning the claims and a one-entry chain', () => {
    const token = issueToken(issuer, {
      sub: orchestrator.did,
      scope: ['tool:search'],
      ttl: 600,
      budgetUsd: 2,
      now: NOW,
      jti: 't1',
    });
    const verified = verifyToken(token, { ...trust, scope: 'tool:search' });
    expect(verified).toMatchObject({
      issuer: issuer.did,
      subject: orchestrator.did,
      scope: ['tool:search'],
      budgetUsd: 2,
      maxDepth: 0,
      expiresAt: NOW + 600,
    });
    expect(verified.chain).toHaveLength(1);
    expect(verified.chain[0]).toMatchObject({ iss: issuer.did, jti: 't1' });
    expect(verified.subjectKey).toEqual(orchestrator.publicKey);
  });

  it('writes the header exactly {"alg":"EdDSA","typ":"aip+jwt"} and the reference claim order', () => {
    const token = issueToken(issuer, {
      sub: 'aip:web:example.com/tools/search',
      scope: ['tool:search'],
      now: NOW,
      jti: null,
    });
    const [header, payload] = token.split('.');
    expect(Buffer.from(header as string, 'base64url').toString()).toBe('{"alg":"EdDSA","typ":"aip+jwt"}');
    expect(Object.keys(JSON.parse(Buffer.from(payload as string, 'base64url').toString()))).toEqual([
      'iss',
      'sub',
      'scope',
      'budget_usd',
      'max_depth',
      'iat',
      'exp',
    ]);
    expect(JSON.parse(Buffer.from(payload as string, 'base64url').toString()).budget_usd).toBeNull();
  });

  it('verifies a token shaped exactly as the Python reference mints it (aip:key issuer, float budget)', () => {
    const iss = issuer.aipId; // aip:key:ed25519:z<base58 raw key>
    const payload = `{"iss":"${iss}","sub":"aip:web:example.com/tools/search","scope":["tool:search"],"budget_usd":1.0,"max_depth":0,"iat":${NOW},"exp":${NOW + 3600}}`;
    const token = rawJws('{"alg":"EdDSA","typ":"aip+jwt"}', payload, issuer);
    const verified = verifyToken(token, {
      trustedKeys: [issuer.aipId.slice('aip:key:ed25519:'.length)],
      now: NOW,
      scope: 'tool:search',
    });
    expect(verified).toMatchObject({ issuer: iss, budgetUsd: 1, maxDepth: 0, subjectKey: undefined });
    const nullBudget = rawJws(TOKEN_HEADER, { ...rootClaims({ iss, budget_usd: null }), max_depth: undefined }, issuer);
    expect(verifyToken(nullBudget, trust)).toMatchObject({ budgetUsd: null, maxDepth: 0 });
  });

  it('accepts the issuer as did:key, aip:key (raw) and aip:key (multicodec) with any trusted-key form', () => {
    const forms = [issuer.did, issuer.aipId, `aip:key:ed25519:${issuer.publicKeyMultibase}`];
    const trustForms = [issuer.did, issuer.aipId.slice(16), issuer.publicKeyMultibase];
    for (const iss of forms) {
      for (const key of trustForms) {
        const token = rawJws(TOKEN_HEADER, rootClaims({ iss }), issuer);
        expect(verifyToken(token, { trustedKeys: [key], now: NOW }).issuer).toBe(iss);
      }
    }
  });

  it('takes the key from the issuer id, never by trying trusted keys', () => {
    // Signed by a trusted key, but claiming to be from someone else: the claimed issuer is untrusted.
    const impostor = rawJws(TOKEN_HEADER, rootClaims({ iss: stranger.did }), issuer);
    expect(codeOf(() => verifyToken(impostor, trust))).toBe('aip_issuer_untrusted');
    // Claiming the trusted issuer, signed by another key: the signature fails.
    const forged = rawJws(TOKEN_HEADER, rootClaims({ iss: issuer.did }), stranger);
    expect(codeOf(() => verifyToken(forged, { ...trust, trustedKeys: [issuer.did, stranger.did] }))).toBe(
      'aip_signature_invalid',
    );
  });

  it('maps configured issuer ids to keys for issuers that are not self-certifying', () => {
    const token = rawJws(TOKEN_HEADER, rootClaims({ iss: 'aip:web:example.com/issuer' }), issuer);
    expect(verifyToken(token, { issuerKeys: { 'aip:web:example.com/issuer': issuer.did }, now: NOW }).issuer).toBe(
      'aip:web:example.com/issuer',
    );
    expect(codeOf(() => verifyToken(token, trust))).toBe('aip_identity_unresolvable');
  });

  describe('clock', () => {
    it('rejects a token that expired 10 s ago, and one expiring exactly now', () => {
      expect(codeOf(() => verifyToken(rawJws(TOKEN_HEADER, rootClaims({ exp: NOW - 10 }), issuer), trust))).toBe(
        'aip_token_expired',
      );
      expect(codeOf(() => verifyToken(rawJws(TOKEN_HEADER, rootClaims({ exp: NOW }), issuer), trust))).toBe(
        'aip_token_expired',
      );
    });
    it('tolerates iat and nbf up to 30 s in the future (configurable)', () => {
      const soon = rawJws(TOKEN_HEADER, rootClaims({ iat: NOW + 25, nbf: NOW + 25 }), issuer);
      expect(verifyToken(soon, trust).issuer).toBe(issuer.did);
      expect(codeOf(() => verifyToken(soon, { ...trust, clockTolerance: 5 }))).toBe('aip_token_expired');
      expect(codeOf(() => verifyToken(rawJws(TOKEN_HEADER, rootClaims({ iat: NOW + 40 }), issuer), trust))).toBe(
        'aip_token_expired',
      );
      expect(codeOf(() => verifyToken(rawJws(TOKEN_HEADER, rootClaims({ nbf: NOW + 40 }), issuer), trust))).toBe(
        'aip_token_expired',
      );
    });
    it('uses the injected now, not the wall clock', () => {
      const token = rawJws(TOKEN_HEADER, rootClaims({ iat: 1000, exp: 2000 }), issuer);
      expect(verifyToken(token, { ...trust, now: 1500 }).expiresAt).toBe(2000);
    });
  });

  describe('error codes', () => {
    const cases: [string, () => unknown, string][] = [
      ['missing', () => verifyToken('', trust), 'aip_token_missing'],
      ['not a string', () => verifyToken(undefined as unknown as string, trust), 'aip_token_missing'],
      ['two parts', () => verifyToken('eyJhbGciOiJFZERTQSJ9.e30', trust), 'aip_token_malformed'],
      [
        'four parts',
        () => verifyToken(`${rawJws(TOKEN_HEADER, rootClaims(), issuer)}.AAAA`, trust),
        'aip_token_malformed',
      ],
      [
        'untrusted issuer',
        () => verifyToken(rawJws(TOKEN_HEADER, rootClaims({ iss: stranger.did }), stranger), trust),
        'aip_issuer_untrusted',
      ],
      [
        'unresolvable issuer',
        () => verifyToken(rawJws(TOKEN_HEADER, rootClaims({ iss: 'did:key:z6MkNotAKey' }), issuer), trust),
        'aip_identity_unresolvable',
      ],
      [
        'small-order issuer key',
        () =>
          verifyToken(
            rawJws(
              TOKEN_HEADER,
              rootClaims({ iss: 'did:key:z6MkeXATEjyXENzBXBxgC5EHk2JE5aqd7qMGGtDpLUH1e2Sj' }),
              issuer,
            ),
            trust,
          ),
        'aip_identity_unresolvable',
      ],
      [
        'web issuer without key',
        () => verifyToken(rawJws(TOKEN_HEADER, rootClaims({ iss: 'aip:web:evil.example' }), issuer), trust),
        'aip_identity_unresolvable',
      ],
      [
        'required scope not granted',
        () => verifyToken(rawJws(TOKEN_HEADER, rootClaims(), issuer), { ...trust, scope: 'tool:delete' }),
        'aip_scope_insufficient',
      ],
      [
        'wrong audience',
        () =>
          verifyToken(rawJws(TOKEN_HEADER, rootClaims({ aud: 'did:key:z6MkOther' }), issuer), {
            ...trust,
            audience: 'did:key:z6MkMe',
          }),
        'aip_audience_mismatch',
      ],
      [
        'missing audience when required',
        () =>
          createTokenVerifier({ trustedKeys: [issuer.did], audience: 'x:y', requireAudience: true }).verify(
            rawJws(TOKEN_HEADER, rootClaims(), issuer),
            { now: NOW },
          ),
        'aip_audience_mismatch',
      ],
      [
        'revoked',
        () =>
          verifyToken(rawJws(TOKEN_HEADER, rootClaims(), issuer), { ...trust, isRevoked: (q) => q.jti === 'root-1' }),
        'aip_key_revoked',
      ],
    ];
    for (const [name, fn, code] of cases) it(`${code}: ${name}`, () => expect(codeOf(fn)).toBe(code));

    it('accepts an audience listed in an aud array', () => {
      const token = rawJws(TOKEN_HEADER, rootClaims({ aud: ['x:a', 'x:b'] }), issuer);
      expect(verifyToken(token, { ...trust, audience: 'x:b' }).audience).toEqual(['x:a', 'x:b']);
    });
  });

  describe('malformed claims', () => {
    const bad: [string, Record<string, unknown>][] = [
      ['no scope', { scope: undefined }],
      ['empty scope', { scope: [] }],
      ['scope not an array', { scope: 'tool:search' }],
      ['invalid scope', { scope: ['search'] }],
      ['too many scopes', { scope: Array.from({ length: 65 }, (_, i) => `tool:t${i}`) }],
      ['negative budget', { budget_usd: -1 }],
      ['string budget', { budget_usd: '5' }],
      ['negative max_depth', { max_depth: -1 }],
      ['fractional max_depth', { max_depth: 1.5 }],
      ['string iat', { iat: String(NOW) }],
      ['missing exp', { exp: undefined }],
      ['exp before iat', { exp: NOW - 100 }],
      ['missing iss', { iss: undefined }],
      ['issuer with a newline', { iss: `${issuer.did}\n` }],
      ['numeric sub', { sub: 42 }],
      ['empty aud array', { aud: [] }],
      ['huge jti', { jti: 'x'.repeat(200) }],
    ];
    for (const [name, override] of bad) {
      it(`rejects ${name}`, () => {
        expect(codeOf(() => verifyToken(rawJws(TOKEN_HEADER, rootClaims(override), issuer), trust))).toBe(
          'aip_token_malformed',
        );
      });
    }
    it('rejects a payload that is not a JSON object', () => {
      expect(codeOf(() => verifyToken(rawJws(TOKEN_HEADER, '[1,2]', issuer), trust))).toBe('aip_token_malformed');
      expect(codeOf(() => verifyToken(rawJws(TOKEN_HEADER, '{"iss":', issuer), trust))).toBe('aip_token_malformed');
      expect(
        codeOf(() =>
          verifyToken(
            `${b64(JSON.stringify(TOKEN_HEADER))}.${b64(new Uint8Array([0xff, 0xfe]))}.${b64(new Uint8Array(64))}`,
            trust,
          ),
        ),
      ).toBe('aip_token_malformed');
    });
  });

  describe('typ and alg confusion', () => {
    const claims = rootClaims();
    const headers: [string, object | string][] = [
      ['alg none', { alg: 'none', typ: 'aip+jwt' }],
      ['alg HS256', { alg: 'HS256', typ: 'aip+jwt' }],
      ['alg Ed25519', { alg: 'Ed25519', typ: 'aip+jwt' }],
      ['typ JWT', { alg: 'EdDSA', typ: 'JWT' }],
      ['typ of a link', { alg: 'EdDSA', typ: 'aip-dlg+jwt' }],
      ['typ of a proof', { alg: 'EdDSA', typ: 'aip-pop+jwt' }],
      ['no typ', { alg: 'EdDSA' }],
      ['extra kid', { alg: 'EdDSA', typ: 'aip+jwt', kid: 'x' }],
      ['crit', { alg: 'EdDSA', typ: 'aip+jwt', crit: ['b64'], b64: false }],
      ['embedded jwk', { alg: 'EdDSA', typ: 'aip+jwt', jwk: { kty: 'OKP' } }],
      ['header array', '[]'],
    ];
    for (const [name, header] of headers) {
      it(`rejects ${name} as aip_token_malformed`, () => {
        expect(codeOf(() => verifyToken(rawJws(header, claims, issuer), trust))).toBe('aip_token_malformed');
      });
    }
    it('accepts the same header with members in another order (standard JWT libraries)', () => {
      expect(verifyToken(rawJws('{"typ":"aip+jwt","alg":"EdDSA"}', claims, issuer), trust).issuer).toBe(issuer.did);
    });
    it('rejects alg none with an empty signature and HS256 keyed with the public key', () => {
      const h = b64('{"alg":"none","typ":"aip+jwt"}');
      const p = b64(JSON.stringify(claims));
      expect(codeOf(() => verifyToken(`${h}.${p}.`, trust))).toBe('aip_token_malformed');
      const hs = b64('{"alg":"HS256","typ":"aip+jwt"}');
      const mac = createHmac('sha256', Buffer.from(issuer.publicKey)).update(`${hs}.${p}`).digest('base64url');
      expect(codeOf(() => verifyToken(`${hs}.${p}.${mac}`, trust))).toBe('aip_token_malformed');
      const macAsText = createHmac('sha256', issuer.did).update(`${hs}.${p}`).digest('base64url');
      expect(codeOf(() => verifyToken(`${hs}.${p}.${macAsText}`, trust))).toBe('aip_token_malformed');
    });
  });

  describe('base64url and sizes', () => {
    const token = rawJws(TOKEN_HEADER, rootClaims(), issuer);
    const [h, p, s] = token.split('.') as [string, string, string];
    it('rejects padding, standard-alphabet and whitespace in any part', () => {
      for (const t of [
        `${h}=.${p}.${s}`,
        `${h}.${p}=.${s}`,
        `${h}.${p}.${s}==`,
        `${h}.${p.replace(/-/g, '+')}x.${s}`,
        ` ${token}`,
        `${token}\n`,
        `${h}.${p}.${s.replace(/_/g, '/')}`,
      ]) {
        expect(
          codeOf(() => verifyToken(t, trust)),
          t.slice(-12),
        ).toBe('aip_token_malformed');
      }
    });
    it('rejects truncated and extended signatures', () => {
      expect(codeOf(() => verifyToken(`${h}.${p}.${s.slice(0, -2)}`, trust))).toBe('aip_token_malformed');
      expect(codeOf(() => verifyToken(`${h}.${p}.${s}AAAA`, trust))).toBe('aip_token_malformed');
      expect(codeOf(() => verifyToken(`${h}.${p.slice(0, -3)}.${s}`, trust))).toBe('aip_token_malformed');
    });
    it('rejects a flipped signature bit as aip_signature_invalid', () => {
      const sig = Buffer.from(s, 'base64url');
      sig[10] = (sig[10] as number) ^ 1;
      expect(codeOf(() => verifyToken(`${h}.${p}.${sig.toString('base64url')}`, trust))).toBe('aip_signature_invalid');
    });
    it('refuses huge inputs before parsing them', () => {
      expect(codeOf(() => verifyToken('a'.repeat(10_000_000), trust))).toBe('aip_token_malformed');
      expect(codeOf(() => verifyToken(`${h}.${'A'.repeat(5000)}.${s}`, trust))).toBe('aip_token_malformed');
      expect(
        codeOf(() => verifyToken(rawJws(TOKEN_HEADER, rootClaims({ pad: 'x'.repeat(4000) }), issuer), trust)),
      ).toBe('aip_token_malformed');
      expect(codeOf(() => verifyToken(`${'~'.repeat(100)}`, trust))).toBe('aip_depth_exceeded');
    });
  });

  it('is deterministic: the same bad token always gets the same code', () => {
    const verifier = createTokenVerifier({ trustedKeys: [issuer.did] });
    const bad = rawJws(TOKEN_HEADER, rootClaims({ exp: NOW - 1 }), issuer);
    const codes = new Set(Array.from({ length: 5 }, () => codeOf(() => verifier.verify(bad, { now: NOW }))));
    expect([...codes]).toEqual(['aip_token_expired']);
  });

  it('decodes without verifying for inspection', () => {
    const token = issueToken(issuer, { sub: orchestrator.did, scope: ['tool:search'], now: NOW });
    const [segment] = decodeToken(token);
    expect(segment).toMatchObject({ type: 'aip+jwt', claims: { iss: issuer.did, sub: orchestrator.did } });
    expect(segment?.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('tells an AIP token or chain from an OAuth JWT by its header alone', () => {
    const token = issueToken(issuer, { sub: orchestrator.did, scope: ['tool:*'], maxDepth: 1, now: NOW });
    const chain = delegate(token, orchestrator, {
      to: stranger.did,
      scope: ['tool:search'],
      context: 'look',
      now: NOW,
    });
    expect(looksLikeAipToken(token)).toBe(true);
    expect(looksLikeAipToken(chain)).toBe(true);
    // A non-canonical header that still names typ aip+jwt is an AIP token (verification refuses it).
    expect(looksLikeAipToken(rawJws({ typ: 'aip+jwt', alg: 'EdDSA' }, rootClaims(), issuer))).toBe(true);
    const jwt = (header: object) => `${b64(JSON.stringify(header))}.${b64('{"sub":"client"}')}.sig`;
    for (const other of [
      jwt({ alg: 'RS256', typ: 'at+jwt', kid: 'k1' }),
      jwt({ alg: 'RS256', typ: 'JWT' }),
      jwt({ alg: 'ES256' }),
      'opaque-access-token',
      '',
      `${'A'.repeat(300)}.x.y`,
      `${b64('"aip+jwt"')}.x.y`,
    ])
      expect(looksLikeAipToken(other), other).toBe(false);
  });

  it('refuses to construct a verifier that trusts nothing', () => {
    expect(() => createTokenVerifier({})).toThrow(TypeError);
  });
});
