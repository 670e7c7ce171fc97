// Agent identifiers, memoised: decoding a key checks the curve point (a square root, tens of µs in
// JS), and stored objects and trust queries name the same agents over and over. One FIFO memo
// serves both directions (identifier -> did:key, did:key -> key); only identifiers that resolved
// are kept.
import { didKeyFromPublicKey, publicKeyFromId } from '@aip/identity';

const MAX_ENTRIES = 1 << 17;
// The did is encoded on first demand: verifying objects only ever needs the key.
const memo = new Map<string, { did: string | undefined; key: Uint8Array }>();

function resolve(id: string): { did: string | undefined; key: Uint8Array } {
  let entry = memo.get(id);
  if (entry === undefined) {
    entry = { did: undefined, key: publicKeyFromId(id) };
    // FIFO eviction: a Map iterates in insertion order.
    if (memo.size >= MAX_ENTRIES) memo.delete(memo.keys().next().value as string);
    memo.set(id, entry);
  }
  return entry;
}

/**
 * The `did:key` of an agent identifier in any accepted form (`did:key`, `aip:key`, a bare `z...`
 * key), memoised. Throws as `didKeyFromId` of `@aip/identity` does (`aip_identity_unresolvable`,
 * `aip_key_invalid`).
 *
 * @example
 * ```ts
 * cachedDidKeyFromId('aip:key:ed25519:z6Mk...'); // 'did:key:z6Mk...'
 * ```
 */
export function cachedDidKeyFromId(id: string): string {
  const entry = resolve(id);
  entry.did ??= didKeyFromPublicKey(entry.key);
  return entry.did;
}

/**
 * The public key of a `did:key` (callers check the form first), memoised; throws as
 * `publicKeyFromId` does. The returned bytes are shared and must not be modified.
 *
 * @example
 * ```ts
 * verifyJson(signature, type, payload, cachedPublicKeyFromDidKey(vouch.voucher));
 * ```
 */
export function cachedPublicKeyFromDidKey(did: string): Uint8Array {
  return resolve(did).key;
}
