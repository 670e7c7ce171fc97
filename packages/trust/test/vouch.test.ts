import { canonicalize, decodeBase64Url, encodeBase64Url, generateIdentity, sha256 } from '@aip/identity';
import { describe, expect, it } from 'vitest';
import {
  createRevocation,
  createVouch,
  parseVouch,
  TrustError,
  verifyRevocation,
  verifyTrustLine,
  verifyVouch,
  vouchId,
} from '../src/index.js';
import { agent, NOW, seededRandom, vouch } from './helpers.js';

const alice = agent('alice');
const bob = agent('bob');
const mallory = agent('mallory');

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof TrustError) return err.code;
    if (err instanceof Error && 'code' in err) return String((err as { code: unknown }).code);
    throw err;
  }
  return undefined;
}

describe('createVouch / verifyVouch', () => {
  it('round-trips a vouch with every field, signed by the voucher', () => {
    const v = createVouch(alice, {
      subject: bob.did,
      scope: 'tool:search',
      weight: 0.75,
      statement: 'reliable search agent',
      ttl: 3600,
      now: NOW,
      random: seededRandom('n1'),
    });
    expect(v).toMatchObject({
      type: 'aip-vouch/1',
      voucher: alice.did,
      subject: bob.did,
      scope: 'tool:search',
      weight: 0.75,
      statement: 'reliable search agent',
      iat: NOW,
      exp: NOW + 3600,
    });
    const verified = verifyVouch(v, { now: NOW });
    expect(verified.weight).toBe(0.75);
    expect(verified.canonical).toBe(canonicalize(v));
  });

  it('defaults to weight 1, and a fresh nonce per vouch', () => {
    const a = createVouch(alice, { subject: bob.did, scope: '*', now: NOW });
    const b = createVouch(alice, { subject: bob.did, scope: '*', now: NOW });
    expect(a.weight).toBe(1);
    expect(a.nonce).not.toBe(b.nonce);
    expect(vouchId(a)).not.toBe(vouchId(b));
  });

  it('names a vouch by base64url SHA-256 of the JCS of the signed object', () => {
    const v = vouch(alice, bob);
    const expected = encodeBase64Url(sha256(new TextEncoder().encode(canonicalize(v))));
    expect(vouchId(v)).toBe(expected);
    expect(verifyVouch(v, { now: NOW }).id).toBe(expected);
    expect(vouchId(v)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('rejects a tampered field, a forged signer and a signature from another object type', () => {
    const v = vouch(alice, bob, { weight: 0.5 });
    expect(code(() => verifyVouch({ ...v, weight: 1 }, { now: NOW }))).toBe('aip_signature_invalid');
    expect(code(() => verifyVouch({ ...v, subject: mallory.did }, { now: NOW }))).toBe('aip_signature_invalid');
    expect(code(() => verifyVouch({ ...v, voucher: mallory.did }, { now: NOW }))).toBe('aip_signature_invalid');
    // A revocation signature over the same members must not pass as a vouch signature.
    const revocation = createRevocation(alice, vouchId(v), { now: NOW });
    expect(code(() => verifyVouch({ ...v, signature: revocation.signature }, { now: NOW }))).toBe(
      'aip_signature_invalid',
    );
    const flipped = decodeBase64Url(v.signature) as Uint8Array;
    flipped[5] = (flipped[5] as number) ^ 1;
    expect(code(() => verifyVouch({ ...v, signature: encodeBase64Url(flipped) }, { now: NOW }))).toBe(
      'aip_signature_invalid',
    );
  });

  it('respects expiry and refuses objects from the future beyond the clock skew', () => {
    const v = vouch(alice, bob, { ttl: 100, now: NOW });
    expect(verifyVouch(v, { now: NOW + 99 }).id).toBe(vouchId(v));
    expect(code(() => verifyVouch(v, { now: NOW + 100 }))).toBe('aip_vouch_expired');
    expect(code(() => verifyVouch(v, { now: NOW - 301 }))).toBe('aip_object_not_yet_valid');
    expect(verifyVouch(v, { now: NOW - 299 }).id).toBe(vouchId(v));
    expect(code(() => verifyVouch(v, { now: NOW - 100, clockSkew: 10 }))).toBe('aip_object_not_yet_valid');
  });

  it('checks structure before any crypto, with precise codes', () => {
    const v = vouch(alice, bob) as unknown as Record<string, unknown>;
    const cases: [Record<string, unknown>, string][] = [
      [{ ...v, extra: 1 }, 'aip_vouch_malformed'],
      [{ ...v, type: 'aip-vouch/2' }, 'aip_vouch_malformed'],
      [{ ...v, weight: 0 }, 'aip_vouch_malformed'],
      [{ ...v, weight: 1.5 }, 'aip_vouch_malformed'],
      [{ ...v, weight: '1' }, 'aip_vouch_malformed'],
      [{ ...v, weight: -0.5 }, 'aip_vouch_malformed'],
      [{ ...v, scope: 'tool:café' }, 'aip_scope_invalid'],
      [{ ...v, scope: 7 }, 'aip_scope_invalid'],
      [{ ...v, subject: alice.did }, 'aip_vouch_malformed'],
      [{ ...v, subject: 'did:web:example.com' }, 'aip_vouch_malformed'],
      [{ ...v, subject: 'did:key:z6MkeXATEjyXENzBXBxgC5EHk2JE5aqd7qMGGtDpLUH1e2Sj' }, 'aip_identity_unresolvable'],
      [{ ...v, voucher: 'did:key:zzzz' }, 'aip_identity_unresolvable'],
      [{ ...v, statement: 'x'.repeat(1025) }, 'aip_vouch_malformed'],
      [{ ...v, iat: 1.5 }, 'aip_vouch_malformed'],
      [{ ...v, iat: -1 }, 'aip_vouch_malformed'],
      [{ ...v, exp: v.iat }, 'aip_vouch_malformed'],
      [{ ...v, nonce: 'short' }, 'aip_vouch_malformed'],
      [{ ...v, nonce: `${'A'.repeat(22)}=` }, 'aip_vouch_malformed'],
      [{ ...v, signature: 'AAAA' }, 'aip_vouch_malformed'],
      [{ ...v, signature: undefined }, 'aip_vouch_malformed'],
    ];
    for (const [value, expected] of cases) {
      const input = JSON.parse(JSON.stringify(value));
      expect(
        code(() => parseVouch(input)),
        JSON.stringify(Object.keys(value)),
      ).toBe(expected);
    }
    const proto = JSON.parse(JSON.stringify(v).replace('{', '{"__proto__":1,'));
    expect(code(() => parseVouch(proto))).toBe('aip_vouch_malformed');
    expect(code(() => parseVouch([]))).toBe('aip_vouch_malformed');
    expect(code(() => parseVouch(null))).toBe('aip_vouch_malformed');
  });

  it('refuses bad arguments when creating', () => {
    expect(code(() => createVouch(alice, { subject: bob.did, scope: '*', weight: 2 }))).toBe('aip_vouch_malformed');
    expect(code(() => createVouch(alice, { subject: bob.did, scope: '*', ttl: 0 }))).toBe('aip_vouch_malformed');
    expect(code(() => createVouch(alice, { subject: alice.did, scope: '*' }))).toBe('aip_vouch_malformed');
    expect(code(() => createVouch(alice, { subject: bob.did, scope: 'nope' }))).toBe('aip_scope_invalid');
    // No scope is not "everything": a vouch names what it is for.
    const noScope = { subject: bob.did } as unknown as Parameters<typeof createVouch>[1];
    expect(code(() => createVouch(alice, noScope))).toBe('aip_scope_invalid');
  });
});

describe('revocations', () => {
  it('round-trips and is rejected when tampered or forged', () => {
    const id = vouchId(vouch(alice, bob));
    const r = createRevocation(alice, id, { now: NOW });
    expect(r).toMatchObject({ type: 'aip-revocation/1', voucher: alice.did, vouch: id, iat: NOW });
    expect(verifyRevocation(r, { now: NOW }).revocation).toEqual(r);
    const other = vouchId(vouch(alice, mallory));
    expect(code(() => verifyRevocation({ ...r, vouch: other }, { now: NOW }))).toBe('aip_signature_invalid');
    expect(code(() => verifyRevocation({ ...r, voucher: mallory.did }, { now: NOW }))).toBe('aip_signature_invalid');
    expect(code(() => verifyRevocation({ ...r, vouch: 'nope' }, { now: NOW }))).toBe('aip_revocation_malformed');
    expect(code(() => verifyRevocation({ ...r, reason: 'x' }, { now: NOW }))).toBe('aip_revocation_malformed');
    expect(code(() => verifyRevocation(r, { now: NOW - 1000 }))).toBe('aip_object_not_yet_valid');
  });
});

describe('verifyTrustLine', () => {
  it('dispatches on type and rejects non-JSON, unknown types and oversize lines', () => {
    const v = vouch(alice, bob);
    expect(verifyTrustLine(JSON.stringify(v), { now: NOW }).kind).toBe('vouch');
    const r = createRevocation(alice, vouchId(v), { now: NOW });
    expect(verifyTrustLine(JSON.stringify(r), { now: NOW }).kind).toBe('revocation');
    expect(code(() => verifyTrustLine('{"type":', { now: NOW }))).toBe('aip_object_malformed');
    expect(code(() => verifyTrustLine('{"type":"aip-token/1"}', { now: NOW }))).toBe('aip_object_malformed');
    expect(code(() => verifyTrustLine('[]', { now: NOW }))).toBe('aip_object_malformed');
    expect(code(() => verifyTrustLine(' '.repeat(9000), { now: NOW }))).toBe('aip_object_malformed');
  });

  it('accepts a vouch from an identity generated elsewhere (no shared state)', () => {
    const stranger = generateIdentity();
    const v = createVouch(stranger, { subject: bob.did, scope: 'tool:search', now: NOW });
    expect(verifyTrustLine(JSON.stringify(v), { now: NOW }).kind).toBe('vouch');
  });
});
