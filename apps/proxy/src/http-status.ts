// The proxy's error codes and their HTTP statuses: the one table of @aip/identity (DESIGN §3 for
// the token codes), which the registry and `aip token verify` use too.
import { type ErrorCodeOf, httpStatusOf as statusOf, type WireErrorCode } from '@aip/identity';
import type { TokenErrorCode } from '@aip/token';

/**
 * Codes the proxy itself answers with, besides the token layer's: `ERROR_CODES.proxy` but
 * `aip_config_invalid`, a refusal to start that never travels in an answer.
 */
export type ProxyErrorCode = Extract<ErrorCodeOf<'proxy'>, WireErrorCode>;

/** Every code the proxy can answer with. */
export type ProxyResponseCode = TokenErrorCode | ProxyErrorCode;

/**
 * The HTTP status of an AIP error code: its entry in the one table, 500 for a code outside it (an
 * unknown code is a bug, never the client's fault; the registry's rule too).
 *
 * @example
 * ```ts
 * httpStatusOf('aip_scope_insufficient'); // 403
 * ```
 */
export function httpStatusOf(code: ProxyResponseCode | (string & {})): number {
  return statusOf(code);
}
