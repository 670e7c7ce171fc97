// A seeded global ranking (EigenTrust-style power iteration) per scope, for display only: it is
// computed cooperatively in the background and never used to decide access.

import { assertScope } from './assert-scope.js';
import type { TrustEngine } from './engine.js';
import { TrustError } from './errors.js';
import { currentTime } from './lib/clock.js';
import type { GraphLayer } from './lib/graph-layer.js';

/** Options of {@link computeRanking}. */
export interface RankingOptions {
  /** Pre-trusted agents (`did:key`) the random walk restarts from; at least one. */
  seeds: readonly string[];
  /** Default `*`. */
  scope?: string;
  /** Restart probability; default 0.15. */
  damping?: number;
  /** Most iterations; default 50 (stops earlier once the L1 change is below 1e-9). */
  iterations?: number;
  /** How many entries to return; default 100. */
  top?: number;
  /** Unix seconds; expired vouches do not count. */
  now?: number;
  /** Edges processed between yields to the event loop; default 200 000. */
  sliceEdges?: number;
}

/** One ranked agent. */
export interface RankEntry {
  did: string;
  /** Share of the stationary trust mass (all entries of a full ranking sum to 1). */
  rank: number;
}

/**
 * Ranks every agent reachable from the seeds in one scope: trust flows along active vouches in
 * proportion to their weights and restarts at the seeds with probability `damping` (EigenTrust with
 * pre-trusted peers). It yields to the event loop between slices, so queries keep being answered.
 * Display only: a global rank is not Sybil-proof enough to grant access; use path trust for that.
 *
 * @example
 * ```ts
 * const top = await computeRanking(engine, { seeds: [me.did], scope: 'tool:search', top: 10 });
 * ```
 */
export async function computeRanking(engine: TrustEngine, options: RankingOptions): Promise<RankEntry[]> {
  const scope = options.scope ?? '*';
  assertScope(scope);
  const damping = options.damping ?? 0.15;
  if (!(damping > 0 && damping < 1)) throw new RangeError('damping must be in (0, 1)');
  const iterations = options.iterations ?? 50;
  const top = options.top ?? 100;
  const slice = options.sliceEdges ?? 200_000;
  const now = currentTime(options);
  const seeds: number[] = [];
  for (const did of options.seeds) {
    const node = engine.nodeOf(did);
    if (node !== undefined) seeds.push(node);
  }
  if (options.seeds.length === 0)
    throw new TrustError('aip_identity_unresolvable', 'a ranking needs at least one seed');
  const size = engine.index.nodeBound;
  const layers = engine.layersFor(scope);
  if (seeds.length === 0 || layers.length === 0) return [];

  // Out-weight sums, for row normalisation.
  const outSum = new Float64Array(size);
  forEachEdge(layers, now, (u, _v, w) => {
    outSum[u] = (outSum[u] as number) + w;
  });
  const restart = new Float64Array(size);
  for (const s of seeds) restart[s] = 1 / seeds.length;
  let rank = Float64Array.from(restart);
  let budget = slice;
  for (let round = 0; round < iterations; round++) {
    const next = new Float64Array(size);
    let dangling = 0;
    for (let u = 0; u < size; u++) if ((outSum[u] as number) === 0) dangling += rank[u] as number;
    for (const layer of layers) {
      const rows = layer.arrays.out;
      const nodes = rows.offsets.length - 1;
      for (let r = 0; r < nodes; r++) {
        const u = rows.nodes === null ? r : (rows.nodes[r] as number);
        const share = (rank[u] as number) / (outSum[u] as number);
        if (!(share > 0)) continue;
        for (let e = rows.offsets[r] as number, end = rows.offsets[r + 1] as number; e < end; e++) {
          const w = layer.arrays.weights[e] as number;
          if (w > 0 && (layer.arrays.expiries[e] as number) > now) {
            const v = layer.arrays.targets[e] as number;
            next[v] = (next[v] as number) + share * w;
          }
        }
        budget -= (rows.offsets[r + 1] as number) - (rows.offsets[r] as number);
        if (budget <= 0) {
          budget = slice;
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      }
      for (let d = 0; d < layer.dSources.length; d++) {
        const w = layer.dWeights[d] as number;
        const u = layer.dSources[d] as number;
        if (w > 0 && (layer.dExpiries[d] as number) > now && (outSum[u] as number) > 0) {
          const v = layer.dTargets[d] as number;
          next[v] = (next[v] as number) + ((rank[u] as number) / (outSum[u] as number)) * w;
        }
        if (--budget <= 0) {
          budget = slice;
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      }
    }
    let change = 0;
    for (let v = 0; v < size; v++) {
      const value =
        (1 - damping) * ((next[v] as number) + dangling * (restart[v] as number)) + damping * (restart[v] as number);
      change += Math.abs(value - (rank[v] as number));
      next[v] = value;
    }
    rank = next;
    if (change < 1e-9) break;
  }
  const order = Array.from({ length: size }, (_, i) => i).filter((i) => (rank[i] as number) > 0);
  order.sort((a, b) => (rank[b] as number) - (rank[a] as number) || a - b);
  return order.slice(0, top).map((node) => ({ did: engine.didOf(node), rank: rank[node] as number }));
}

function forEachEdge(layers: GraphLayer[], now: number, visit: (u: number, v: number, w: number) => void): void {
  for (const layer of layers) {
    const a = layer.arrays;
    const nodes = a.out.offsets.length - 1;
    for (let r = 0; r < nodes; r++) {
      const u = a.out.nodes === null ? r : (a.out.nodes[r] as number);
      for (let e = a.out.offsets[r] as number, end = a.out.offsets[r + 1] as number; e < end; e++) {
        const w = a.weights[e] as number;
        if (w > 0 && (a.expiries[e] as number) > now) visit(u, a.targets[e] as number, w);
      }
    }
    for (let d = 0; d < layer.dSources.length; d++) {
      const w = layer.dWeights[d] as number;
      if (w > 0 && (layer.dExpiries[d] as number) > now)
        visit(layer.dSources[d] as number, layer.dTargets[d] as number, w);
    }
  }
}
