// didKeyFromId, memoised: decoding checks the key point (a square root in JS, tens of µs), and
// trust queries name the same agents over and over. Only identifiers that resolved are kept.
import { didKeyFromId } from '@aip/identity';

const MAX_ENTRIES = 1 << 16;
const memo = new Map<string, string>();

/** The `did:key` of any accepted key identifier; throws as `didKeyFromId` does. */
export function memoDidKey(id: string): string {
  let did = memo.get(id);
  if (did === undefined) {
    did = didKeyFromId(id);
    // FIFO eviction: Map iterates in insertion order.
    if (memo.size >= MAX_ENTRIES) memo.delete(memo.keys().next().value as string);
    memo.set(id, did);
  }
  return did;
}
