// did:key identifiers for Ed25519 keys (W3C CCG did:key method): did:key:z6Mk...
import { IdentityError } from './errors.js';
import { assertBytes } from './lib/bytes.js';
import { assertAcceptablePublicKey, decodeMultibaseKey, encodeMultikey } from './lib/multikey.js';

const PREFIX = 'did:key:';

/**
 * The `did:key` of an Ed25519 public key: base58btc multibase of `0xed 0x01 || key`.
 *
 * @example
 * ```ts
 * didKeyFromPublicKey(publicKey); // "did:key:z6Mk..."
 * ```
 */
export function didKeyFromPublicKey(publicKey: Uint8Array): string {
  assertBytes(publicKey, 'publicKey', 32);
  assertAcceptablePublicKey(publicKey);
  return PREFIX + encodeMultikey(publicKey);
}

/**
 * Decodes a `did:key` to its Ed25519 public key without a resolver (the fast path; it agrees with
 * `resolveDid`). Throws `IdentityError` `aip_identity_unresolvable` for anything that is not an
 * Ed25519 did:key, `aip_key_invalid` for an unacceptable key.
 *
 * @example
 * ```ts
 * const publicKey = publicKeyFromDidKey('did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp');
 * ```
 */
export function publicKeyFromDidKey(did: string): Uint8Array {
  if (typeof did !== 'string') throw new TypeError('did must be a string');
  if (!did.startsWith(PREFIX)) throw new IdentityError('aip_identity_unresolvable', 'not a did:key identifier');
  return decodeMultibaseKey(did.slice(PREFIX.length), 'multicodec');
}
