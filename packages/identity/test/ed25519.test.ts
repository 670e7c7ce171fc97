import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createSigner,
  type Ed25519Backend,
  generateSecretKey,
  getPublicKey,
  isValidPublicKey,
  sign,
  verify,
} from '../src/index.js';

const backends: Ed25519Backend[] = ['node', 'noble'];
const seed = fc.uint8Array({ minLength: 32, maxLength: 32 });
const message = fc.uint8Array({ maxLength: 256 });

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  out[bit >>> 3] = (out[bit >>> 3] as number) ^ (1 << (bit & 7));
  return out;
}

describe('Ed25519 signing and verification', () => {
  for (const backend of backends) {
    it(`[${backend}] verifies what it signs`, () => {
      fc.assert(
        fc.property(seed, message, (sk, msg) => {
          const signature = createSigner(sk, { backend })(msg);
          expect(verify(signature, msg, getPublicKey(sk), { backend })).toBe(true);
        }),
        { numRuns: backend === 'noble' ? 40 : 200 },
      );
    });

    it(`[${backend}] rejects any single-bit flip of message, signature or key`, () => {
      fc.assert(
        fc.property(
          seed,
          message.filter((m) => m.length > 0),
          fc.nat(),
          (sk, msg, n) => {
            const pk = getPublicKey(sk);
            const signature = sign(msg, sk);
            expect(verify(signature, flipBit(msg, n % (msg.length * 8)), pk, { backend })).toBe(false);
            expect(verify(flipBit(signature, n % 512), msg, pk, { backend })).toBe(false);
            expect(verify(signature, msg, flipBit(pk, n % 256), { backend })).toBe(false);
          },
        ),
        { numRuns: backend === 'noble' ? 30 : 200 },
      );
    });
  }

  it('gives the same signature on both backends (deterministic RFC 8032 signing)', () => {
    fc.assert(
      fc.property(seed, message, (sk, msg) => {
        expect(createSigner(sk, { backend: 'node' })(msg)).toEqual(createSigner(sk, { backend: 'noble' })(msg));
      }),
      { numRuns: 50 },
    );
  });

  it('agrees between backends on arbitrary (mostly invalid) signatures and keys', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        message,
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (sig, msg, pk) => {
          expect(verify(sig, msg, pk, { backend: 'node' })).toBe(verify(sig, msg, pk, { backend: 'noble' }));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('throws TypeError for non-bytes and RangeError for wrong lengths', () => {
    const sk = generateSecretKey();
    const pk = getPublicKey(sk);
    const sig = sign(new Uint8Array(1), sk);
    expect(() => verify('sig' as unknown as Uint8Array, new Uint8Array(1), pk)).toThrow(TypeError);
    expect(() => verify(sig.subarray(0, 63), new Uint8Array(1), pk)).toThrow(RangeError);
    expect(() => verify(sig, new Uint8Array(1), pk.subarray(1))).toThrow(RangeError);
    expect(() => sign(new Uint8Array(1), sk.subarray(1))).toThrow(RangeError);
    expect(() => getPublicKey([1, 2] as unknown as Uint8Array)).toThrow(TypeError);
  });

  it('uses an injected random source for key generation', () => {
    const sk = generateSecretKey((n) => new Uint8Array(n).fill(9));
    expect(sk).toEqual(new Uint8Array(32).fill(9));
    expect(() => generateSecretKey(() => new Uint8Array(31))).toThrow(RangeError);
  });

  it('validates public keys', () => {
    expect(isValidPublicKey(getPublicKey(generateSecretKey()))).toBe(true);
    expect(isValidPublicKey(new Uint8Array(32))).toBe(false);
    expect(isValidPublicKey(new Uint8Array(33))).toBe(false);
  });
});
