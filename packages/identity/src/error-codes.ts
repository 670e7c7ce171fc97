// Every error code of AIP in one union (CONVENTIONS 14), beside `AipError`, the base class of every
// package's errors: the codes are part of the contract, so they are listed once, here, by where
// they are raised. `@aip/token` and `@aip/trust` take their code unions from these lists; the
// registry, the proxy and the CLI take theirs too (apps never import each other).
import type { IdentityErrorCode } from './errors.js';

// Keyed by IdentityErrorCode: a code added to errors.ts and not listed here, or listed here and
// not in errors.ts, does not compile.
const IDENTITY: Record<IdentityErrorCode, true> = {
  aip_key_invalid: true,
  aip_identity_unresolvable: true,
  aip_signature_invalid: true,
  aip_signature_malformed: true,
  aip_json_unsupported: true,
  aip_identity_missing: true,
  aip_identity_exists: true,
  aip_keystore_corrupt: true,
  aip_keystore_permissions: true,
  aip_keystore_unavailable: true,
  aip_passphrase_required: true,
  aip_passphrase_invalid: true,
  aip_key_event_malformed: true,
  aip_key_event_unauthorized: true,
  aip_key_revoked: true,
};

/** The codes of `TokenError` (DESIGN §3). */
const TOKEN_ERROR_CODES = [
  'aip_token_missing',
  'aip_token_malformed',
  'aip_signature_invalid',
  'aip_issuer_untrusted',
  'aip_identity_unresolvable',
  'aip_token_expired',
  'aip_key_revoked',
  'aip_proof_invalid',
  'aip_scope_insufficient',
  'aip_budget_exceeded',
  'aip_depth_exceeded',
  'aip_audience_mismatch',
  /** `delegate` or `signRequest` was called with an identity that does not hold the token. */
  'aip_holder_mismatch',
] as const;

/** The codes of `TrustError`. */
const TRUST_ERROR_CODES = [
  /** A line or value is not a JSON object of a known trust type (`aip-vouch/1`, `aip-revocation/1`, `aip-key-event/1`). */
  'aip_object_malformed',
  /** A vouch breaks its schema: unknown field, bad did, weight outside (0, 1], oversize. */
  'aip_vouch_malformed',
  /** A revocation breaks its schema. */
  'aip_revocation_malformed',
  /** A key event (`aip-key-event/1`) breaks its schema. */
  'aip_key_event_malformed',
  /** A scope the token grammar refuses (`isValidScope` of `@aip/token`). */
  'aip_scope_invalid',
  /** A voucher or subject is not an acceptable Ed25519 `did:key`. */
  'aip_identity_unresolvable',
  /** The signature does not verify under the voucher's key. */
  'aip_signature_invalid',
  /** The vouch has expired (`exp <= now`). */
  'aip_vouch_expired',
  /** The object was issued further in the future than the allowed clock skew. */
  'aip_object_not_yet_valid',
  /** A revocation is signed by someone other than the voucher of the vouch it names. */
  'aip_revocation_unauthorized',
  /** The vouch named (e.g. by `aip revoke`) is not in the store. */
  'aip_vouch_unknown',
  /** The database or index snapshot is not an AIP trust store, or of an unsupported version. */
  'aip_store_corrupt',
  /** The store cannot be opened here: its driver does not load on this runtime, EACCES, EROFS, locked. */
  'aip_store_unavailable',
] as const;

/** The codes the registry raises itself; the trust and identity codes pass through as they are. */
const REGISTRY_ERROR_CODES = [
  /** The request is not what the route takes: bad JSON, a bad query or path parameter, an unknown route. */
  'aip_request_invalid',
  /** The body is larger than the registry accepts. */
  'aip_request_too_large',
  /** The body is not `application/json`. */
  'aip_unsupported_media_type',
  /** No such route. */
  'aip_not_found',
  /** No agent with this DID is known to the registry. */
  'aip_agent_unknown',
  /** A profile breaks the `aip-profile/1` schema. */
  'aip_profile_malformed',
  /** A profile is not newer than the one stored for its agent (a replay of an older version). */
  'aip_profile_outdated',
  /** A registration proof breaks the `aip-registration/1` schema or names another profile. */
  'aip_registration_malformed',
  /** The registry requires a challenge-response registration and none was given. */
  'aip_challenge_required',
  /** The challenge is unknown, expired, already used, or issued to another agent. */
  'aip_challenge_invalid',
  /** The object is already stored (re-sending it changes nothing). */
  'aip_object_duplicate',
  /** The vouch was revoked: re-sending the original never brings it back. */
  'aip_vouch_revoked',
  /** A feed cursor is not one this registry issues. */
  'aip_cursor_invalid',
  /** A feed cursor belongs to another feed (the registry was rebuilt): start again from the beginning. */
  'aip_cursor_stale',
  /** Too many requests from this address, or objects from this identity. */
  'aip_rate_limited',
  /** A registry could not be reached, or answered with something that is not the registry API. */
  'aip_registry_unreachable',
  /** An unexpected failure (details in the server log only). */
  'aip_internal',
] as const;

