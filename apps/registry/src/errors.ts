// Typed errors for @aip/registry: one class, stable string codes (the base class comes from @aip/identity).
import { AipError, type ErrorCodeOf } from '@aip/identity';

/**
 * Every code {@link RegistryError} can carry: the registry codes of the one list,
 * `ERROR_CODES.registry` in `@aip/identity` (the trust and identity codes pass through as they are).
 */
export type RegistryErrorCode = ErrorCodeOf<'registry'>;

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
