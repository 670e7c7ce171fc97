// One scope's edges as typed arrays: a compressed sparse row (CSR) block in both directions, plus a
// small delta overlay for edges added since the block was built. Revoked edges are tombstoned
// (weight 0) until the next compaction merges the delta and drops them.

/** `exp` of an edge without expiry. */
export const NO_EXPIRY = 0xffffffff;

/** One direction of a CSR block: rows (dense by node, or a sorted node list) and their edges. */
export interface Rows {
  /** null: dense, row = node. Otherwise the sorted nodes that have edges. */
  nodes: Int32Array | null;
  /** Row r's edges are offsets[r] .. offsets[r + 1] - 1. */
  offsets: Int32Array;
}

/** The serializable part of a layer (what a snapshot stores). */
export interface LayerArrays {
  out: Rows;
  /** Out-edge e: its target, weight (0 = revoked) and expiry (Unix seconds, NO_EXPIRY for none). */
  targets: Int32Array;
  weights: Float32Array;
  expiries: Uint32Array;
  in: Rows;
  /** In-edge i: its source, and the out-edge it mirrors (weights and expiries live there only). */
  sources: Int32Array;
  mirror: Int32Array;
}

/** An edge being added or removed. */
export interface EdgeInput {
  source: number;
  target: number;
  weight: number;
  exp: number | null;
}

export function rowOf(rows: Rows, node: number): number {
  const nodes = rows.nodes;
  if (nodes === null) return node < rows.offsets.length - 1 ? node : -1;
  let lo = 0;
  let hi = nodes.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const value = nodes[mid] as number;
    if (value === node) return mid;
    if (value < node) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

export function clampExpiry(exp: number | null): number {
  return exp === null ? NO_EXPIRY : Math.min(exp, NO_EXPIRY - 1);
}

/** A scope's edges: CSR block + delta overlay. */
export class GraphLayer {
  arrays: LayerArrays;
  /** Delta edges, parallel arrays; a revoked delta edge gets weight 0. */
  readonly dSources: number[] = [];
  readonly dTargets: number[] = [];
  readonly dWeights: number[] = [];
  readonly dExpiries: number[] = [];
  /** Delta adjacency: node -> delta edge indices. */
  readonly dOut = new Map<number, number[]>();
  readonly dIn = new Map<number, number[]>();
  /** Live (unrevoked) edges, CSR and delta. */
  live = 0;
  /** Tombstoned CSR edges (reclaimed by compaction). */
  dead = 0;

  constructor(arrays: LayerArrays, live: number) {
    this.arrays = arrays;
    this.live = live;
  }

  static empty(): GraphLayer {
    return new GraphLayer(buildArrays([], 0), 0);
  }

  add(edge: EdgeInput): void {
    const index = this.dSources.length;
    this.dSources.push(edge.source);
    this.dTargets.push(edge.target);
    this.dWeights.push(Math.fround(edge.weight));
    this.dExpiries.push(clampExpiry(edge.exp));
    push(this.dOut, edge.source, index);
    push(this.dIn, edge.target, index);
    this.live++;
  }

  /** Tombstones one live edge equal to `edge` (parallel equal edges are interchangeable). */
  remove(edge: EdgeInput): boolean {
    const weight = Math.fround(edge.weight);
    const exp = clampExpiry(edge.exp);
    for (const index of this.dOut.get(edge.source) ?? []) {
      if (this.dTargets[index] === edge.target && this.dWeights[index] === weight && this.dExpiries[index] === exp) {
        this.dWeights[index] = 0;
        this.live--;
        return true;
      }
    }
    const { out, targets, weights, expiries } = this.arrays;
    const row = rowOf(out, edge.source);
    if (row < 0) return false;
    for (let e = out.offsets[row] as number, end = out.offsets[row + 1] as number; e < end; e++) {
      if (targets[e] === edge.target && weights[e] === weight && expiries[e] === exp) {
        weights[e] = 0;
        this.live--;
        this.dead++;
        return true;
      }
    }
    return false;
  }

  get deltaSize(): number {
    return this.dSources.length;
  }

  /** Rebuilds the CSR block from its live edges and the delta; the delta empties. */
  compact(): void {
    const edges: EdgeInput[] = [];
    const { out, targets, weights, expiries } = this.arrays;
    const rows = out.offsets.length - 1;
    for (let r = 0; r < rows; r++) {
      const source = out.nodes === null ? r : (out.nodes[r] as number);
      for (let e = out.offsets[r] as number, end = out.offsets[r + 1] as number; e < end; e++) {
        if ((weights[e] as number) > 0) {
          edges.push({ source, target: targets[e] as number, weight: weights[e] as number, exp: unclamp(expiries[e]) });
        }
      }
    }
    for (let i = 0; i < this.dSources.length; i++) {
      if ((this.dWeights[i] as number) > 0) {
        edges.push({
          source: this.dSources[i] as number,
          target: this.dTargets[i] as number,
          weight: this.dWeights[i] as number,
          exp: unclamp(this.dExpiries[i]),
        });
      }
    }
    this.arrays = buildFromEdges(edges);
    this.dSources.length = 0;
    this.dTargets.length = 0;
    this.dWeights.length = 0;
    this.dExpiries.length = 0;
    this.dOut.clear();
    this.dIn.clear();
    this.live = edges.length;
    this.dead = 0;
  }

  /** Bytes held by the typed arrays of the CSR block. */
  byteLength(): number {
    const a = this.arrays;
    return (
      (a.out.nodes?.byteLength ?? 0) +
      a.out.offsets.byteLength +
      a.targets.byteLength +
      a.weights.byteLength +
      a.expiries.byteLength +
      (a.in.nodes?.byteLength ?? 0) +
      a.in.offsets.byteLength +
      a.sources.byteLength +
      a.mirror.byteLength
    );
  }
}

function unclamp(exp: number | undefined): number | null {
  return exp === NO_EXPIRY || exp === undefined ? null : exp;
}

function push(map: Map<number, number[]>, key: number, value: number): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

function buildFromEdges(edges: EdgeInput[]): LayerArrays {
  const count = edges.length;
  const sources = new Int32Array(count);
  const targets = new Int32Array(count);
  const weights = new Float32Array(count);
  const expiries = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    const edge = edges[i] as EdgeInput;
    sources[i] = edge.source;
    targets[i] = edge.target;
    weights[i] = edge.weight;
    expiries[i] = clampExpiry(edge.exp);
  }
  return buildArrays([sources, targets, weights, expiries], count);
}

