// Pure-JS Ed25519 on @noble/ed25519: key derivation, signing and the strict cofactorless verify
// used where node:crypto is absent (RFC 8032 §5.1.6 and §5.1.7).
import { getPublicKey, hashes, Point, sign, utils } from '@noble/ed25519';
import { sha512 } from '#sha2';
import { concatBytes } from './bytes.js';
import { isPublicKeyEncodingAcceptable, isSignatureEncodingAcceptable } from './ed25519-policy.js';

// noble's synchronous API needs a SHA-512 implementation; this is the only place it is wired
// (node:crypto's on Node, @noble/hashes elsewhere: see the `#sha2` import in package.json).
hashes.sha512 = sha512;

const L = Point.CURVE().n;

export { getPublicKey as nobleGetPublicKey, sign as nobleSign, utils as nobleUtils };

/**
 * Decodes a public key under the strict policy, or returns `undefined`. `zip215 = false` is the
 * RFC 8032 decoding: canonical y, and x = 0 with the sign bit set is refused.
 */
export function decodePublicKey(publicKey: Uint8Array): Point | undefined {
  if (!isPublicKeyEncodingAcceptable(publicKey)) return undefined;
  try {
    return Point.fromBytes(publicKey, false);
  } catch {
    return undefined;
  }
}

const decodedKeys = new Map<string, Point | null>();
const MAX_DECODED_KEYS = 1024;

/**
 * Strict verification with noble's point arithmetic. noble's own `verify` checks the cofactored
 * equation [8][S]B = [8]R + [8][k]A, which accepts signatures libsodium and OpenSSL refuse; AIP
 * requires the cofactorless [S]B = R + [k]A so both paths give the same answer on every vector.
 */
export function nobleVerify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (!isSignatureEncodingAcceptable(signature)) return false;
  const cacheKey = String.fromCharCode(...publicKey);
  let A = decodedKeys.get(cacheKey);
  if (A === undefined) {
    A = decodePublicKey(publicKey) ?? null;
    if (decodedKeys.size >= MAX_DECODED_KEYS) decodedKeys.delete(decodedKeys.keys().next().value as string);
    decodedKeys.set(cacheKey, A);
  }
  if (A === null) return false;
  let R: Point;
  try {
    R = Point.fromBytes(signature.subarray(0, 32), false);
  } catch {
    return false;
  }
  const S = littleEndianToBigInt(signature.subarray(32, 64));
  // k = SHA-512(R || A || M) mod L (step 2); check [S]B = R + [k]A (step 3, cofactorless).
  const k = littleEndianToBigInt(sha512(concatBytes(signature.subarray(0, 32), publicKey, message))) % L;
  return Point.BASE.multiply(S, false).equals(R.add(A.multiply(k, false)));
}

function littleEndianToBigInt(bytes: Uint8Array): bigint {
  let hex = '';
  for (let i = bytes.length - 1; i >= 0; i--) hex += (bytes[i] as number).toString(16).padStart(2, '0');
  return BigInt(`0x${hex}`);
}
