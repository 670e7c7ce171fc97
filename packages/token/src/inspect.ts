// Decoding a token for display, without verifying anything (what `aip token inspect` prints).
import type { LinkClaims, TokenClaims } from './claims.js';
import { parseChain } from './lib/chain.js';
import { headerType } from './lib/jws.js';

/** One decoded segment. */
export interface DecodedSegment {
  /** base64url SHA-256 of the segment: the id chains, ledgers and audits use. */
  id: string;
  type: 'aip+jwt' | 'aip-dlg+jwt';
  claims: TokenClaims | LinkClaims;
}

/**
 * Decodes and structurally validates every segment of a token. **Nothing is verified**: never
 * base a decision on the result. Throws `TokenError` for a malformed token.
 *
 * @example
 * ```ts
 * for (const { type, claims } of decodeToken(token)) console.log(type, claims.sub, claims.scope);
 * ```
 */
export function decodeToken(token: string): DecodedSegment[] {
  return parseChain(token).map((entry, i) => ({
    id: entry.id,
    type: i === 0 ? 'aip+jwt' : 'aip-dlg+jwt',
    claims: entry.claims,
  }));
}

/**
 * Whether `value` is shaped like an AIP token or chain: its first JWS header names `typ`
 * `aip+jwt` (a chain's links follow it, joined with `~`). It tells an AIP token from an OAuth
 * JWT (`at+jwt`, `JWT`, or none) sent the same way (`Authorization: Bearer`); **nothing is
 * verified**.
 *
 * @example
 * ```ts
 * looksLikeAipToken(issueToken(operator, { sub, scope: ['tool:search'] })); // true
 * looksLikeAipToken(oauthAccessToken); // false
 * ```
 */
export function looksLikeAipToken(value: string): boolean {
  return headerType(value) === 'aip+jwt';
}
