// Typed errors for @aip/trust: one class, stable string codes (the base class comes from @aip/identity).
import { AipError } from '@aip/identity';

/** Every code {@link TrustError} can carry. */
export type TrustErrorCode =
  /** A line or value is not a JSON object of a known trust type (`aip-vouch/1`, `aip-revocation/1`). */
  | 'aip_object_malformed'
  /** A vouch breaks its schema: unknown field, bad did, weight outside (0, 1], bad scope, oversize. */
  | 'aip_vouch_malformed'
  /** A revocation breaks its schema. */
  | 'aip_revocation_malformed'
  /** A scope is not `*`, `kind:name` or a `kind:prefix` ending in a separator and `*`. */
  | 'aip_scope_invalid'
  /** A voucher or subject is not an acceptable Ed25519 `did:key`. */
  | 'aip_identity_unresolvable'
  /** The signature does not verify under the voucher's key. */
  | 'aip_signature_invalid'
  /** The vouch has expired (`exp <= now`). */
  | 'aip_vouch_expired'
  /** The object was issued further in the future than the allowed clock skew. */
  | 'aip_object_not_yet_valid'
  /** A revocation is signed by someone other than the voucher of the vouch it names. */
  | 'aip_revocation_unauthorized'
  /** The vouch named (e.g. by `aip revoke`) is not in the store. */
  | 'aip_vouch_unknown'
  /** The database or index snapshot is not an AIP trust store, or of an unsupported version. */
  | 'aip_store_corrupt'
  /**
   * The store cannot be opened: the SQLite driver cannot load in this runtime, or the file system
   * refuses (permissions, read-only, full, locked). The message names the cause.
   */
  | 'aip_store_unavailable';

/**
 * A trust-layer failure with a stable {@link TrustErrorCode}. Messages name the offending field,
 * never a key or internal exception text.
 *
 * @example
 * ```ts
 * try {
 *   verifyVouch(JSON.parse(line), { now });
 * } catch (err) {
 *   if (err instanceof TrustError && err.code === 'aip_vouch_expired') skip(line);
 * }
 * ```
 */
export class TrustError extends AipError {
  declare readonly code: TrustErrorCode;

  constructor(code: TrustErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
    this.name = 'TrustError';
  }
}
