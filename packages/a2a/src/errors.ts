// Typed errors for @aip/a2a, on the one base class every AIP package shares.
import { AipError } from '@aip/identity';

/** Every code an {@link A2aError} can carry. */
export type A2aErrorCode =
  /** An agent card names no AIP identity (no extension with `AIP_EXTENSION_URI`, or a `did` that is not an Ed25519 did:key). */
  'aip_agent_card_invalid';

/**
 * An A2A-side failure with a stable {@link A2aErrorCode}.
 *
 * @example
 * ```ts
 * try {
 *   createA2aFetch({ token, holder, agent: card });
 * } catch (err) {
 *   if (err instanceof A2aError && err.code === 'aip_agent_card_invalid') useAnotherAgent();
 * }
 * ```
 */
export class A2aError extends AipError {
  declare readonly code: A2aErrorCode;

  constructor(code: A2aErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
    this.name = 'A2aError';
  }
}
