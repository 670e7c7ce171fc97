import { describe, expect, it } from 'vitest';
import { decodeBase64Url, generateIdentity, signingInput, signJson, verifyJson } from '../src/index.js';

describe('domain-separated JSON signatures', () => {
  const agent = generateIdentity();
  const payload = { subject: 'did:key:z6MkExample', scope: 'tool:search', weight: 0.5 };

  it('verifies over the canonical form, whatever the member order', () => {
    const sig = decodeBase64Url(signJson(agent, 'aip-vouch/1', payload)) as Uint8Array;
    expect(
      verifyJson(
        sig,
        'aip-vouch/1',
        { weight: 0.5, scope: 'tool:search', subject: 'did:key:z6MkExample' },
        agent.publicKey,
      ),
    ).toBe(true);
  });

  it('never lets a signature for one object type verify as another', () => {
    const sig = decodeBase64Url(signJson(agent, 'aip-vouch/1', payload)) as Uint8Array;
    expect(verifyJson(sig, 'aip-revocation/1', payload, agent.publicKey)).toBe(false);
    expect(verifyJson(sig, 'aip-vouch/2', payload, agent.publicKey)).toBe(false);
  });

  it('fails on any changed member', () => {
    const sig = decodeBase64Url(signJson(agent, 'aip-vouch/1', payload)) as Uint8Array;
    expect(verifyJson(sig, 'aip-vouch/1', { ...payload, weight: 0.51 }, agent.publicKey)).toBe(false);
  });

  it('prefixes the type with NUL separators and refuses malformed types', () => {
    const input = new TextDecoder().decode(signingInput('aip-vouch/1', { a: 1 }));
    expect(input).toBe('aip-signature-v1\u0000aip-vouch/1\u0000{"a":1}');
    for (const type of ['', 'Vouch/1', 'aip-vouch', 'aip\u0000vouch/1', 'a/1/2']) {
      expect(() => signingInput(type, {})).toThrow(TypeError);
    }
  });
});
