import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { exportSecretKey, generateIdentity, identityFromSecretKey, verify } from '../src/index.js';

describe('Identity', () => {
  const fixedRandom = (n: number) => new Uint8Array(n).fill(42);

  it('is deterministic for an injected random source', () => {
    expect(generateIdentity({ random: fixedRandom }).did).toBe(generateIdentity({ random: fixedRandom }).did);
  });

  it('signs with its key', () => {
    const agent = generateIdentity();
    const msg = new TextEncoder().encode('tools/call');
    expect(verify(agent.sign(msg), msg, agent.publicKey)).toBe(true);
  });

  it('never exposes the secret key through JSON, inspection or enumeration', () => {
    const agent = generateIdentity({ random: fixedRandom });
    const secretHex = Buffer.from(exportSecretKey(agent)).toString('hex');
    const secretB64 = Buffer.from(exportSecretKey(agent)).toString('base64url');
    const views = [JSON.stringify(agent), inspect(agent, { depth: 10, showHidden: true }), Object.keys(agent).join()];
    for (const view of views) {
      expect(view).not.toContain(secretHex);
      expect(view).not.toContain(secretB64);
      expect(view).not.toContain('42,42,42');
    }
    expect(JSON.parse(JSON.stringify(agent))).toEqual({
      did: agent.did,
      aip_id: agent.aipId,
      public_key_multibase: agent.publicKeyMultibase,
    });
  });

  it('round-trips through its exported secret key', () => {
    const agent = generateIdentity();
    expect(identityFromSecretKey(exportSecretKey(agent)).did).toBe(agent.did);
  });

  it('hands out copies of the public key', () => {
    const agent = generateIdentity();
    agent.publicKey.fill(0);
    expect(agent.publicKey.some((b) => b !== 0)).toBe(true);
    expect(Object.isFrozen(agent)).toBe(true);
  });

  it('refuses to export a key for a look-alike object', () => {
    const agent = generateIdentity();
    expect(() => exportSecretKey({ ...agent })).toThrow(TypeError);
  });
});
