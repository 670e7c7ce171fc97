// Object ids as @aip/trust computes them: base64url(SHA-256(UTF-8(JCS(signed object)))), so one
// signed statement has one id whatever its kind.
import { canonicalize, encodeBase64Url, sha256 } from '@aip/identity';

const encoder = new TextEncoder();

/** The canonical text of a signed object and its id. */
export function canonicalWithId(signed: object): { canonical: string; id: string } {
  const canonical = canonicalize(signed);
  return { canonical, id: encodeBase64Url(sha256(encoder.encode(canonical))) };
}
