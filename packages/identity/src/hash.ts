// SHA-256, native on Node and pure JS elsewhere (the `#sha2` import's "node" condition): the digest
// of detached signatures, chain links (`prev`), proofs (`ath`, `bh`) and object ids.
import { sha256 as digest } from '#sha2';
import { assertBytes } from './lib/bytes.js';

/**
 * SHA-256 of `data` (32 bytes).
 *
 * @example
 * ```ts
 * sha256(new TextEncoder().encode('abc'));
 * ```
 */
export function sha256(data: Uint8Array): Uint8Array {
  assertBytes(data, 'data');
  return digest(data);
}
