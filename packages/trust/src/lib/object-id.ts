// Object ids: base64url(SHA-256(UTF-8(JCS(signed object)))), the signature member included, so an
// id names one exact signed statement.
import { canonicalize, encodeBase64Url, sha256 } from '@aip/identity';

const encoder = new TextEncoder();

/** The canonical text of a signed object and its id. */
export function canonicalWithId(signed: object): { canonical: string; id: string } {
  const canonical = canonicalize(signed);
  return { canonical, id: encodeBase64Url(sha256(encoder.encode(canonical))) };
}

const ID_PATTERN = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;

/** True for a well-formed object id (43 base64url characters encoding 32 bytes). */
export function isObjectId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value);
}
