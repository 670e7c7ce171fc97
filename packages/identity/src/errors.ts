// Typed errors for @aip/identity: one base class shared by every AIP package, stable string codes.
// Also the `@aip/identity/errors` entry, for programs that only need to recognise AIP errors.

/**
 * Base class of every error an AIP package throws for bad *data* (as opposed to a wrong argument
 * type, which is a `TypeError`/`RangeError`). `code` is stable and safe to branch on; `message` is
 * for humans and never contains a token, a key or a passphrase.
 *
 * @example
 * ```ts
 * try {
 *   publicKeyFromId('did:key:zBogus');
 * } catch (err) {
 *   if (err instanceof AipError) console.error(err.code); // "aip_identity_unresolvable"
 * }
 * ```
 */
export class AipError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AipError';
    this.code = code;
  }
}

/** Every code {@link IdentityError} can carry. */
export type IdentityErrorCode =
  /** A public or secret key has the wrong length, is non-canonical, off-curve or of small order. */
  | 'aip_key_invalid'
  /** An identifier cannot be resolved to an Ed25519 key (unknown method, bad multibase/multicodec). */
  | 'aip_identity_unresolvable'
  /** A detached signature is well-formed but does not verify, or the content does not match it. */
  | 'aip_signature_invalid'
  /** A detached signature envelope cannot be parsed or breaks its schema. */
  | 'aip_signature_malformed'
  /** A value cannot be canonicalized as RFC 8785 JSON (non-finite number, lone surrogate, ...). */
  | 'aip_json_unsupported'
  /** No identity exists in the key store. */
  | 'aip_identity_missing'
  /** An identity already exists and `force` was not given. */
  | 'aip_identity_exists'
  /** The identity file is unreadable, inconsistent or corrupt. */
  | 'aip_keystore_corrupt'
  /**
   * The key store cannot be read or written: permissions, a read-only file system, a full disk, or
   * `identity.json` is not a regular file (a FIFO, a device, a directory). The message names the cause.
   */
  | 'aip_keystore_unavailable'
  /** The identity file is readable by other users. */
  | 'aip_keystore_permissions'
  /** The identity is encrypted and no passphrase was supplied. */
  | 'aip_passphrase_required'
  /** The passphrase does not decrypt the identity. */
  | 'aip_passphrase_invalid'
  /** A key event (`aip-key-event/1`) breaks its schema. */
  | 'aip_key_event_malformed'
  /** A key event is signed by a key without the authority (a rotation not by the committed next key). */
  | 'aip_key_event_unauthorized'
  /** The key was rotated away (for objects issued since) or revoked (for everything). */
  | 'aip_key_revoked';

/**
 * An identity-layer failure with a stable {@link IdentityErrorCode}.
 *
 * @example
 * ```ts
 * await loadIdentity({ home }).catch((err: IdentityError) => err.code); // "aip_identity_missing"
 * ```
 */
export class IdentityError extends AipError {
  declare readonly code: IdentityErrorCode;

  constructor(code: IdentityErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
    this.name = 'IdentityError';
  }
}

export { describeIoError, isIoError } from './io-error.js';
