// The trust engine (DESIGN §4): personalised path trust T, corroboration k and the evidence path,
// answered from the in-memory index and kept in step with the store before every query.
import type { KeyEventState } from '@aip/identity';
import { removeStaleTempFiles } from '@aip/identity/node';
import { coveringPatterns } from '@aip/token';
import type Database from 'better-sqlite3';
import { assertScope } from './assert-scope.js';
import { TrustError } from './errors.js';
import { currentTime } from './lib/clock.js';
import { countDisjointChains } from './lib/corroboration.js';
import type { GraphLayer } from './lib/graph-layer.js';
import { HOP_DAMPING, type KeyContraction, SearchSpace } from './lib/path-search.js';
import { TrustIndex } from './lib/trust-index.js';
import type { TrustStore } from './store.js';

/** Chains longer than this never count (DESIGN §4). */
export const MAX_HOPS = 4;
/** Default cap on corroboration k. */
export const DEFAULT_CORROBORATION_CAP = 8;
const MAX_CACHED = 1 << 16;

/** The answer to "how far does `from` trust this agent in this scope?" (the CLI's `--json`). */
export interface TrustResult {
  /** Path trust T in [0, 1], to 6 decimal places; 0 when no chain exists. */
  score: number;
  /** Vertex-disjoint chains found (greedy lower bound, capped). */
  corroboration: number;
  /** Vouches on the evidence path. */
  hops: number;
  /**
   * The DIDs from root to target inclusive; empty when no chain exists. An agent whose key was
   * rotated appears as its current key (DESIGN §11), whichever of its keys the vouch named.
   */
  path: string[];
}

/** A result with the vouches behind each hop of the evidence path. */
export interface TrustPathResult extends TrustResult {
  /** Per hop: the id and weight of the strongest active vouch that carries it. */
  vouches: { id: string; voucher: string; subject: string; scope: string; weight: number }[];
}

/** Options of a trust query. */
export interface TrustQueryOptions {
  /** The root of trust: whose point of view (a `did:key`). */
  from: string;
  /** Default `*`. Only vouches whose scope covers it count. */
  scope?: string;
  /** Unix seconds; defaults to the clock. Vouches with `exp <= now` do not count. */
  now?: number;
  /** Cap on corroboration; default {@link DEFAULT_CORROBORATION_CAP}; 0 skips it. */
  corroborationCap?: number;
}

/** Options of {@link openTrustEngine}. */
export interface TrustEngineOptions {
  /** Index snapshot file; default `<db>.idx` (none for `:memory:`); `false` disables snapshots. */
  snapshot?: string | false;
}

/** Memory and size figures of the index. */
export interface TrustIndexStats {
  /** Active (unrevoked) vouches in the index, expired ones included until compaction. */
  vouches: number;
  /** Bytes of the typed arrays (edges in both directions, offsets, tie keys). */
  bytes: number;
  bytesPerVouch: number;
  /** How the index was loaded: from a snapshot, or rebuilt from SQLite. */
  loadedFrom: 'snapshot' | 'rebuilt';
}

/** The key-event state as the engine applies it to its index. */
interface EngineKeys {
  state: KeyEventState;
  /** The index's node bound it was computed at. */
  bound: number;
  contraction: KeyContraction | undefined;
  /** Representative node -> the current key of its lineage (what a path shows). */
  shownAs: Map<number, string>;
  /** Lineage root -> its representative node. */
  nodeOfLineage: Map<string, number>;
}

const NO_PATH: TrustResult = Object.freeze({ score: 0, corroboration: 0, hops: 0, path: [] }) as TrustResult;

/**
 * Loads the index of `store` (from its snapshot when it matches the database, else from SQLite)
 * and returns an engine over it.
 *
 * @example
 * ```ts
 * const engine = openTrustEngine(store);
 * const { score, path } = engine.score(target, { from: me.did, scope: 'tool:search' });
 * ```
 */
export function openTrustEngine(store: TrustStore, options: TrustEngineOptions = {}): TrustEngine {
  return new TrustEngine(store, options);
}

