// Domain-separated signatures over canonical JSON: sign(prefix(type) || JCS(payload)), so a
// signature made for one object type can never be replayed as another.
import { encodeBase64Url } from './base64url.js';
import { type Ed25519Options, verify } from './ed25519.js';
import type { Identity } from './identity.js';
import { canonicalize } from './jcs.js';
import { concatBytes, utf8 } from './lib/bytes.js';

/**
 * Object types are lowercase names with a version, e.g. `aip-vouch/1`. JWS objects (tokens,
 * links, proofs) are signed over `base64url(header).base64url(payload)`, which starts with `eyJ`
 * and so can never collide with this prefix.
 */
const TYPE_PATTERN = /^[a-z][a-z0-9-]{0,62}\/[0-9]{1,4}$/;
const DOMAIN = 'aip-signature-v1';

/**
 * The exact bytes an object signature covers: `"aip-signature-v1" NUL type NUL JCS(payload)`.
 *
 * @example
 * ```ts
 * const input = signingInput('aip-vouch/1', { voucher, subject });
 * ```
 */
export function signingInput(type: string, payload: unknown): Uint8Array {
  if (typeof type !== 'string' || !TYPE_PATTERN.test(type)) {
    throw new TypeError('type must look like "name/1" (lowercase letters, digits and dashes, then a version)');
  }
  return concatBytes(utf8(`${DOMAIN}\u0000${type}\u0000`), utf8(canonicalize(payload)));
}

/**
 * Signs a JSON payload as object type `type`; returns the base64url signature.
 *
 * @example
 * ```ts
 * const signature = signJson(identity, 'aip-vouch/1', vouch);
 * ```
 */
export function signJson(identity: Identity, type: string, payload: unknown): string {
  return encodeBase64Url(identity.sign(signingInput(type, payload)));
}

/**
 * Verifies a signature made by {@link signJson} with the given public key.
 *
 * @example
 * ```ts
 * verifyJson(signature, 'aip-vouch/1', vouch, publicKey); // true or false
 * ```
 */
export function verifyJson(
  signature: Uint8Array,
  type: string,
  payload: unknown,
  publicKey: Uint8Array,
  options?: Ed25519Options,
): boolean {
  return verify(signature, signingInput(type, payload), publicKey, options);
}
