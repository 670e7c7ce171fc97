// The "AIP strict" Ed25519 acceptance policy as byte-level checks (RFC 8032 §5.1.7 plus the
// libsodium rules): S < L, canonical point encodings, no small-order R or A. These run before any
// curve arithmetic so the native and the pure-JS paths see exactly the same inputs.

// Group order L = 2^252 + 27742317777372353535851937790883648493, little-endian.
const L = Uint8Array.from([
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0x00, 0x00, 0x00,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
]);

// Every encoding of a point of order 1, 2, 4 or 8, with the sign bit (bit 255) cleared: the
// libsodium blocklist. Negated points share the y coordinate, so masking the sign bit covers them;
// y = 0, 1 and p-1 also have the non-canonical forms y + p listed (larger y + p overflow 2^255).
const SMALL_ORDER = [
  // y = 0: (±sqrt(-1), 0), order 4
  '0000000000000000000000000000000000000000000000000000000000000000',
  // y = 1: the identity, order 1
  '0100000000000000000000000000000000000000000000000000000000000000',
  // the two y values of the order-8 points
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  // y = p - 1: (0, -1), order 2
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  // y = p (non-canonical 0) and y = p + 1 (non-canonical 1)
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
].map((hex) => Uint8Array.from(hex.match(/../g) as string[], (byte) => Number.parseInt(byte, 16)));

/** True when the 32 bytes at `offset`, read as a little-endian integer, are below L (RFC 8032 §5.1.7 step 1). */
export function isScalarCanonical(bytes: Uint8Array, offset: number): boolean {
  for (let i = 31; i >= 0; i--) {
    const a = bytes[offset + i] as number;
    const b = L[i] as number;
    if (a !== b) return a < b;
  }
  return false; // S == L
}

/** True when the y coordinate encoded in 32 bytes at `offset` is below p = 2^255 - 19. */
export function isPointEncodingCanonical(bytes: Uint8Array, offset: number): boolean {
  if (((bytes[offset + 31] as number) & 0x7f) !== 0x7f) return true;
  for (let i = 30; i >= 1; i--) if (bytes[offset + i] !== 0xff) return true;
  return (bytes[offset] as number) < 0xed;
}

/** True when the 32 bytes at `offset` encode a point of small order (in any encoding). */
export function isSmallOrderEncoding(bytes: Uint8Array, offset: number): boolean {
  outer: for (const blocked of SMALL_ORDER) {
    for (let i = 0; i < 31; i++) if (bytes[offset + i] !== blocked[i]) continue outer;
    if (((bytes[offset + 31] as number) & 0x7f) === blocked[31]) return true;
  }
  return false;
}

/**
 * The checks on a signature that need no curve arithmetic: canonical R, R not of small order,
 * S < L. Public keys are checked once per key by {@link isPublicKeyEncodingAcceptable} plus a decode.
 */
export function isSignatureEncodingAcceptable(signature: Uint8Array): boolean {
  return (
    isScalarCanonical(signature, 32) && isPointEncodingCanonical(signature, 0) && !isSmallOrderEncoding(signature, 0)
  );
}

/** Byte-level public key policy: canonical y and not of small order (curve membership is checked by decoding). */
export function isPublicKeyEncodingAcceptable(publicKey: Uint8Array): boolean {
  return isPointEncodingCanonical(publicKey, 0) && !isSmallOrderEncoding(publicKey, 0);
}
