// Trust's refusal of a scope the one grammar (@aip/token, DESIGN §3) does not accept: a vouch or a
// trust query in such a scope is `aip_scope_invalid`.
import { isValidScope, SCOPE_GRAMMAR } from '@aip/token';
import { TrustError } from './errors.js';

/**
 * Throws `TrustError` `aip_scope_invalid` unless `scope` is valid under `isValidScope` of
 * `@aip/token`, the grammar tokens, delegation and the proxy use.
 *
 * @example
 * ```ts
 * assertScope(request.query.scope); // 'tool:github.*' passes, 'tool:café' throws
 * ```
 */
export function assertScope(scope: unknown): asserts scope is string {
  if (!isValidScope(scope)) throw new TrustError('aip_scope_invalid', `scope must be ${SCOPE_GRAMMAR}`);
}
