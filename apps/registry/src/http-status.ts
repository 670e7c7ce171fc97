// The one table from error codes to HTTP statuses: the registry's own codes and the trust and
// identity codes its routes pass through.
import type { IdentityErrorCode } from '@aip/identity';
import type { TrustErrorCode } from '@aip/trust';
import type { RegistryErrorCode } from './errors.js';

type KnownCode =
  | RegistryErrorCode
  | TrustErrorCode
  | Extract<IdentityErrorCode, 'aip_key_invalid' | 'aip_json_unsupported'>;

const STATUS: Record<KnownCode, number> = {
  // The request itself.
  aip_request_invalid: 400,
  aip_not_found: 404,
  aip_request_too_large: 413,
  aip_media_type_unsupported: 415,
  aip_rate_limited: 429,
  // Objects that break their schema: refused before any cryptography.
  aip_object_malformed: 400,
  aip_vouch_malformed: 400,
  aip_revocation_malformed: 400,
  aip_profile_malformed: 400,
  aip_registration_malformed: 400,
  aip_scope_invalid: 400,
  aip_identity_unresolvable: 400,
  aip_key_invalid: 400,
  aip_json_unsupported: 400,
  aip_cursor_invalid: 400,
  // Well-formed objects that do not verify.
  aip_signature_invalid: 422,
  aip_vouch_expired: 422,
  aip_object_not_yet_valid: 422,
  // Proof of possession.
  aip_challenge_required: 401,
  aip_challenge_invalid: 401,
  aip_revocation_unauthorized: 403,
  // State.
  aip_agent_unknown: 404,
  aip_vouch_unknown: 404,
  aip_object_duplicate: 409,
  aip_vouch_revoked: 409,
  aip_profile_outdated: 409,
  aip_cursor_stale: 410,
  aip_store_corrupt: 500,
  aip_store_unavailable: 503,
  aip_internal: 500,
  aip_registry_unreachable: 502,
};

/**
 * The HTTP status of an error code (500 for codes outside the table: an unknown code is a bug).
 *
 * @example
 * ```ts
 * httpStatusOf('aip_signature_invalid'); // 422
 * ```
 */
export function httpStatusOf(code: string): number {
  return STATUS[code as KnownCode] ?? 500;
}

/**
 * Every code the registry can answer with, and its status (for the README and the OpenAPI document).
 *
 * @example
 * ```ts
 * for (const [code, status] of errorCodeTable()) console.log(code, status);
 * ```
 */
export function errorCodeTable(): [string, number][] {
  return Object.entries(STATUS);
}
