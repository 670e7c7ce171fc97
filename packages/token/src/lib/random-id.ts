// Random identifiers (jti): 128 bits, base64url.
import { encodeBase64Url } from '@aip/identity';

export function randomId(): string {
  return encodeBase64Url(crypto.getRandomValues(new Uint8Array(16)));
}
