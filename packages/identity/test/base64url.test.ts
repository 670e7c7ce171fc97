import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBase64Url, encodeBase64Url } from '../src/index.js';

describe('strict base64url', () => {
  it('round-trips and matches Node for all byte strings', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const text = encodeBase64Url(bytes);
        expect(text).toBe(Buffer.from(bytes).toString('base64url'));
        expect(decodeBase64Url(text)).toEqual(bytes);
      }),
    );
  });

  it('refuses padding, whitespace, the standard alphabet, bad lengths and stray trailing bits', () => {
    for (const text of ['QQ==', 'QQ=', ' QQ', 'Q Q', 'a+b/', 'A', 'AAAAA', 'QR', 'QUJ', 'Zm9v\n', 'é']) {
      expect(decodeBase64Url(text), JSON.stringify(text)).toBeUndefined();
    }
  });

  it('decodes the empty string', () => {
    expect(decodeBase64Url('')).toEqual(new Uint8Array(0));
  });
});
