// Bounded bidirectional search over the typed-array layers: level-synchronous relaxation from both
// ends (meet in the middle), always growing the side whose frontier has fewer edges. Edge cost
// c = 0.8 * weight, so a chain of h hops has product 0.8^h * prod(w) and T = product / 0.8.
import { type GraphLayer, rowOf } from './graph-layer.js';

/** Per-hop damping of DESIGN §4: T = prod(weights) * 0.8^(hops - 1). */
export const HOP_DAMPING = 0.8;

/** `best`: highest product within the hop bound. `shortest`: fewest hops, then highest product. */
export type SearchMode = 'best' | 'shortest';

export interface SearchInput {
  layers: readonly GraphLayer[];
  tieKeys: Float64Array;
  root: number;
  target: number;
  now: number;
  maxHops: number;
  mode: SearchMode;
  /** Skip the direct root -> target edge (already used by an earlier disjoint chain). */
  skipDirect?: boolean;
  /** Key lineages contracted into one node each, and revoked keys (DESIGN §11). */
  keys?: KeyContraction;
}

/**
 * Key lineages (DESIGN §11) as the search sees them: every key of a lineage is one node (its
 * representative), so vouches made for any of its keys reach it and the vouches its keys made
 * leave it; a revoked key's vouches count for nothing.
 */
export interface KeyContraction {
  /** Node of a key -> its lineage's representative node (keys without a lineage are absent). */
  alias: ReadonlyMap<number, number>;
  /** Representative node -> the nodes of every key of its lineage (itself included). */
  members: ReadonlyMap<number, readonly number[]>;
  /** Nodes of revoked keys: vouches they made count for nothing. */
  silenced: ReadonlySet<number>;
}

export interface SearchHit {
  /** Product of 0.8 * weight over the chain. */
  product: number;
  /** Node ids from root to target inclusive. */
  path: number[];
}

class Side {
  best = new Float64Array(0);
  level = new Int8Array(0);
  stamp = new Int32Array(0);
  parents: Int32Array[] = [];
  frontier: number[] = [];
  /** The work of expanding `frontier` (edges to relax), -1 until computed. */
  cost = -1;
  depth = 0;

  clear(): void {
    this.frontier = [];
    this.cost = -1;
  }

  resize(size: number, maxHops: number): void {
    if (this.best.length >= size && this.parents.length > maxHops) return;
    const length = Math.max(size, this.best.length);
    this.best = new Float64Array(length);
    this.level = new Int8Array(length);
    this.stamp = new Int32Array(length);
    this.parents = Array.from({ length: maxHops + 1 }, () => new Int32Array(length));
  }
}

/** Reusable scratch space for searches over graphs of up to `size` nodes. */
export class SearchSpace {
  readonly #forward = new Side();
  readonly #backward = new Side();
  #epoch = 0;
  /** Nodes excluded from traversal while `blockedStamp[node] === blockedEpoch`. */
  blockedStamp = new Int32Array(0);
  blockedEpoch = 1;

