// Corroboration k: vertex-disjoint chains of at most maxHops, found greedily (shortest chain first,
// its inner agents removed, repeat). A lower bound on the true maximum, and never above the number
// of attack edges into a Sybil region: every chain into it crosses a distinct attack edge.
import { type GraphLayer, rowOf } from './graph-layer.js';
import type { KeyContraction, SearchInput, SearchSpace } from './path-search.js';

/** A search question without its mode: corroboration always asks for shortest chains. */
type ChainInput = Omit<SearchInput, 'mode' | 'skipDirect'>;

export function countDisjointChains(space: SearchSpace, input: ChainInput, cap: number): number {
  // Chains never share their second agent (an inner agent, or the target for the one direct
  // chain) nor their last but one, so k is at most the root's distinct active out-neighbours and
  // the target's distinct active in-neighbours. Stopping there skips the final search, the one
  // that fails, which is the costly one: it explores the whole bounded neighbourhood.
  const bound = activeNeighbours(
    input.layers,
    input.target,
    false,
    input.now,
    activeNeighbours(input.layers, input.root, true, input.now, cap, input.keys),
    input.keys,
  );
  space.clearBlocked(input.tieKeys.length);
  let count = 0;
  let skipDirect = false;
  while (count < bound) {
    const hit = space.search({ ...input, mode: 'shortest', skipDirect });
    if (hit === undefined) break;
    count++;
    if (hit.path.length === 2) skipDirect = true;
    for (let i = 1; i < hit.path.length - 1; i++) space.block(hit.path[i] as number);
  }
  return count;
}

/**
 * Distinct agents `node` has an active vouch to (forward) or from (backward), counted up to `limit`;
 * with `keys`, a lineage counts as one agent and a revoked key's vouches do not count.
 */
export function activeNeighbours(
  layers: readonly GraphLayer[],
  node: number,
  forward: boolean,
  now: number,
  limit: number,
  keys?: KeyContraction,
): number {
  const seen: number[] = [];
  const note = (v: number) => {
    if (keys === undefined) {
      if (!seen.includes(v)) seen.push(v);
      return;
    }
    // Backward, `v` is a voucher: a revoked key's vouches do not count.
    if (!forward && keys.silenced.has(v)) return;
    const w = keys.alias.get(v) ?? v;
    if (w !== node && !seen.includes(w)) seen.push(w);
  };
  for (const m of keys?.members.get(node) ?? [node]) {
    if (forward && keys?.silenced.has(m) === true) continue;
    for (const layer of layers) {
      const a = layer.arrays;
      const rows = forward ? a.out : a.in;
      const row = rowOf(rows, m);
      if (row >= 0) {
        for (let s = rows.offsets[row] as number, end = rows.offsets[row + 1] as number; s < end; s++) {
          if (seen.length >= limit) return limit;
          const e = forward ? s : (a.mirror[s] as number);
          if ((a.weights[e] as number) > 0 && (a.expiries[e] as number) > now) {
            note((forward ? a.targets[e] : a.sources[s]) as number);
          }
        }
      }
      for (const d of (forward ? layer.dOut : layer.dIn).get(m) ?? []) {
        if (seen.length >= limit) return limit;
        if ((layer.dWeights[d] as number) > 0 && (layer.dExpiries[d] as number) > now) {
          note((forward ? layer.dTargets[d] : layer.dSources[d]) as number);
        }
      }
    }
  }
  return Math.min(seen.length, limit);
}
