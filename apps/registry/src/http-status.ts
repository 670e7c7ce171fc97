// The registry's answers and their statuses: its own codes, and the trust and identity codes its
// routes pass through, each with its status from the one table of @aip/identity.
import { ERROR_CODES, HTTP_STATUS, type WireErrorCode } from '@aip/identity';

/** Every code the registry can answer with. */
export type RegistryResponseCode = Extract<
  WireErrorCode,
  | (typeof ERROR_CODES.registry)[number]
  | (typeof ERROR_CODES.trust)[number]
  | 'aip_key_invalid'
  | 'aip_json_unsupported'
>;

const ANSWERS: readonly RegistryResponseCode[] = [
  ...new Set<RegistryResponseCode>([
    ...ERROR_CODES.registry,
    ...ERROR_CODES.trust,
    'aip_key_invalid',
    'aip_json_unsupported',
  ]),
];

/** The status of an error code: the one table's, 500 for a code outside it (the proxy's rule too). */
export { httpStatusOf } from '@aip/identity';

/**
 * Every code the registry can answer with, and its status (for the README and the OpenAPI document).
 *
 * @example
 * ```ts
 * for (const [code, status] of errorCodeTable()) console.log(code, status);
 * ```
 */
export function errorCodeTable(): [RegistryResponseCode, number][] {
  return ANSWERS.map((code) => [code, HTTP_STATUS[code]]);
}