/** Path trust and corroboration over a store. Create it with {@link openTrustEngine}. */
export class TrustEngine {
  readonly #store: TrustStore;
  readonly #db: Database.Database;
  readonly #index: TrustIndex;
  readonly #space = new SearchSpace();
  readonly #snapshot: string | undefined;
  readonly #loadedFrom: 'snapshot' | 'rebuilt';
  readonly #agents = new Map<string, number>();
  readonly #dids = new Map<number, string>();
  readonly #scopes = new Map<string, number>();
  #keyNodes: EngineKeys | undefined;
  #seenLocal: number;
  #seenData: number;
  #compaction: NodeJS.Immediate | undefined;
  readonly #sql;

  constructor(store: TrustStore, options: TrustEngineOptions = {}) {
    this.#store = store;
    this.#db = store.database;
    this.#snapshot =
      options.snapshot === false
        ? undefined
        : (options.snapshot ?? (store.path === ':memory:' ? undefined : `${store.path}.idx`));
    this.#sql = {
      dataVersion: this.#db.prepare('PRAGMA data_version').pluck(),
      agentIdx: this.#db.prepare('SELECT idx FROM agents WHERE did = ?').pluck(),
      agentDid: this.#db.prepare('SELECT did FROM agents WHERE idx = ?').pluck(),
      scopeIdx: this.#db.prepare('SELECT idx FROM scopes WHERE scope = ?').pluck(),
      hopVouch: this.#db.prepare(
        `SELECT v.id, v.weight, s.scope FROM vouches v JOIN scopes s ON s.idx = v.scope
         WHERE v.voucher = ? AND v.subject = ? AND v.revoked_at IS NULL AND (v.exp IS NULL OR v.exp > ?)
           AND s.scope IN (SELECT value FROM json_each(?))
         ORDER BY v.weight DESC, v.seq ASC LIMIT 1`,
      ),
    };
    this.#seenLocal = store.localVersion;
    this.#seenData = Number(this.#sql.dataVersion.get());
    this.#index = new TrustIndex(this.#db, store.epoch);
    // A snapshot write killed mid-way left its temp file; nothing else will ever remove it.
    if (this.#snapshot !== undefined) removeStaleTempFiles(this.#snapshot);
    this.#loadedFrom = this.#index.load(this.#snapshot);
  }

  /**
   * Path trust from `options.from` to `target`: the best chain of at most 4 active, unrevoked
   * vouches in the scope, its score `prod(weights) * 0.8^(hops - 1)`, and corroboration. An agent
   * trusts itself with score 1 and no hops. Unknown agents simply have no path.
   *
   * @example
   * ```ts
   * engine.score('did:key:z6Mk...', { from: me.did, scope: 'tool:search', now });
   * // { score: 0.64, corroboration: 2, hops: 2, path: [me.did, 'did:key:...', 'did:key:z6Mk...'] }
   * ```
   */
  score(target: string, options: TrustQueryOptions): TrustResult {
    return this.#query(target, options).result;
  }

  /**
   * Like {@link score}, plus the vouch behind each hop of the evidence path.
   *
   * @example
   * ```ts
   * const { path, vouches } = engine.path(target, { from: me.did });
   * ```
   */
  path(target: string, options: TrustQueryOptions): TrustPathResult {
    const { result, nodes, scopes, now } = this.#query(target, options);
    const vouches: TrustPathResult['vouches'] = [];
    const json = JSON.stringify(scopes);
    const members = this.#keyNodes?.contraction?.members;
    const keysOf = (node: number) => members?.get(node) ?? [node];
    for (let i = 0; i + 1 < nodes.length; i++) {
      // A hop into or out of a lineage may be a vouch by or for any of its keys: the strongest.
      let row: { id: string; weight: number; scope: string } | undefined;
      for (const voucher of keysOf(nodes[i] as number)) {
        if (this.#keyNodes?.contraction?.silenced.has(voucher) === true) continue;
        for (const subject of keysOf(nodes[i + 1] as number)) {
          const found = this.#sql.hopVouch.get(voucher, subject, now, json) as typeof row;
          if (found !== undefined && (row === undefined || found.weight > row.weight)) row = found;
        }
      }
      if (row === undefined) continue;
      vouches.push({
        id: row.id,
        voucher: result.path[i] as string,
        subject: result.path[i + 1] as string,
        scope: row.scope,
        weight: row.weight,
      });
    }
    return { ...result, vouches };
  }

  #query(
    target: string,
    options: TrustQueryOptions,
  ): { result: TrustResult; nodes: number[]; scopes: string[]; now: number } {
    const scope = options.scope ?? '*';
    assertScope(scope);
    assertDid(options.from, 'from');
    assertDid(target, 'target');
    const now = currentTime(options);
    const cap = options.corroborationCap ?? DEFAULT_CORROBORATION_CAP;
    if (!Number.isSafeInteger(cap) || cap < 0) throw new RangeError('corroborationCap must be a non-negative integer');
    const scopes = coveringPatterns(scope);
    if (options.from === target)
      return { result: { score: 1, corroboration: 0, hops: 0, path: [target] }, nodes: [], scopes, now };
    this.refresh();
    const layers = this.#layers(scopes);
    if (layers.length === 0) return { result: NO_PATH, nodes: [], scopes, now };
    // Key events (DESIGN §11): a revoked key is trusted for nothing; a lineage is one node, so
    // vouches for any of its keys count for its current key, and a revoked key's vouches for nothing.
    const keys = this.#keys();
    if (keys.state.key(target)?.revoked !== undefined) return { result: NO_PATH, nodes: [], scopes, now };
    const goal = this.#node(target, keys);
    const start = this.#node(options.from, keys);
    if (goal === undefined || start === undefined) return { result: NO_PATH, nodes: [], scopes, now };
    if (goal === start)
      return { result: { score: 1, corroboration: 0, hops: 0, path: [target] }, nodes: [], scopes, now };
    const input = {
      layers,
      tieKeys: this.#index.tieKeys,
      root: start,
      target: goal,
      now,
      maxHops: MAX_HOPS,
      ...(keys.contraction === undefined ? {} : { keys: keys.contraction }),
    };
    this.#space.clearBlocked(input.tieKeys.length);
    const hit = this.#space.search({ ...input, mode: 'best' });
    if (hit === undefined) return { result: NO_PATH, nodes: [], scopes, now };
    const corroboration = cap === 0 ? 0 : countDisjointChains(this.#space, input, cap);
    const path = hit.path.map((node) => keys.shownAs.get(node) ?? this.didOf(node));
    path[0] = options.from;
    path[path.length - 1] = target;
    const score = Math.round((hit.product / HOP_DAMPING) * 1e6) / 1e6;
    return { result: { score, corroboration, hops: hit.path.length - 1, path }, nodes: hit.path, scopes, now };
  }

  /** The search node of `did`: its lineage's representative when it has one. */
  #node(did: string, keys: EngineKeys): number | undefined {
    const node = this.#agent(did) ?? keys.nodeOfLineage.get(keys.state.lineage(did)?.root ?? '');
    return node === undefined ? undefined : (keys.contraction?.alias.get(node) ?? node);
  }

  // The key-event state and its lineages contracted over the index's nodes, computed again after a
  // commit (a new agent may give a lineage its first node).
  #keys(): EngineKeys {
    const state = this.#store.keyState();
    const bound = this.#index.nodeBound;
    if (this.#keyNodes?.state === state && this.#keyNodes.bound === bound) return this.#keyNodes;
    const alias = new Map<number, number>();
    const members = new Map<number, number[]>();
    const silenced = new Set<number>();
    const shownAs = new Map<number, string>();
    const nodeOfLineage = new Map<string, number>();
    for (const lineage of state.lineages()) {
      const nodes = lineage.keys.map((did) => this.#agent(did)).filter((n): n is number => n !== undefined);
      // The current key's node represents the lineage; before it has one, the latest key that has.
      const representative = this.#agent(lineage.current) ?? nodes[nodes.length - 1];
      if (representative === undefined) continue;
      nodeOfLineage.set(lineage.root, representative);
      shownAs.set(representative, lineage.current);
      if (nodes.length < 2 && nodes[0] === representative) continue;
      for (const node of nodes) alias.set(node, representative);
      members.set(representative, nodes);
    }
    for (const did of state.revokedKeys()) {
      const node = this.#agent(did);
      if (node !== undefined) silenced.add(node);
    }
    const contraction = alias.size === 0 && silenced.size === 0 ? undefined : { alias, members, silenced };
    this.#keyNodes = { state, bound, contraction, shownAs, nodeOfLineage };
    return this.#keyNodes;
  }

  #agent(did: string): number | undefined {
    let idx = this.#agents.get(did);
    if (idx === undefined) {
      idx = this.#sql.agentIdx.get(did) as number | undefined;
      if (idx === undefined || idx >= this.#index.nodeBound) return undefined;
      if (this.#agents.size >= MAX_CACHED) this.#agents.clear();
      this.#agents.set(did, idx);
    }
    return idx;
  }

  #layers(scopes: string[]): GraphLayer[] {
    const layers: GraphLayer[] = [];
    for (const scope of scopes) {
      let idx = this.#scopes.get(scope);
      if (idx === undefined) {
        idx = this.#sql.scopeIdx.get(scope) as number | undefined;
        if (idx === undefined) continue;
        this.#scopes.set(scope, idx);
      }
      const layer = this.#index.layers.get(idx);
      if (layer !== undefined && layer.live > 0) layers.push(layer);
    }
    return layers;
  }

  /**
   * Catches up with the store (this process's writes and other connections' commits). Queries call
   * it themselves; a new vouch or revocation takes effect on the next query.
   *
   * @example
   * ```ts
   * engine.refresh();
   * ```
   */
  refresh(): void {
    const data = Number(this.#sql.dataVersion.get());
    if (this.#store.localVersion === this.#seenLocal && data === this.#seenData) return;
    this.#index.sync();
    this.#seenLocal = this.#store.localVersion;
    this.#seenData = data;
    if (this.#index.needsCompaction && this.#compaction === undefined) {
      // Merge the delta overlay off the query path.
      this.#compaction = setImmediate(() => {
        this.#compaction = undefined;
        this.#index.compact();
      });
      this.#compaction.unref();
    }
  }

  /**
   * Writes the index snapshot (compacting first), so the next open loads in one file read.
   *
   * @example
   * ```ts
   * await engine.saveSnapshot();
   * ```
   */
  async saveSnapshot(): Promise<void> {
    if (this.#snapshot === undefined) return;
    this.refresh();
    await this.#index.save(this.#snapshot);
  }

  /**
   * Size and memory of the index.
   *
   * @example
   * ```ts
   * engine.stats().bytesPerVouch; // about 21
   * ```
   */
  stats(): TrustIndexStats {
    this.refresh();
    const vouches = this.#index.edgeCount;
    const bytes = this.#index.byteLength();
    return { vouches, bytes, bytesPerVouch: vouches === 0 ? 0 : bytes / vouches, loadedFrom: this.#loadedFrom };
  }

  /** @internal The index, for the ranking. */
  get index(): TrustIndex {
    this.refresh();
    return this.#index;
  }

  /** @internal Scope layers for the ranking. */
  layersFor(scope: string): GraphLayer[] {
    return this.#layers(coveringPatterns(scope));
  }

  /** @internal DID of a node id (agents are never renumbered, so the answer can be kept). */
  didOf(node: number): string {
    let did = this.#dids.get(node);
    if (did === undefined) {
      did = this.#sql.agentDid.get(node) as string;
      if (this.#dids.size >= MAX_CACHED) this.#dids.clear();
      this.#dids.set(node, did);
    }
    return did;
  }

  /** @internal Node id of a DID. */
  nodeOf(did: string): number | undefined {
    this.refresh();
    return this.#agent(did);
  }

  /**
   * Stops background work. The store stays open.
   *
   * @example
   * ```ts
   * engine.close();
   * store.close();
   * ```
   */
  close(): void {
    if (this.#compaction !== undefined) clearImmediate(this.#compaction);
    this.#compaction = undefined;
  }
}

function assertDid(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string' || !value.startsWith('did:key:') || value.length > 128) {
    throw new TrustError('aip_identity_unresolvable', `${what} must be a did:key`);
  }
}
