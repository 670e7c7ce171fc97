// Size limits checked before any parsing work, and the fixed protocol constants of DESIGN §3.

/** The longest token (root plus links, `~`-joined) accepted, in characters. */
export const MAX_TOKEN_LENGTH = 16 * 1024;
/** The longest single JWS segment (token, link or proof), in characters. */
export const MAX_SEGMENT_LENGTH = 4 * 1024;
/** Hard cap on delegation links after the root token. */
export const MAX_CHAIN_LINKS = 8;
/** Most scopes one token or link may carry. */
export const MAX_SCOPES = 64;
/** Longest scope string. */
export const MAX_SCOPE_LENGTH = 256;
/** Longest identifier (`iss`, `sub`, `aud` entries). */
export const MAX_ID_LENGTH = 512;
/** Longest `jti`. */
export const MAX_JTI_LENGTH = 128;
/** Longest delegation context (`ctx`). */
export const MAX_CONTEXT_LENGTH = 1024;
/** Default tolerance for `iat`/`nbf` in the future, in seconds. */
export const DEFAULT_CLOCK_TOLERANCE = 30;
