// The one table from AIP error codes to HTTP statuses (DESIGN §3), plus the proxy's own codes.
import type { TokenErrorCode } from '@aip/token';

/** Codes the proxy itself answers with, besides the token layer's. */
export type ProxyErrorCode =
  | 'aip_request_too_large'
  | 'aip_upstream_unavailable'
  | 'aip_method_not_allowed'
  | 'aip_rate_limited'
  | 'aip_session_forbidden'
  | 'aip_session_unknown'
  | 'aip_request_invalid'
  | 'aip_unsupported_media_type'
  | 'aip_upstream_timeout'
  | 'aip_audit_unavailable'
  | 'aip_stores_unavailable'
  | 'aip_internal';

/** Every code a proxy response can carry. */
export type ProxyResponseCode = TokenErrorCode | ProxyErrorCode;

const STATUS: Record<ProxyResponseCode, number> = {
  aip_token_missing: 401,
  aip_token_malformed: 401,
  aip_signature_invalid: 401,
  aip_issuer_untrusted: 401,
  aip_identity_unresolvable: 401,
  aip_token_expired: 401,
  aip_key_revoked: 401,
  aip_proof_invalid: 401,
  aip_audience_mismatch: 401,
  aip_request_invalid: 400,
  aip_scope_insufficient: 403,
  aip_budget_exceeded: 403,
  aip_depth_exceeded: 403,
  aip_holder_mismatch: 403,
  aip_session_forbidden: 403,
  aip_session_unknown: 404,
  aip_method_not_allowed: 405,
  aip_request_too_large: 413,
  aip_unsupported_media_type: 415,
  aip_rate_limited: 429,
  aip_internal: 500,
  aip_upstream_unavailable: 502,
  aip_audit_unavailable: 503,
  aip_stores_unavailable: 503,
  aip_upstream_timeout: 504,
};

/**
 * The HTTP status of an AIP error code (500 for a code outside the table).
 *
 * @example
 * ```ts
 * httpStatusOf('aip_scope_insufficient'); // 403
 * ```
 */
export function httpStatusOf(code: string): number {
  return STATUS[code as ProxyResponseCode] ?? 500;
}
