// Typed errors for @aip/trust: one class, stable string codes (the base class comes from @aip/identity).
import { AipError, type ErrorCodeOf } from '@aip/identity';

/** Every code {@link TrustError} can carry: the trust codes of the one list, `ERROR_CODES.trust` in `@aip/identity`. */
export type TrustErrorCode = ErrorCodeOf<'trust'>;

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

/**
 * A factory of `TrustError`s with `code`, for the shared member checks of `object-members.ts`.
 *
 * @example
 * ```ts
 * didKeyMember(record, 'voucher', trustErrors('aip_vouch_malformed'), trustErrors('aip_identity_unresolvable'));
 * ```
 */
export function trustErrors(code: TrustErrorCode): (message: string, options?: ErrorOptions) => TrustError {
  return (message, options) => new TrustError(code, message, options);
}
