// Corroboration k: vertex-disjoint chains of at most maxHops, found greedily (shortest chain first,
// its inner agents removed, repeat). A lower bound on the true maximum, and never above the number
// of attack edges into a Sybil region: every chain into it crosses a distinct attack edge.
import type { GraphLayer } from './graph-layer.js';
import type { SearchSpace } from './path-search.js';

export function countDisjointChains(
  space: SearchSpace,
  input: {
    layers: readonly GraphLayer[];
    tieKeys: Float64Array;
    root: number;
    target: number;
    now: number;
    maxHops: number;
  },
  cap: number,
): number {
  space.clearBlocked(input.tieKeys.length);
  let count = 0;
  let skipDirect = false;
  while (count < cap) {
    const hit = space.search({ ...input, mode: 'shortest', skipDirect });
    if (hit === undefined) break;
    count++;
    if (hit.path.length === 2) skipDirect = true;
    for (let i = 1; i < hit.path.length - 1; i++) space.block(hit.path[i] as number);
  }
  return count;
}
