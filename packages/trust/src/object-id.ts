// Object ids (DESIGN §4): base64url(SHA-256(UTF-8(JCS(signed object)))), the signature member
// included, so an id names one exact signed statement, whatever its kind: vouches and revocations
// here, the registry's profiles and registrations too.
import { canonicalize, encodeBase64Url, sha256 } from '@aip/identity';

const encoder = new TextEncoder();

/**
 * The canonical (RFC 8785) text of a signed object and its id.
 *
 * @example
 * ```ts
 * const { canonical, id } = canonicalWithId(signedProfile); // id: 43 base64url characters
 * ```
 */
export function canonicalWithId(signed: object): { canonical: string; id: string } {
  const canonical = canonicalize(signed);
  return { canonical, id: encodeBase64Url(sha256(encoder.encode(canonical))) };
}

const ID_PATTERN = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;

/**
 * True for a well-formed object id: 43 base64url characters encoding exactly 32 bytes.
 *
 * @example
 * ```ts
 * isObjectId(vouchId(vouch)); // true
 * ```
 */
export function isObjectId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value);
}
