// The engine's answer computed the way it was before its optimisation (frozen search, greedy
// disjoint chains searched until one fails or the cap is reached), over the same index: what the
// equivalence tests compare `TrustEngine.score` with.
import { DEFAULT_CORROBORATION_CAP, MAX_HOPS, type TrustEngine, type TrustResult } from '../../src/index.js';
import type { GraphLayer } from '../../src/lib/graph-layer.js';
import { HOP_DAMPING, type SearchInput, SearchSpace } from './path-search.js';

const space = new SearchSpace();

/** Corroboration k exactly as the engine first counted it. */
export function frozenDisjointChains(
  search: SearchSpace,
  input: Omit<SearchInput, 'mode' | 'skipDirect'>,
  cap: number,
): number {
  search.clearBlocked(input.tieKeys.length);
  let count = 0;
  let skipDirect = false;
  while (count < cap) {
    const hit = search.search({ ...input, mode: 'shortest', skipDirect });
    if (hit === undefined) break;
    count++;
    if (hit.path.length === 2) skipDirect = true;
    for (let i = 1; i < hit.path.length - 1; i++) search.block(hit.path[i] as number);
  }
  return count;
}

/** Node-level answer of the reference search: the best chain (node ids) and its corroboration. */
export function frozenSearch(
  layers: readonly GraphLayer[],
  tieKeys: Float64Array,
  root: number,
  target: number,
  now: number,
  cap: number,
): { product: number; path: number[]; corroboration: number } | undefined {
  const input = { layers, tieKeys, root, target, now, maxHops: MAX_HOPS };
  space.clearBlocked(tieKeys.length);
  const hit = space.search({ ...input, mode: 'best' });
  if (hit === undefined) return undefined;
  const corroboration = cap === 0 ? 0 : frozenDisjointChains(space, input, cap);
  return { product: hit.product, path: hit.path, corroboration };
}

/** `engine.score(target, options)` as the unoptimised engine answered it, over `engine`'s index. */
export function frozenScore(
  engine: TrustEngine,
  target: string,
  options: { from: string; scope: string; now: number; corroborationCap?: number },
): TrustResult {
  if (options.from === target) return { score: 1, corroboration: 0, hops: 0, path: [target] };
  const index = engine.index;
  const root = engine.nodeOf(options.from);
  const goal = engine.nodeOf(target);
  const layers = engine.layersFor(options.scope);
  const none = { score: 0, corroboration: 0, hops: 0, path: [] };
  if (root === undefined || goal === undefined || layers.length === 0) return none;
  const cap = options.corroborationCap ?? DEFAULT_CORROBORATION_CAP;
  const found = frozenSearch(layers, index.tieKeys, root, goal, options.now, cap);
  if (found === undefined) return none;
  return {
    score: Math.round((found.product / HOP_DAMPING) * 1e6) / 1e6,
    corroboration: found.corroboration,
    hops: found.path.length - 1,
    path: found.path.map((node) => engine.didOf(node)),
  };
}
