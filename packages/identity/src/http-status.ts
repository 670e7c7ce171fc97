// The one table from error codes to HTTP statuses (DESIGN §3 for the token codes), used by the
// registry, the proxy and `aip token verify`: a code has one status wherever it is answered. It
// lives here, with the codes, because both apps import this package and never each other.
import { type AipErrorCode, LOCAL_ERROR_CODES, type WireErrorCode } from './error-codes.js';

/**
 * The HTTP status of every code an answer may carry. Typed by the union: a new code without a
 * status does not compile.
 *
 * @example
 * ```ts
 * HTTP_STATUS.aip_audience_mismatch; // 401
 * ```
 */
export const HTTP_STATUS: Readonly<Record<WireErrorCode, number>> = {
  // The request itself.
  aip_request_invalid: 400,
  aip_json_unsupported: 400,
  aip_cursor_invalid: 400,
  aip_not_found: 404,
  aip_method_not_allowed: 405,
  aip_request_too_large: 413,
  aip_unsupported_media_type: 415,
  aip_rate_limited: 429,
  // Objects that break their schema: refused before any cryptography.
  aip_object_malformed: 400,
  aip_vouch_malformed: 400,
  aip_revocation_malformed: 400,
  aip_profile_malformed: 400,
  aip_registration_malformed: 400,
  aip_signature_malformed: 400,
  aip_scope_invalid: 400,
  aip_key_invalid: 400,
  aip_key_event_malformed: 400,
  // Credentials that do not authenticate (DESIGN §3): a token, a proof, or the signature that
  // authenticates a published object. A token for another audience is invalid here, not forbidden.
  aip_token_missing: 401,
  aip_token_malformed: 401,
  aip_signature_invalid: 401,
  aip_issuer_untrusted: 401,
  aip_identity_unresolvable: 401,
  aip_token_expired: 401,
  aip_key_revoked: 401,
  aip_proof_invalid: 401,
  aip_audience_mismatch: 401,
  aip_challenge_required: 401,
  aip_challenge_invalid: 401,
  // Authenticated, but not allowed.
  aip_scope_insufficient: 403,
  aip_budget_exceeded: 403,
  aip_depth_exceeded: 403,
  aip_holder_mismatch: 403,
  aip_revocation_unauthorized: 403,
  aip_key_event_unauthorized: 403,
  aip_session_forbidden: 403,
  // Well-formed, authentic objects that are not valid now.
  aip_vouch_expired: 422,
  aip_object_not_yet_valid: 422,
  // State.
  aip_agent_unknown: 404,
  aip_vouch_unknown: 404,
  aip_session_unknown: 404,
  aip_object_duplicate: 409,
  aip_vouch_revoked: 409,
  aip_profile_outdated: 409,
  aip_cursor_stale: 410,
  // This side or the next one failed.
  aip_internal: 500,
  aip_store_corrupt: 500,
  aip_store_unavailable: 503,
  aip_registry_unreachable: 502,
  aip_upstream_unavailable: 502,
  aip_audit_unavailable: 503,
  aip_stores_unavailable: 503,
  aip_upstream_timeout: 504,
};

/** The status of a code outside the table (an unknown code is a bug, never the client's fault). */
export const UNKNOWN_CODE_STATUS = 500;

const LOCAL: ReadonlySet<string> = new Set(LOCAL_ERROR_CODES);

/**
 * True for a code an HTTP answer may carry (one with a status in {@link HTTP_STATUS}).
 *
 * @example
 * ```ts
 * isWireErrorCode('aip_scope_insufficient'); // true
 * isWireErrorCode('aip_usage'); // false: the command line's
 * ```
 */
export function isWireErrorCode(code: string): code is WireErrorCode {
  return Object.hasOwn(HTTP_STATUS, code);
}

/**
 * True for any AIP error code, wire or local.
 *
 * @example
 * ```ts
 * isAipErrorCode('aip_passphrase_required'); // true
 * ```
 */
export function isAipErrorCode(code: string): code is AipErrorCode {
  return isWireErrorCode(code) || LOCAL.has(code);
}

/**
 * The HTTP status of `code`: its entry in {@link HTTP_STATUS}, else {@link UNKNOWN_CODE_STATUS}
 * (500) — the one fallback rule of both apps.
 *
 * @example
 * ```ts
 * httpStatusOf('aip_scope_insufficient'); // 403
 * httpStatusOf('aip_made_up'); // 500
 * ```
 */
export function httpStatusOf(code: string): number {
  return isWireErrorCode(code) ? HTTP_STATUS[code] : UNKNOWN_CODE_STATUS;
}
