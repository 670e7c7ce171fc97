import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as native from '../src/lib/sha2-node.js';
import * as portable from '../src/lib/sha2-portable.js';

// The `#sha2` import picks node:crypto on Node and @noble/hashes elsewhere: both must agree.
describe('SHA-2 backends', () => {
  it('give the same SHA-256 and SHA-512 digests on any input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (data) => {
        expect(native.sha256(data)).toEqual(portable.sha256(data));
        expect(native.sha512(data)).toEqual(portable.sha512(data));
      }),
    );
  });

  it('match the FIPS 180-2 "abc" digests', () => {
    const abc = new TextEncoder().encode('abc');
    const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
    expect(hex(native.sha256(abc))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hex(portable.sha512(abc)).slice(0, 32)).toBe('ddaf35a193617abacc417349ae204131');
  });
});