/** The codes the proxy raises itself, besides the token layer's. */
const PROXY_ERROR_CODES = [
  /** A body that is not UTF-8 or JSON, a byte order mark, an encoded separator, an ambiguous request. */
  'aip_request_invalid',
  /** The body is larger than the proxy accepts. */
  'aip_request_too_large',
  /** A `Content-Encoding`, or a charset other than UTF-8. */
  'aip_unsupported_media_type',
  /** A method the target does not take (the metadata document is read-only). */
  'aip_method_not_allowed',
  /** Too many requests (or requests in flight) for this principal. */
  'aip_rate_limited',
  /** The MCP session belongs to another principal. */
  'aip_session_forbidden',
  /** The MCP session is not known (never opened, expired or closed). */
  'aip_session_unknown',
  /** The upstream MCP server cannot be reached or failed to answer. */
  'aip_upstream_unavailable',
  /** The upstream MCP server did not answer in time. */
  'aip_upstream_timeout',
  /** The audit log cannot be written: nothing is forwarded that cannot be audited. */
  'aip_audit_unavailable',
  /** A shared state store (replay cache, rate limits, budgets) cannot be reached: fail closed. */
  'aip_stores_unavailable',
  /** An unexpected failure (details in the server log only). */
  'aip_internal',
  /** The configuration is refused, at start or on reload: never an HTTP answer. */
  'aip_config_invalid',
] as const;

/** The codes the `aip` command raises itself (it prints every other code as it comes). */
const CLI_ERROR_CODES = [
  /** Unknown command or option, missing argument, empty or mismatched passphrase. */
  'aip_usage',
  /** A file is missing, unreadable or too large. */
  'aip_input_unreadable',
  /** An output file exists and `--force` was not given. */
  'aip_output_exists',
  /** An output file cannot be written (permissions, a read-only file system, a full disk). */
  'aip_output_unwritable',
  /** Passphrase entry cancelled. */
  'aip_interrupted',
  /** An unexpected failure (details with `AIP_DEBUG=1`). */
  'aip_internal',
] as const;

/**
 * Every AIP error code by the package or app that raises it. A code may belong to several
 * (`aip_signature_invalid` is identity's, token's and trust's): one word, one meaning everywhere.
 *
 * @example
 * ```ts
 * ERROR_CODES.token.includes('aip_token_expired'); // true
 * ```
 */
export const ERROR_CODES = {
  identity: Object.keys(IDENTITY) as readonly IdentityErrorCode[],
  token: TOKEN_ERROR_CODES,
  trust: TRUST_ERROR_CODES,
  registry: REGISTRY_ERROR_CODES,
  proxy: PROXY_ERROR_CODES,
  cli: CLI_ERROR_CODES,
} as const;

/** Where codes are raised: a key of {@link ERROR_CODES}. */
export type ErrorCodeSource = keyof typeof ERROR_CODES;

/**
 * The codes one package or app raises, as a type (`ErrorCodeOf<'token'>` is `TokenErrorCode`).
 *
 * @example
 * ```ts
 * const code: ErrorCodeOf<'registry'> = 'aip_cursor_stale';
 * ```
 */
export type ErrorCodeOf<S extends ErrorCodeSource> = (typeof ERROR_CODES)[S][number];

/** Every AIP error code: the one union. */
export type AipErrorCode = ErrorCodeOf<ErrorCodeSource>;

/**
 * Codes that never travel in an HTTP answer: the local key store's, the command line's and the
 * proxy's refusal of its configuration. They have no HTTP status; every other code has one.
 *
 * @example
 * ```ts
 * LOCAL_ERROR_CODES.includes('aip_passphrase_required'); // true
 * ```
 */
export const LOCAL_ERROR_CODES = [
  'aip_identity_missing',
  'aip_identity_exists',
  'aip_keystore_corrupt',
  'aip_keystore_permissions',
  'aip_keystore_unavailable',
  'aip_passphrase_required',
  'aip_passphrase_invalid',
  'aip_usage',
  'aip_input_unreadable',
  'aip_output_exists',
  'aip_output_unwritable',
  'aip_interrupted',
  'aip_config_invalid',
] as const satisfies readonly AipErrorCode[];

/** A code that never travels in an HTTP answer. */
export type LocalErrorCode = (typeof LOCAL_ERROR_CODES)[number];

/** A code an HTTP answer (of the registry or the proxy) may carry: every code that is not local. */
export type WireErrorCode = Exclude<AipErrorCode, LocalErrorCode>;
