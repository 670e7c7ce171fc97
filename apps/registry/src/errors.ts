// Typed errors for @aip/registry: one class, stable string codes (the base class comes from @aip/identity).
import { AipError } from '@aip/identity';

/** Every code {@link RegistryError} can carry (the trust and identity codes pass through as they are). */
export type RegistryErrorCode =
  /** The request is not what the route takes: bad JSON, a bad query parameter, an unknown route. */
  | 'aip_request_invalid'
  /** The body is larger than the registry accepts. */
  | 'aip_request_too_large'
  /** The body is not `application/json`. */
  | 'aip_media_type_unsupported'
  /** No such route. */
  | 'aip_not_found'
  /** No agent with this DID is known to the registry. */
  | 'aip_agent_unknown'
  /** A profile breaks the `aip-profile/1` schema. */
  | 'aip_profile_malformed'
  /** A profile is not newer than the one stored for its agent (a replay of an older version). */
  | 'aip_profile_outdated'
  /** A registration proof breaks the `aip-registration/1` schema or names another profile. */
  | 'aip_registration_malformed'
  /** The registry requires a challenge-response registration and none was given. */
  | 'aip_challenge_required'
  /** The challenge is unknown, expired, already used, or issued to another agent. */
  | 'aip_challenge_invalid'
  /** The object is already stored (re-sending it changes nothing). */
  | 'aip_object_duplicate'
  /** The vouch was revoked: re-sending the original never brings it back. */
  | 'aip_vouch_revoked'
  /** A feed cursor is not one this registry issues. */
  | 'aip_cursor_invalid'
  /** A feed cursor belongs to another database (the registry was rebuilt): start again from the beginning. */
  | 'aip_cursor_stale'
  /** Too many requests from this address, or objects from this identity. */
  | 'aip_rate_limited'
  /** A registry could not be reached, or answered with something that is not the registry API. */
  | 'aip_registry_unreachable'
  /** An unexpected failure (details in the server log only). */
  | 'aip_internal';

/**
 * A registry failure with a stable {@link RegistryErrorCode}. Messages name the offending field,
 * never a key or internal exception text.
 *
 * @example
 * ```ts
 * throw new RegistryError('aip_agent_unknown', 'no agent with this DID is known here');
 * ```
 */
export class RegistryError extends AipError {
  declare readonly code: RegistryErrorCode;
  /** Seconds to wait before retrying (`aip_rate_limited`). */
  readonly retryAfter: number | undefined;

  constructor(code: RegistryErrorCode, message: string, options?: ErrorOptions & { retryAfter?: number }) {
    super(code, message, options);
    this.name = 'RegistryError';
    this.retryAfter = options?.retryAfter;
  }
}
