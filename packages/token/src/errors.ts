// Typed errors for @aip/token: the stable codes of DESIGN §3, one per failure class.
import { AipError, type ErrorCodeOf } from '@aip/identity';

/**
 * Every code a {@link TokenError} can carry (DESIGN §3), plus the minting-side
 * `aip_holder_mismatch`: the token codes of the one list, `ERROR_CODES.token` in `@aip/identity`.
 */
export type TokenErrorCode = ErrorCodeOf<'token'>;

/** Options of a {@link TokenError}: the wrapped cause, and the chain segment that failed. */
export interface TokenErrorOptions extends ErrorOptions {
  /** Index of the failing segment: 0 the root token, n the n-th delegation link. */
  link?: number;
}

/**
 * A token, chain or proof failure. The same bad input always gets the same code; the message never
 * contains the token, a key or internal exception text. When one segment of a chain is at fault,
 * `link` says which, so a caller need not read it out of the message.
 *
 * @example
 * ```ts
 * try {
 *   verifier.verify(token);
 * } catch (err) {
 *   if (err instanceof TokenError && err.code === 'aip_token_expired') refresh(err.link);
 * }
 * ```
 */
export class TokenError extends AipError {
  declare readonly code: TokenErrorCode;
  /**
   * The failing segment of a chain (0: the root token, n: the n-th link), or undefined when no
   * single segment is at fault (no token, too many links overall, a proof, a minting refusal).
   */
  readonly link: number | undefined;

  constructor(code: TokenErrorCode, message: string, options?: TokenErrorOptions) {
    super(code, message, options);
    this.name = 'TokenError';
    this.link = options?.link;
  }
}
