import { base58btc } from 'multiformats/bases/base58';
import { describe, expect, it } from 'vitest';
import {
  aipKeyFromPublicKey,
  decodeBase64Url,
  didKeyFromId,
  didKeyFromPublicKey,
  type IdentityError,
  identityFromSecretKey,
  publicKeyFromAipKey,
  publicKeyFromDidKey,
  publicKeyFromId,
  resolveDid,
  resolvePublicKey,
} from '../src/index.js';
import { describeVectors, hex, readVector } from './vectors.js';

interface DidKeyVector {
  seed: string;
  // Four vectors give the key in base58, one as a JWK (JsonWebKey2020).
  verificationKeyPair: { publicKeyBase58?: string; publicKeyJwk?: { crv: string; x: string } };
  didDocument: { id: string };
}

function vectorPublicKey(vector: DidKeyVector): Uint8Array {
  const { publicKeyBase58, publicKeyJwk } = vector.verificationKeyPair;
  if (publicKeyBase58 !== undefined) return base58btc.baseDecode(publicKeyBase58);
  expect(publicKeyJwk?.crv).toBe('Ed25519');
  return decodeBase64Url(publicKeyJwk?.x ?? '') as Uint8Array;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as IdentityError).code;
  }
  return undefined;
}

describeVectors('did:key conformance vectors', () => {
  const vectors = () => Object.entries(readVector<Record<string, DidKeyVector>>('did-key/ed25519-x25519.json'));

  it('has 5 Ed25519 did:key vectors', () => {
    expect(vectors()).toHaveLength(5);
  });

  it('derives each vector did:key from its seed', () => {
    for (const [did, vector] of vectors()) {
      expect(identityFromSecretKey(hex(vector.seed)).did).toBe(did);
    }
  });

  it('decodes each did:key to the vector public key on the fast path', () => {
    for (const [did, vector] of vectors()) {
      expect(publicKeyFromDidKey(did)).toEqual(vectorPublicKey(vector));
    }
  });

  it('resolves each did:key through did-resolver to the same key and document id', async () => {
    for (const [did, vector] of vectors()) {
      const result = await resolveDid(did);
      expect(result.didResolutionMetadata.error).toBeUndefined();
      expect(result.didDocument?.id).toBe(vector.didDocument.id);
      const ed = result.didDocument?.verificationMethod?.find((m) => m.type === 'Ed25519VerificationKey2018');
      expect(base58btc.baseDecode(ed?.publicKeyBase58 ?? '')).toEqual(vectorPublicKey(vector));
      expect(await resolvePublicKey(did)).toEqual(publicKeyFromDidKey(did));
    }
  });
});

describe('key identifiers', () => {
  const identity = identityFromSecretKey(new Uint8Array(32).fill(7));

  it('round-trips did:key and aip:key', () => {
    expect(publicKeyFromDidKey(identity.did)).toEqual(identity.publicKey);
    expect(publicKeyFromAipKey(identity.aipId)).toEqual(identity.publicKey);
    expect(identity.did).toMatch(/^did:key:z6Mk/);
    expect(identity.aipId).toMatch(/^aip:key:ed25519:z/);
  });

  it('accepts the 34-byte multicodec form inside aip:key', () => {
    const multicodecForm = `aip:key:ed25519:${identity.publicKeyMultibase}`;
    expect(publicKeyFromAipKey(multicodecForm)).toEqual(identity.publicKey);
  });

  it('accepts every form in publicKeyFromId and normalises to did:key', () => {
    const raw = identity.aipId.slice('aip:key:ed25519:'.length);
    for (const id of [identity.did, identity.aipId, identity.publicKeyMultibase, raw]) {
      expect(publicKeyFromId(id)).toEqual(identity.publicKey);
      expect(didKeyFromId(id)).toBe(identity.did);
    }
  });

  it('rejects identifiers that are not Ed25519 keys with aip_identity_unresolvable', () => {
    const x25519 = 'did:key:z6LShs9GGnqk85isEBzzshkuVWrVKsRp24GnDuHk8QWkARMW';
    const cases = [
      x25519,
      'did:web:example.com',
      'did:key:',
      'did:key:z',
      'did:key:z0OIl', // characters outside the base58 alphabet
      `did:key:${'z'.repeat(5000)}`, // refused before the quadratic decode
      'aip:key:ed25519:notmultibase',
      'aip:key:x25519:z6Mk',
      'https://example.com',
      '',
    ];
    for (const id of cases)
      expect(
        codeOf(() => publicKeyFromId(id)),
        id.slice(0, 40),
      ).toBe('aip_identity_unresolvable');
  });

  it('rejects small-order and non-canonical keys with aip_key_invalid', () => {
    const identityPoint = new Uint8Array(32);
    identityPoint[0] = 1;
    const nonCanonical = hex('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f');
    const offCurve = hex('0200000000000000000000000000000000000000000000000000000000000000');
    for (const key of [identityPoint, nonCanonical, offCurve, new Uint8Array(32)]) {
      const did = `did:key:${base58btc.encode(Uint8Array.from([0xed, 0x01, ...key]))}`;
      expect(codeOf(() => publicKeyFromDidKey(did))).toBe('aip_key_invalid');
      expect(codeOf(() => didKeyFromPublicKey(key))).toBe('aip_key_invalid');
      expect(codeOf(() => aipKeyFromPublicKey(key))).toBe('aip_key_invalid');
    }
  });

  it('reports resolution failures as data from resolveDid, and as aip_identity_unresolvable from resolvePublicKey', async () => {
    const result = await resolveDid(`did:key:z${'1'.repeat(3000)}`);
    expect(result.didResolutionMetadata.error).toBe('invalidDid');
    await expect(resolvePublicKey('did:example:123')).rejects.toMatchObject({ code: 'aip_identity_unresolvable' });
  });
});
