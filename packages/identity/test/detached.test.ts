import { describe, expect, it } from 'vitest';
import {
  createDetachedSignature,
  type DetachedSignature,
  generateIdentity,
  type IdentityError,
  parseDetachedSignature,
  sha256,
  verifyDetachedSignature,
} from '../src/index.js';

const content = new TextEncoder().encode('the quick brown fox\n');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as IdentityError).code;
  }
  return undefined;
}

describe('detached signatures', () => {
  const agent = generateIdentity();
  const envelope = createDetachedSignature(agent, content, { now: 1_764_000_000 });

  it('writes a self-describing envelope and verifies it', () => {
    expect(envelope).toMatchObject({
      type: 'aip-detached-signature/1',
      alg: 'EdDSA',
      signer: agent.did,
      size: content.length,
      iat: 1_764_000_000,
      canonicalization: 'none',
    });
    expect(verifyDetachedSignature(JSON.stringify(envelope), content)).toMatchObject({
      signer: agent.did,
      size: content.length,
    });
  });

  it('verifies a digest computed elsewhere (streamed files)', () => {
    const streamed = createDetachedSignature(agent, { sha256: sha256(content), size: content.length });
    expect(verifyDetachedSignature(streamed, content).signer).toBe(agent.did);
    expect(verifyDetachedSignature(envelope, { sha256: sha256(content), size: content.length }).signer).toBe(agent.did);
  });

  it('rejects changed content with aip_signature_invalid', () => {
    const tampered = Uint8Array.from(content);
    tampered[0] = (tampered[0] as number) ^ 1;
    expect(codeOf(() => verifyDetachedSignature(envelope, tampered))).toBe('aip_signature_invalid');
    expect(codeOf(() => verifyDetachedSignature(envelope, content.subarray(1)))).toBe('aip_signature_invalid');
  });

  it('rejects any edited envelope field with aip_signature_invalid', () => {
    const other = generateIdentity();
    const edits: Partial<DetachedSignature>[] = [
      { iat: envelope.iat + 1 },
      { signer: other.did },
      { canonicalization: 'jcs' },
    ];
    for (const edit of edits) {
      expect(
        codeOf(() => verifyDetachedSignature({ ...envelope, ...edit }, content)),
        JSON.stringify(edit),
      ).toBe('aip_signature_invalid');
    }
  });

  it('enforces a required signer', () => {
    expect(codeOf(() => verifyDetachedSignature(envelope, content, { signer: generateIdentity().did }))).toBe(
      'aip_signature_invalid',
    );
    expect(verifyDetachedSignature(envelope, content, { signer: agent.did }).signer).toBe(agent.did);
  });

  it('canonicalizes JSON payloads so re-formatting keeps the signature valid', () => {
    const json = createDetachedSignature(agent, { json: { b: [1, 2], a: 'x' } });
    expect(json.canonicalization).toBe('jcs');
    const reformatted = new TextEncoder().encode('{\n  "a": "x",\n  "b": [1, 2]\n}\n');
    expect(verifyDetachedSignature(json, reformatted).signer).toBe(agent.did);
    expect(codeOf(() => verifyDetachedSignature(json, new TextEncoder().encode('{"a":"y","b":[1,2]}')))).toBe(
      'aip_signature_invalid',
    );
    expect(codeOf(() => verifyDetachedSignature(json, new TextEncoder().encode('not json')))).toBe(
      'aip_signature_invalid',
    );
  });

  it('rejects malformed envelopes with aip_signature_malformed before any crypto', () => {
    const cases: unknown[] = [
      'not json',
      'x'.repeat(20_000),
      [],
      null,
      { ...envelope, extra: 1 },
      { ...envelope, type: 'aip-vouch/1' },
      { ...envelope, alg: 'none' },
      { ...envelope, signer: 'aip:key:ed25519:zabc' },
      { ...envelope, digest: { alg: 'sha-1', value: envelope.digest.value } },
      { ...envelope, digest: { alg: 'sha-256', value: 'AAAA' } },
      { ...envelope, size: -1 },
      { ...envelope, size: 1.5 },
      { ...envelope, iat: '1' },
      { ...envelope, signature: `${envelope.signature}=` },
      { ...envelope, signature: envelope.signature.slice(0, -2) },
    ];
    for (const input of cases) {
      expect(
        codeOf(() => parseDetachedSignature(input)),
        JSON.stringify(input)?.slice(0, 60),
      ).toBe('aip_signature_malformed');
    }
  });
});
