// The optimised search and corroboration against the frozen reference (test/reference/): on random
// layered graphs with ties, expiries, tombstones and delta edges, every question gets the same
// best chain (product, path) and the same corroboration, at every cap.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CORROBORATION_CAP, MAX_HOPS } from '../src/index.js';
import { countDisjointChains } from '../src/lib/corroboration.js';
import { buildArrays, GraphLayer, NO_EXPIRY } from '../src/lib/graph-layer.js';
import { SearchSpace } from '../src/lib/path-search.js';
import { frozenSearch } from './reference/frozen-engine.js';

const NOW = 1_000;

interface EdgeSpec {
  from: number;
  to: number;
  weight: number;
  /** 0: no expiry; else expires at NOW - 1 .. NOW + 1 (so some are already expired). */
  exp: number;
  layer: number;
  /** 0: in the CSR block; 1: added later (delta overlay); 2: in the block, then revoked; 3: delta, then revoked. */
  how: number;
}

function layersOf(edges: readonly EdgeSpec[], layerCount: number): GraphLayer[] {
  const layers: GraphLayer[] = [];
  for (let l = 0; l < layerCount; l++) {
    const own = edges.filter((e) => e.layer === l);
    const block = own.filter((e) => e.how === 0 || e.how === 2);
    const arrays = buildArrays(
      [
        Int32Array.from(block, (e) => e.from),
        Int32Array.from(block, (e) => e.to),
        Float32Array.from(block, (e) => e.weight),
        Uint32Array.from(block, (e) => (e.exp === 0 ? NO_EXPIRY : NOW - 2 + e.exp)),
      ],
      block.length,
    );
    const layer = new GraphLayer(arrays, block.length);
    for (const e of own) {
      const edge = { source: e.from, target: e.to, weight: e.weight, exp: e.exp === 0 ? null : NOW - 2 + e.exp };
      if (e.how === 1 || e.how === 3) layer.add(edge);
      if (e.how >= 2) layer.remove(edge);
    }
    layers.push(layer);
  }
  return layers;
}

function tieKeysOf(nodes: number, seed: number): Float64Array {
  const keys = new Float64Array(nodes);
  for (let i = 0; i < nodes; i++) keys[i] = ((i * 2654435761 + seed) >>> 0) / 4294967296;
  return keys;
}

const space = new SearchSpace();

function optimised(
  layers: GraphLayer[],
  tieKeys: Float64Array,
  root: number,
  target: number,
  cap: number,
): { product: number; path: number[]; corroboration: number } | undefined {
  const input = { layers, tieKeys, root, target, now: NOW, maxHops: MAX_HOPS };
  space.clearBlocked(tieKeys.length);
  const hit = space.search({ ...input, mode: 'best' });
  if (hit === undefined) return undefined;
  const corroboration = cap === 0 ? 0 : countDisjointChains(space, input, cap);
  return { product: hit.product, path: hit.path, corroboration };
}

function graphArb(maxNodes: number, maxEdges: number) {
  return fc.integer({ min: 2, max: maxNodes }).chain((nodes) =>
    fc.record({
      nodes: fc.constant(nodes),
      layers: fc.integer({ min: 1, max: 3 }),
      seed: fc.nat(),
      edges: fc.array(
        fc
          .record({
            from: fc.nat(nodes - 1),
            to: fc.nat(nodes - 1),
            // Few distinct weights, so equal products (ties) are common.
            weight: fc.oneof(fc.constantFrom(1, 0.8, 0.5, 0.25), fc.double({ min: 0.01, max: 1, noNaN: true })),
            exp: fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 1, max: 3 })),
            layer: fc.nat(2),
            how: fc.oneof(fc.constant(0), fc.constant(0), fc.constant(0), fc.integer({ min: 1, max: 3 })),
          })
          .filter((e) => e.from !== e.to),
        { maxLength: maxEdges },
      ),
    }),
  );
}

function checkAllPairs(spec: { nodes: number; layers: number; seed: number; edges: EdgeSpec[] }): void {
  const layers = layersOf(
    spec.edges.map((e) => ({ ...e, layer: e.layer % spec.layers })),
    spec.layers,
  );
  const tieKeys = tieKeysOf(spec.nodes, spec.seed);
  for (let root = 0; root < spec.nodes; root++) {
    for (let target = 0; target < spec.nodes; target++) {
      if (root === target) continue;
      for (const cap of [0, 1, 2, 3, DEFAULT_CORROBORATION_CAP]) {
        const expected = frozenSearch(layers, tieKeys, root, target, NOW, cap);
        const actual = optimised(layers, tieKeys, root, target, cap);
        expect(actual, `root ${root} target ${target} cap ${cap}`).toEqual(expected);
      }
    }
  }
}

