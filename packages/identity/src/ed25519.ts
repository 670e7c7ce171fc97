// Ed25519 keys, signing and strict verification (RFC 8032) with a native fast path on Node.
import { assertBytes } from './lib/bytes.js';
import { hasNativeEd25519, nativeSigner, nativeVerify } from './lib/native-ed25519.js';
import { decodePublicKey, nobleGetPublicKey, nobleSign, nobleUtils, nobleVerify } from './lib/noble-ed25519.js';

/**
 * Which implementation runs: `node` is node:crypto (OpenSSL) with cached KeyObjects, `noble` the
 * pure-JS @noble/ed25519 path, `auto` the native one when available. All give identical answers.
 */
export type Ed25519Backend = 'auto' | 'node' | 'noble';

/** Options of {@link verify} and of signers. */
export interface Ed25519Options {
  backend?: Ed25519Backend;
}

function useNative(backend: Ed25519Backend | undefined): boolean {
  if (backend === 'noble') return false;
  if (backend === 'node' && !hasNativeEd25519()) throw new TypeError('node:crypto is not available in this runtime');
  return hasNativeEd25519();
}

/**
 * Generates a 32-byte Ed25519 secret key (the RFC 8032 seed) from a CSPRNG, or from `random` when
 * one is injected (tests).
 *
 * @example
 * ```ts
 * const secretKey = generateSecretKey();
 * ```
 */
export function generateSecretKey(random?: (length: number) => Uint8Array): Uint8Array {
  if (random === undefined) return nobleUtils.randomSecretKey();
  const seed = random(32);
  assertBytes(seed, 'random(32)', 32);
  return Uint8Array.from(seed);
}

/**
 * Derives the 32-byte public key of a secret key (RFC 8032 §5.1.5).
 *
 * @example
 * ```ts
 * const publicKey = getPublicKey(generateSecretKey());
 * ```
 */
export function getPublicKey(secretKey: Uint8Array): Uint8Array {
  assertBytes(secretKey, 'secretKey', 32);
  return nobleGetPublicKey(secretKey);
}

/**
 * Returns a function that signs with `secretKey` (RFC 8032 §5.1.6). On Node the private key is
 * imported into node:crypto once; signatures are deterministic and identical on both backends.
 *
 * @example
 * ```ts
 * const sign = createSigner(secretKey);
 * const signature = sign(new TextEncoder().encode('hello'));
 * ```
 */
export function createSigner(secretKey: Uint8Array, options: Ed25519Options = {}): (message: Uint8Array) => Uint8Array {
  assertBytes(secretKey, 'secretKey', 32);
  if (useNative(options.backend)) {
    const sign = nativeSigner(secretKey);
    return (message) => {
      assertBytes(message, 'message');
      return sign(message);
    };
  }
  const key = Uint8Array.from(secretKey);
  return (message) => {
    assertBytes(message, 'message');
    return nobleSign(message, key);
  };
}

/**
 * Signs `message` with `secretKey`. Prefer {@link createSigner} (or an `Identity`) when signing
 * more than once: it imports the key once.
 *
 * @example
 * ```ts
 * const signature = sign(message, secretKey);
 * ```
 */
export function sign(message: Uint8Array, secretKey: Uint8Array, options: Ed25519Options = {}): Uint8Array {
  return createSigner(secretKey, options)(message);
}

/**
 * Verifies an Ed25519 signature under the AIP strict policy: S < L, canonical encodings of R and
 * A, neither of small order, and the cofactorless equation [S]B = R + [k]A. This is libsodium's
 * accept/reject behaviour. A key or signature that is merely *invalid* returns `false`; a wrong
 * argument type or length throws (`TypeError` / `RangeError`).
 *
 * @example
 * ```ts
 * if (!verify(signature, message, publicKey)) throw new Error('bad signature');
 * ```
 */
export function verify(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
  options?: Ed25519Options,
): boolean {
  assertBytes(signature, 'signature', 64);
  assertBytes(message, 'message');
  assertBytes(publicKey, 'publicKey', 32);
  return useNative(options?.backend)
    ? nativeVerify(signature, message, publicKey)
    : nobleVerify(signature, message, publicKey);
}

/**
 * True when `publicKey` is acceptable anywhere AIP takes a key: 32 bytes, a canonical encoding of a
 * point on the curve, and not of small order.
 *
 * @example
 * ```ts
 * isValidPublicKey(new Uint8Array(32)); // false: small order
 * ```
 */
export function isValidPublicKey(publicKey: Uint8Array): boolean {
  assertBytes(publicKey, 'publicKey');
  return publicKey.length === 32 && decodePublicKey(publicKey) !== undefined;
}
