// Typed errors for @aip/token: the stable codes of DESIGN §3, one per failure class.
import { AipError } from '@aip/identity';

/** Every code a {@link TokenError} can carry (DESIGN §3), plus the minting-side `aip_holder_mismatch`. */
export type TokenErrorCode =
  | 'aip_token_missing'
  | 'aip_token_malformed'
  | 'aip_signature_invalid'
  | 'aip_issuer_untrusted'
  | 'aip_identity_unresolvable'
  | 'aip_token_expired'
  | 'aip_key_revoked'
  | 'aip_proof_invalid'
  | 'aip_scope_insufficient'
  | 'aip_budget_exceeded'
  | 'aip_depth_exceeded'
  | 'aip_audience_mismatch'
  /** `delegate` or `signRequest` was called with an identity that does not hold the token. */
  | 'aip_holder_mismatch';

/**
 * A token, chain or proof failure. The same bad input always gets the same code; the message never
 * contains the token, a key or internal exception text.
 *
 * @example
 * ```ts
 * try {
 *   verifier.verify(token);
 * } catch (err) {
 *   if (err instanceof TokenError && err.code === 'aip_token_expired') refresh();
 * }
 * ```
 */
export class TokenError extends AipError {
  declare readonly code: TokenErrorCode;

  constructor(code: TokenErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
    this.name = 'TokenError';
  }
}
