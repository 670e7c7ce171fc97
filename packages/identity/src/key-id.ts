// One entry point for every self-certifying way to name a key: did:key, aip:key, bare multibase.
import { aipKeyFromPublicKey, publicKeyFromAipKey } from './aip-key.js';
import { didKeyFromPublicKey, publicKeyFromDidKey } from './did-key.js';
import { IdentityError } from './errors.js';
import { decodeMultibaseKey, encodeMultikey } from './lib/multikey.js';

/**
 * True for identifiers that carry their own key (`did:key:`, `aip:key:`), so a verifier needs no
 * configuration to learn the key. This is a syntactic check; decoding may still fail.
 *
 * @example
 * ```ts
 * isSelfCertifyingId('did:key:z6Mk...'); // true
 * isSelfCertifyingId('https://example.com'); // false
 * ```
 */
export function isSelfCertifyingId(id: string): boolean {
  return typeof id === 'string' && (id.startsWith('did:key:') || id.startsWith('aip:key:'));
}

/**
 * Decodes any self-certifying key identifier to the 32-byte Ed25519 public key: `did:key:z6Mk...`,
 * `aip:key:ed25519:z...` (raw or multicodec), or a bare `z...` multibase key in either form.
 * Throws `IdentityError` (`aip_identity_unresolvable` or `aip_key_invalid`).
 *
 * @example
 * ```ts
 * publicKeyFromId('z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp');
 * ```
 */
export function publicKeyFromId(id: string): Uint8Array {
  if (typeof id !== 'string') throw new TypeError('id must be a string');
  if (id.startsWith('did:')) return publicKeyFromDidKey(id);
  if (id.startsWith('aip:')) return publicKeyFromAipKey(id);
  if (id.startsWith('z')) return decodeMultibaseKey(id, 'raw-or-multicodec');
  throw new IdentityError(
    'aip_identity_unresolvable',
    'unrecognised key identifier (expected did:key, aip:key or z... multibase)',
  );
}

/**
 * Normalises any accepted key identifier to its `did:key`.
 *
 * @example
 * ```ts
 * didKeyFromId('aip:key:ed25519:z...'); // "did:key:z6Mk..."
 * ```
 */
export function didKeyFromId(id: string): string {
  return didKeyFromPublicKey(publicKeyFromId(id));
}

/** The three textual forms of one public key. */
export interface KeyIdentifiers {
  did: string;
  aipId: string;
  /** `z6Mk...`: multicodec ed25519-pub in base58btc (the W3C Multikey `publicKeyMultibase`). */
  publicKeyMultibase: string;
}

/**
 * All identifier forms of a public key.
 *
 * @example
 * ```ts
 * const { did, aipId, publicKeyMultibase } = identifiersOf(publicKey);
 * ```
 */
export function identifiersOf(publicKey: Uint8Array): KeyIdentifiers {
  const did = didKeyFromPublicKey(publicKey);
  return { did, aipId: aipKeyFromPublicKey(publicKey), publicKeyMultibase: encodeMultikey(publicKey) };
}
