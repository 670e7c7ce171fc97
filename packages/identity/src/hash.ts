// SHA-256, native on Node and pure JS elsewhere: the digest of detached signatures, chain links
// (`prev`), proofs (`ath`, `bh`) and object ids.
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { assertBytes } from './lib/bytes.js';
import { nodeCrypto } from './lib/native-crypto.js';

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
  if (nodeCrypto === undefined) return nobleSha256(data);
  const digest = nodeCrypto.createHash('sha256').update(data).digest();
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
}
