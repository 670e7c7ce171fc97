// Agent identifiers in requests (path, query and body parameters): any key form a client may hold,
// normalized to its did:key. One that names no acceptable key is a bad request (400), not a failed
// authentication: `aip_identity_unresolvable` (401) is for the signers of tokens and objects.
import { AipError } from '@aip/identity';
import { cachedDidKeyFromId } from '@aip/trust';
import { RegistryError } from '../errors.js';

/**
 * The `did:key` of the agent parameter `name`. Throws `RegistryError` `aip_request_invalid` for
 * anything that is not a `did:key`, `aip:key` or `z...` key of an acceptable Ed25519 key.
 *
 * @example
 * ```ts
 * const from = didParam('from', request.query.from);
 * ```
 */
export function didParam(name: string, value: string): string {
  try {
    return cachedDidKeyFromId(value);
  } catch (err) {
    if (!(err instanceof AipError)) throw err;
    throw new RegistryError(
      'aip_request_invalid',
      `${name} must name an acceptable Ed25519 key (did:key, aip:key or z...)`,
    );
  }
}