describe('optimised search and corroboration (equivalence with the reference)', () => {
  it('answers every pair of small dense graphs as the reference does', () => {
    fc.assert(fc.property(graphArb(8, 40), checkAllPairs), { numRuns: 150 });
  });

  it('answers every pair of sparser, larger graphs with hubs as the reference does', () => {
    const hubby = graphArb(24, 120).map((spec) => ({
      ...spec,
      // Bend a third of the endpoints towards nodes 0 and 1: hubs, where chains compete for inner nodes.
      edges: spec.edges
        .map((e, i) => ({ ...e, from: i % 3 === 0 ? i % 2 : e.from, to: i % 3 === 1 ? 1 - (i % 2) : e.to }))
        .filter((e) => e.from !== e.to),
    }));
    fc.assert(fc.property(hubby, checkAllPairs), { numRuns: 40 });
  });

  it('finds the same one of several equal chains as the reference (weights 1 and 0.5 only)', () => {
    // A case where expanding a different side first would meet at another agent and return
    // [2, 11, 5, 1, 10] instead of [2, 9, 6, 4, 10]: both products are 0.4096, to the last bit or two.
    const src = [2, 4, 0, 2, 1, 2, 1, 8, 3, 3, 2, 9, 5, 5, 9, 10, 10, 11, 2, 8, 11, 10, 4, 10, 5, 0, 0, 6, 6, 6];
    const dst = [11, 10, 10, 7, 3, 10, 10, 11, 4, 2, 9, 6, 1, 2, 11, 3, 2, 5, 0, 0, 5, 1, 6, 8, 4, 6, 6, 1, 9, 4];
    const halves = new Set([2, 4, 5, 7, 8, 16, 21, 22, 25, 26, 27]);
    const edges: EdgeSpec[] = src.map((from, i) => ({
      from,
      to: dst[i] as number,
      weight: halves.has(i) ? 0.5 : 1,
      exp: 0,
      layer: 0,
      how: 0,
    }));
    const keys = Float64Array.from([
      0.09169688797555864, 0.12462344113737345, 0.25339880981482565, 0.46323346882127225, 0.7087662003468722,
      0.8895238640252501, 0.21692931512370706, 0.39368252479471266, 0.44871339411474764, 0.449665620457381,
      0.6148433841299266, 0.48698749858886003,
    ]);
    const layers = layersOf(edges, 1);
    const expected = frozenSearch(layers, keys, 2, 10, NOW, DEFAULT_CORROBORATION_CAP);
    expect(expected?.path).toEqual([2, 9, 6, 4, 10]);
    expect(optimised(layers, keys, 2, 10, DEFAULT_CORROBORATION_CAP)).toEqual(expected);
    // And graphs like it: few nodes, many equal products.
    const tied = fc.integer({ min: 6, max: 12 }).chain((nodes) =>
      fc.record({
        nodes: fc.constant(nodes),
        layers: fc.constant(1),
        seed: fc.nat(),
        edges: fc.array(
          fc
            .record({
              from: fc.nat(nodes - 1),
              to: fc.nat(nodes - 1),
              weight: fc.constantFrom(1, 0.5),
              exp: fc.constant(0),
              layer: fc.constant(0),
              how: fc.constant(0),
            })
            .filter((e) => e.from !== e.to),
          { minLength: 10, maxLength: 36 },
        ),
      }),
    );
    fc.assert(fc.property(tied, checkAllPairs), { numRuns: 400 });
  });

  it('answers layered random graphs of a few hundred nodes as the reference does', () => {
    fc.assert(
      fc.property(fc.nat(), (seed) => {
        let state = seed >>> 0 || 1;
        const random = () => {
          state ^= state << 13;
          state ^= state >>> 17;
          state ^= state << 5;
          return (state >>> 0) / 4294967296;
        };
        const nodes = 300;
        const edges: EdgeSpec[] = [];
        for (let i = 0; i < 1500; i++) {
          // Preferential-ish endpoints: squaring a uniform draw favours low ids (hubs).
          const from = Math.floor(random() ** 2 * nodes);
          const to = Math.floor(random() ** 2 * nodes);
          if (from === to) continue;
          edges.push({
            from,
            to,
            weight: [1, 0.9, 0.8, 0.7, 0.6, 0.5][Math.floor(random() * 6)] as number,
            exp: random() < 0.9 ? 0 : 1 + Math.floor(random() * 3),
            layer: random() < 0.8 ? 0 : 1,
            how: random() < 0.9 ? 0 : 1 + Math.floor(random() * 3),
          });
        }
        const layers = layersOf(edges, 2);
        const tieKeys = tieKeysOf(nodes, seed);
        for (let q = 0; q < 300; q++) {
          const root = Math.floor(random() * nodes);
          const target = Math.floor(random() * nodes);
          if (root === target) continue;
          const expected = frozenSearch(layers, tieKeys, root, target, NOW, DEFAULT_CORROBORATION_CAP);
          const actual = optimised(layers, tieKeys, root, target, DEFAULT_CORROBORATION_CAP);
          expect(actual, `root ${root} target ${target}`).toEqual(expected);
        }
      }),
      { numRuns: 20 },
    );
  });
});
