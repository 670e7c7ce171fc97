// did:key -> public key, memoised: decoding checks the point (a square root, ~60 µs in JS), and a
// trust graph names the same few agents in many objects. Only keys that decoded are cached.
import { publicKeyFromDidKey } from '@aip/identity';

const MAX_ENTRIES = 1 << 17;
const cache = new Map<string, Uint8Array>();

/** The key of a `did:key`; throws as `publicKeyFromDidKey` does. The returned bytes must not be modified. */
export function cachedPublicKeyFromDidKey(did: string): Uint8Array {
  let key = cache.get(did);
  if (key === undefined) {
    key = publicKeyFromDidKey(did);
    // FIFO eviction: Map iterates in insertion order.
    if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
    cache.set(did, key);
  }
  return key;
}