/**
 * Builds both CSR directions from parallel edge arrays (source, target, weight, expiry) with a
 * counting sort: O(edges + nodes), no comparison sort.
 */
export function buildArrays(
  input: [Int32Array, Int32Array, Float32Array, Uint32Array] | [],
  count: number,
): LayerArrays {
  if (input.length === 0 || count === 0) {
    const empty: Rows = { nodes: new Int32Array(0), offsets: new Int32Array(1) };
    return {
      out: empty,
      targets: new Int32Array(0),
      weights: new Float32Array(0),
      expiries: new Uint32Array(0),
      in: { nodes: new Int32Array(0), offsets: new Int32Array(1) },
      sources: new Int32Array(0),
      mirror: new Int32Array(0),
    };
  }
  const [src, dst, w, x] = input;
  const outRows = rowsFor(src, count);
  const order = new Int32Array(count);
  const cursor = outRows.offsets.slice(0, -1);
  const targets = new Int32Array(count);
  const weights = new Float32Array(count);
  const expiries = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    const row = rowOf(outRows, src[i] as number);
    const e = cursor[row] as number;
    cursor[row] = e + 1;
    order[i] = e;
    targets[e] = dst[i] as number;
    weights[e] = w[i] as number;
    expiries[e] = x[i] as number;
  }
  const inRows = rowsFor(dst, count);
  const inCursor = inRows.offsets.slice(0, -1);
  const sources = new Int32Array(count);
  const mirror = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const row = rowOf(inRows, dst[i] as number);
    const slot = inCursor[row] as number;
    inCursor[row] = slot + 1;
    sources[slot] = src[i] as number;
    mirror[slot] = order[i] as number;
  }
  return { out: outRows, targets, weights, expiries, in: inRows, sources, mirror };
}

/** Row layout for the given endpoint array: dense when at least half the node range has edges. */
function rowsFor(endpoints: Int32Array, count: number): Rows {
  let max = 0;
  for (let i = 0; i < count; i++) if ((endpoints[i] as number) > max) max = endpoints[i] as number;
  const degree = new Int32Array(max + 1);
  let distinct = 0;
  for (let i = 0; i < count; i++) {
    const node = endpoints[i] as number;
    if (degree[node] === 0) distinct++;
    degree[node] = (degree[node] as number) + 1;
  }
  if (distinct * 2 >= max + 1) {
    const offsets = new Int32Array(max + 2);
    for (let node = 0; node <= max; node++) offsets[node + 1] = (offsets[node] as number) + (degree[node] as number);
    return { nodes: null, offsets };
  }
  const nodes = new Int32Array(distinct);
  const offsets = new Int32Array(distinct + 1);
  let row = 0;
  for (let node = 0; node <= max; node++) {
    if (degree[node] === 0) continue;
    nodes[row] = node;
    offsets[row + 1] = (offsets[row] as number) + (degree[node] as number);
    row++;
  }
  return { nodes, offsets };
}
