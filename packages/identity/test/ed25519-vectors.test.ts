import { verify as nobleVerify } from '@noble/ed25519';
import { expect, it } from 'vitest';
import { createSigner, type Ed25519Backend, getPublicKey, verify } from '../src/index.js';
import { describeVectors, hex, readVector } from './vectors.js';

interface WycheproofFile {
  numberOfTests: number;
  testGroups: { publicKey: { pk: string }; tests: { tcId: number; msg: string; sig: string; result: string }[] }[];
}
interface Rfc8032Case {
  name: string;
  secretKey: string;
  publicKey: string;
  message: string;
  signature: string;
}
interface SpeccheckCase {
  message: string;
  pub_key: string;
  signature: string;
}
interface Zip215Case {
  vk_bytes: string;
  sig_bytes: string;
  valid_zip215: boolean;
}

const backends: Ed25519Backend[] = ['node', 'noble'];

// Tolerates lengths the vectors deliberately get wrong: a wrong-length input is simply invalid.
function verifies(sig: Uint8Array, msg: Uint8Array, pk: Uint8Array, backend: Ed25519Backend): boolean {
  if (sig.length !== 64 || pk.length !== 32) return false;
  return verify(sig, msg, pk, { backend });
}

describeVectors('Ed25519 conformance vectors', () => {
  for (const backend of backends) {
    it(`[${backend}] Wycheproof: accepts exactly the 88 valid of 151 cases`, () => {
      const file = readVector<WycheproofFile>('ed25519/wycheproof_ed25519_test.json');
      let total = 0;
      let valid = 0;
      const mismatches: number[] = [];
      for (const group of file.testGroups) {
        const pk = hex(group.publicKey.pk);
        for (const test of group.tests) {
          total++;
          const expected = test.result === 'valid';
          if (expected) valid++;
          if (verifies(hex(test.sig), hex(test.msg), pk, backend) !== expected) mismatches.push(test.tcId);
        }
      }
      expect(total).toBe(151);
      expect(file.numberOfTests).toBe(151);
      expect(valid).toBe(88);
      expect(mismatches).toEqual([]);
    });

    it(`[${backend}] RFC 8032 §7.1: derives, signs and verifies all 5 tests byte for byte`, () => {
      const cases = readVector<Rfc8032Case[]>('ed25519/rfc8032_7.1.json');
      expect(cases).toHaveLength(5);
      for (const c of cases) {
        const sk = hex(c.secretKey);
        expect(Buffer.from(getPublicKey(sk)).toString('hex'), c.name).toBe(c.publicKey);
        const signature = createSigner(sk, { backend })(hex(c.message));
        expect(Buffer.from(signature).toString('hex'), c.name).toBe(c.signature);
        expect(verify(signature, hex(c.message), hex(c.publicKey), { backend }), c.name).toBe(true);
      }
    });

    it(`[${backend}] speccheck: gives the libsodium row (of cases 0..11 only case 3 verifies)`, () => {
      const cases = readVector<SpeccheckCase[]>('ed25519/speccheck_cases.json');
      expect(cases).toHaveLength(12);
      const row = cases.map((c) => verifies(hex(c.signature), hex(c.message), hex(c.pub_key), backend));
      expect(row).toEqual(cases.map((_, i) => i === 3));
    });

    it(`[${backend}] ZIP-215: rejects all 196 small-order cases`, () => {
      const cases = readVector<Zip215Case[]>('ed25519/zip215_small_order.json');
      expect(cases).toHaveLength(196);
      const message = new TextEncoder().encode('Zcash');
      const accepted = cases.filter((c) => verifies(hex(c.sig_bytes), message, hex(c.vk_bytes), backend));
      expect(accepted).toEqual([]);
      // The cases are live: a ZIP-215 verifier accepts the ones marked valid for it, so it is the
      // strict policy, not a wrong message, that rejects them here.
      const lenient = cases.map((c) => nobleVerify(hex(c.sig_bytes), message, hex(c.vk_bytes)));
      expect(lenient).toEqual(cases.map((c) => c.valid_zip215));
    });
  }
});
