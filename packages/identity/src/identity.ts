// An agent identity: an Ed25519 key pair that signs, named by its did:key and aip:key.
import { createSigner, type Ed25519Options, generateSecretKey, getPublicKey } from './ed25519.js';
import { identifiersOf } from './key-id.js';
import { assertBytes } from './lib/bytes.js';

/**
 * A signing identity. The secret key is held outside the object (it never shows up in
 * `console.log`, `JSON.stringify` or enumeration); {@link exportSecretKey} is the one way out.
 */
export interface Identity {
  /** `did:key:z6Mk...`, the primary identifier. */
  readonly did: string;
  /** `aip:key:ed25519:z...`, the Python reference's form. */
  readonly aipId: string;
  /** `z6Mk...`: the multicodec key in base58btc. */
  readonly publicKeyMultibase: string;
  /** A copy of the 32-byte public key. */
  readonly publicKey: Uint8Array;
  /** Signs raw bytes (Ed25519, deterministic). */
  sign(message: Uint8Array): Uint8Array;
  toJSON(): { did: string; aip_id: string; public_key_multibase: string };
}

/** Options for creating an identity. */
export interface IdentityOptions extends Ed25519Options {
  /** Randomness source for key generation (tests); defaults to the platform CSPRNG. */
  random?: (length: number) => Uint8Array;
}

const secretKeys = new WeakMap<Identity, Uint8Array>();

/**
 * Mints a fresh identity.
 *
 * @example
 * ```ts
 * const agent = generateIdentity();
 * console.log(agent.did); // did:key:z6Mk...
 * ```
 */
export function generateIdentity(options: IdentityOptions = {}): Identity {
  const secretKey = generateSecretKey(options.random);
  try {
    return identityFromSecretKey(secretKey, options);
  } finally {
    secretKey.fill(0);
  }
}

/**
 * Rebuilds an identity from its 32-byte secret key (RFC 8032 seed). The bytes are copied.
 *
 * @example
 * ```ts
 * const same = identityFromSecretKey(exportSecretKey(agent));
 * ```
 */
export function identityFromSecretKey(secretKey: Uint8Array, options: Ed25519Options = {}): Identity {
  assertBytes(secretKey, 'secretKey', 32);
  const secret = Uint8Array.from(secretKey);
  const publicKey = getPublicKey(secret);
  const { did, aipId, publicKeyMultibase } = identifiersOf(publicKey);
  const signer = createSigner(secret, options);
  const identity: Identity = Object.freeze({
    did,
    aipId,
    publicKeyMultibase,
    get publicKey() {
      return Uint8Array.from(publicKey);
    },
    sign: signer,
    toJSON: () => ({ did, aip_id: aipId, public_key_multibase: publicKeyMultibase }),
  });
  secretKeys.set(identity, secret);
  return identity;
}

/**
 * A copy of the identity's 32-byte secret key. Handle with care: this is the whole identity.
 *
 * @example
 * ```ts
 * const secretKey = exportSecretKey(agent);
 * ```
 */
export function exportSecretKey(identity: Identity): Uint8Array {
  const secret = secretKeys.get(identity);
  if (secret === undefined) throw new TypeError('not an identity created by @aip/identity');
  return Uint8Array.from(secret);
}
