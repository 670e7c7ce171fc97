// aip:key:ed25519:z... identifiers, the form the Python reference implementation emits.
import { IdentityError } from './errors.js';
import { assertBytes } from './lib/bytes.js';
import { assertAcceptablePublicKey, decodeMultibaseKey, encodeRawMultibase } from './lib/multikey.js';

const PREFIX = 'aip:key:ed25519:';

/**
 * The `aip:key` of an Ed25519 public key: base58btc multibase of the raw 32 bytes.
 *
 * @example
 * ```ts
 * aipKeyFromPublicKey(publicKey); // "aip:key:ed25519:z..."
 * ```
 */
export function aipKeyFromPublicKey(publicKey: Uint8Array): string {
  assertBytes(publicKey, 'publicKey', 32);
  assertAcceptablePublicKey(publicKey);
  return PREFIX + encodeRawMultibase(publicKey);
}

/**
 * Decodes an `aip:key:ed25519:z...` identifier; the multibase part may hold the raw 32-byte key or
 * the 34-byte multicodec form.
 *
 * @example
 * ```ts
 * const publicKey = publicKeyFromAipKey(aipKeyFromPublicKey(publicKey));
 * ```
 */
export function publicKeyFromAipKey(id: string): Uint8Array {
  if (typeof id !== 'string') throw new TypeError('id must be a string');
  if (!id.startsWith(PREFIX)) throw new IdentityError('aip_identity_unresolvable', 'not an aip:key:ed25519 identifier');
  return decodeMultibaseKey(id.slice(PREFIX.length), 'raw-or-multicodec');
}