  #prepare(size: number, maxHops: number): number {
    this.#forward.resize(size, maxHops);
    this.#backward.resize(size, maxHops);
    if (this.blockedStamp.length < size) {
      const blocked = new Int32Array(Math.max(size, this.#forward.best.length));
      blocked.set(this.blockedStamp);
      this.blockedStamp = blocked;
    }
    if (this.#epoch >= 0x7ffffff0) {
      this.#epoch = 0;
      this.#forward.stamp.fill(0);
      this.#backward.stamp.fill(0);
    }
    return ++this.#epoch;
  }

  /** Starts a fresh set of blocked nodes. */
  clearBlocked(size: number): void {
    if (this.blockedStamp.length < size) this.blockedStamp = new Int32Array(size);
    if (++this.blockedEpoch >= 0x7ffffff0) {
      this.blockedStamp.fill(0);
      this.blockedEpoch = 1;
    }
  }

  block(node: number): void {
    this.blockedStamp[node] = this.blockedEpoch;
  }

  /** The best (or shortest) chain of at most `maxHops` from root to target, if any. */
  search(input: SearchInput): SearchHit | undefined {
    const size = input.tieKeys.length;
    const epoch = this.#prepare(size, input.maxHops);
    const f = this.#forward;
    const b = this.#backward;
    for (const [side, origin] of [
      [f, input.root],
      [b, input.target],
    ] as const) {
      side.best[origin] = 1;
      side.level[origin] = 0;
      side.stamp[origin] = epoch;
      side.frontier = [origin];
      side.cost = -1;
      side.depth = 0;
    }
    let meet = -1;
    let meetProduct = 0;
    let meetHops = 0;
    let meetF = 0;
    let meetB = 0;
    const keys = input.tieKeys;
    while (f.depth + b.depth < input.maxHops) {
      if (input.mode === 'best' && meet >= 0) {
        // Any new chain extends a frontier by at least one hop of cost <= 0.8.
        if (maxValue(f) * HOP_DAMPING < meetProduct) f.clear();
        if (maxValue(b) * HOP_DAMPING < meetProduct) b.clear();
      }
      if (f.frontier.length === 0 && b.frontier.length === 0) break;
      const forward =
        b.frontier.length === 0 || (f.frontier.length > 0 && this.#cost(input, f, true) <= this.#cost(input, b, false));
      const side = forward ? f : b;
      const other = forward ? b : f;
      const bar = input.mode === 'best' && meet >= 0 ? meetProduct : 0;
      const next = this.#expand(input, side, other, forward, epoch, bar);
      for (const v of next) {
        if (other.stamp[v] !== epoch) continue;
        const product = (side.best[v] as number) * (other.best[v] as number);
        const hops = side.depth + (other.level[v] as number);
        if (
          meet < 0 ||
          product > meetProduct ||
          (product === meetProduct &&
            (hops < meetHops || (hops === meetHops && (keys[v] as number) < (keys[meet] as number))))
        ) {
          meet = v;
          meetProduct = product;
          meetHops = hops;
          meetF = forward ? side.depth : (other.level[v] as number);
          meetB = forward ? (other.level[v] as number) : side.depth;
        }
      }
      if (input.mode === 'shortest' && meet >= 0) break;
    }
    if (meet < 0) return undefined;
    const path: number[] = [];
    for (let node = meet, k = meetF; k > 0; k--) {
      node = f.parents[k]?.[node] as number;
      path.push(node);
    }
    path.reverse();
    path.push(meet);
    for (let node = meet, k = meetB; k > 0; k--) {
      node = b.parents[k]?.[node] as number;
      path.push(node);
    }
    return { product: meetProduct, path };
  }

  /** Edges leaving (forward) or entering (backward) the frontier: the work of expanding it. */
  #cost(input: SearchInput, side: Side, forward: boolean): number {
    if (side.cost >= 0) return side.cost;
    const frontier = side.frontier;
    let cost = 0;
    for (const layer of input.layers) {
      const rows = forward ? layer.arrays.out : layer.arrays.in;
      const delta = forward ? layer.dOut : layer.dIn;
      for (const u of frontier) {
        const row = rowOf(rows, u);
        if (row >= 0) cost += (rows.offsets[row + 1] as number) - (rows.offsets[row] as number);
        if (delta.size > 0) cost += delta.get(u)?.length ?? 0;
      }
    }
    side.cost = cost;
    return cost;
  }

  /**
   * Relaxes every edge out of the frontier by one hop; returns the nodes improved at this level.
   * On the last level a node matters only where it meets the other side, so nothing else is
   * recorded, and frontier nodes whose value, times one more hop, is below `bar` (the best product
   * so far) are not expanded: no chain through them can win or tie. (Skipping them on an earlier
   * level would shrink the next frontier, change which side grows next, and so which of two equal
   * chains is found: the answer must not depend on it.)
   */
  #expand(input: SearchInput, side: Side, other: Side, forward: boolean, epoch: number, bar: number): number[] {
    const k = side.depth + 1;
    const frontier = side.frontier;
    const values = frontier.map((u) => side.best[u] as number);
    const meetOnly = k + other.depth >= input.maxHops;
    const otherStamp = other.stamp;
    const { now, mode, tieKeys } = input;
    const best = side.best;
    const level = side.level;
    const stamp = side.stamp;
    const parent = side.parents[k] as Int32Array;
    const blocked = this.blockedStamp;
    const blockedEpoch = this.blockedEpoch;
    const skip = input.skipDirect === true ? (forward ? input.target : input.root) : -1;
    const origin = forward ? input.root : input.target;
    const next: number[] = [];
    const relax = (u: number, value: number, v: number, weight: number) => {
      if (blocked[v] === blockedEpoch || (v === skip && u === origin)) return;
      if (meetOnly && otherStamp[v] !== epoch) return;
      const candidate = value * (HOP_DAMPING * weight);
      if (stamp[v] !== epoch) {
        stamp[v] = epoch;
        best[v] = candidate;
        level[v] = k;
        parent[v] = u;
        next.push(v);
        return;
      }
      const current = best[v] as number;
      if (level[v] === k) {
        if (
          candidate > current ||
          (candidate === current && (tieKeys[u] as number) < (tieKeys[parent[v] as number] as number))
        ) {
          best[v] = candidate;
          parent[v] = u;
        }
      } else if (mode === 'best' && candidate > current) {
        best[v] = candidate;
        level[v] = k;
        parent[v] = u;
        next.push(v);
      }
    };
    const keys = input.keys;
    const alias = keys?.alias;
    const silenced = keys?.silenced;
    // The edges of one key `m` of frontier node `u` (m = u unless u stands for a lineage).
    const scan = (layer: GraphLayer, u: number, m: number, value: number) => {
      const a = layer.arrays;
      const rows = forward ? a.out : a.in;
      const delta = forward ? layer.dOut : layer.dIn;
      const row = rowOf(rows, m);
      if (row >= 0) {
        const end = rows.offsets[row + 1] as number;
        if (forward) {
          for (let e = rows.offsets[row] as number; e < end; e++) {
            const weight = a.weights[e] as number;
            if (weight > 0 && (a.expiries[e] as number) > now) {
              const v = a.targets[e] as number;
              relax(u, value, alias === undefined ? v : (alias.get(v) ?? v), weight);
            }
          }
        } else {
          for (let s = rows.offsets[row] as number; s < end; s++) {
            const e = a.mirror[s] as number;
            const weight = a.weights[e] as number;
            if (weight > 0 && (a.expiries[e] as number) > now) {
              const v = a.sources[s] as number;
              if (silenced === undefined) relax(u, value, v, weight);
              else if (!silenced.has(v)) relax(u, value, alias?.get(v) ?? v, weight);
            }
          }
        }
      }
      if (delta.size === 0) return;
      const list = delta.get(m);
      if (list === undefined) return;
      for (const d of list) {
        const weight = layer.dWeights[d] as number;
        if (weight > 0 && (layer.dExpiries[d] as number) > now) {
          const v = (forward ? layer.dTargets[d] : layer.dSources[d]) as number;
          if (keys === undefined) relax(u, value, v, weight);
          else if (forward || !keys.silenced.has(v)) relax(u, value, keys.alias.get(v) ?? v, weight);
        }
      }
    };
    for (const layer of input.layers) {
      for (let i = 0; i < frontier.length; i++) {
        const u = frontier[i] as number;
        const value = values[i] as number;
        if (meetOnly && value * HOP_DAMPING < bar) continue;
        const members = keys?.members.get(u);
        if (members === undefined) {
          if (!(forward && silenced?.has(u) === true)) scan(layer, u, u, value);
        } else {
          for (const m of members) if (!(forward && silenced?.has(m) === true)) scan(layer, u, m, value);
        }
      }
    }
    side.depth = k;
    side.frontier = next;
    side.cost = -1;
    return next;
  }
}

function maxValue(side: Side): number {
  let max = 0;
  for (const u of side.frontier) if ((side.best[u] as number) > max) max = side.best[u] as number;
  return max;
}
