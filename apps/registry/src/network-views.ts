// Read-side views of the whole network for the observatory: totals, growth and a drawable subgraph.
// Totals and growth scan the vouches (about a second at a million), so each answer is kept until
// the store changes, and, when it was slow to compute, for at least `ttlMs` (30 s) even then.
import type { RefusedScope, TrustDirectory } from '@aip/trust';
import type { AgentViews } from './agent-views.js';
import type { RegistryStore } from './registry-store.js';

/** Totals and growth. */
export interface NetworkStats {
  /** Distinct agents: named in a vouch or with a profile. */
  agents: number;
  profiles: number;
  vouches: number;
  /** Unrevoked and unexpired at `now`. */
  active_vouches: number;
  revocations: number;
  /** The busiest scopes by active vouches. */
  scopes: { scope: string; vouches: number }[];
  /**
   * Scopes of stored vouches the scope grammar refuses (stored under an earlier one): kept and
   * served as signed, never counted, reported with their code. Empty for a registry started now.
   */
  refused_scopes: RefusedScope[];
  /** One entry per UTC day of the last `days` (by the objects' signed issue time), oldest first. */
  growth: { day: string; vouches: number; profiles: number; revocations: number; total_vouches: number }[];
  /** Unix seconds the figures were computed at. */
  computed_at: number;
}

/** A subgraph to draw. */
export interface NetworkGraph {
  /** The scope drawn, or null for every scope. */
  scope: string | null;
  nodes: { did: string; name: string | null; vouches_in: number; vouches_out: number }[];
  edges: { id: string; from: string; to: string; scope: string; weight: number }[];
  /** True when the network has more agents than were drawn. */
  truncated: boolean;
}

/** Options of {@link NetworkViews.graph}. */
export interface GraphOptions {
  /** Only vouches that apply to this scope; default: vouches of every scope. */
  scope?: string;
  /** At most this many agents; default 150. */
  limit?: number;
  /** Draw this agent's neighbourhood instead of the best-vouched agents. */
  center?: string;
  now: number;
}

const DAY = 86_400;
/** Answers that took longer than this to compute may be served stale for `ttlMs`. */
const SLOW_MS = 100;

/** Profile DIDs asked about per directory call, counting the agents known only by a profile. */
const BATCH = 1000;

/**
 * Totals, growth and subgraphs of a registry store, cached per store version.
 *
 * @example
 * ```ts
 * const network = new NetworkViews(store, views);
 * (await network.stats({ now, days: 30 })).vouches;
 * ```
 */
export class NetworkViews {
  readonly #store: RegistryStore;
  readonly #directory: TrustDirectory;
  readonly #agents: AgentViews;
  readonly #ttlMs: number;
  readonly #cache = new Map<string, { version: string; at: number; value: unknown; slow: boolean }>();

  constructor(store: RegistryStore, agents: AgentViews, options: { ttlMs?: number } = {}) {
    if (store.directory === undefined) throw new TypeError('network views need a store with a feed');
    this.#store = store;
    this.#directory = store.directory;
    this.#agents = agents;
    this.#ttlMs = options.ttlMs ?? 30_000;
  }

  async #cached<T>(key: string, compute: () => Promise<T>): Promise<T> {
    const version = this.#store.version;
    const hit = this.#cache.get(key);
    const now = Date.now();
    // A stale answer is only kept when computing it was slow: small registries are always current.
    if (hit !== undefined && (hit.version === version || (hit.slow && now - hit.at < this.#ttlMs))) {
      return hit.value as T;
    }
    const value = await compute();
    if (this.#cache.size > 256) this.#cache.clear();
    this.#cache.set(key, { version, at: now, value, slow: Date.now() - now > SLOW_MS });
    return value;
  }

  /** Distinct agents: named by a stored vouch or revocation, or with a profile. */
  async #agentCount(): Promise<number> {
    return this.#cached('agents', async () => {
      const profiles = this.#store.profileDids();
      let known = 0;
      for (let i = 0; i < profiles.length; i += BATCH) {
        known += await this.#directory.countKnown(profiles.slice(i, i + BATCH));
      }
      return (await this.#directory.agentCount()) + profiles.length - known;
    });
  }

  /**
   * Totals, the busiest scopes (by vouches active at `now`) and daily growth over the last `days`
   * days before `now`.
   *
   * @example
   * ```ts
   * const { agents, vouches, growth } = await network.stats({ now, days: 30 });
   * ```
   */
  stats(options: { now: number; days?: number }): Promise<NetworkStats> {
    const days = options.days ?? 30;
    const today = Math.floor(options.now / DAY);
    return this.#cached(`stats ${today} ${days}`, async () => {
      const first = today - days + 1;
      const issued = await this.#directory.issuedPerDay(first * DAY);
      const vouches = new Map(issued.vouches);
      const revocations = new Map(issued.revocations);
      const profiles = new Map(this.#store.profilesPerDay(first * DAY));
      let total = issued.vouchesBefore;
      const growth: NetworkStats['growth'] = [];
      for (let day = first; day <= today; day++) {
        total += vouches.get(day) ?? 0;
        growth.push({
          day: new Date(day * DAY * 1000).toISOString().slice(0, 10),
          vouches: vouches.get(day) ?? 0,
          profiles: profiles.get(day) ?? 0,
          revocations: revocations.get(day) ?? 0,
          total_vouches: total,
        });
      }
      const totals = await this.#directory.totals(options.now);
      return {
        agents: await this.#agentCount(),
        profiles: this.#store.profileCount(),
        vouches: totals.vouches,
        active_vouches: totals.activeVouches,
        revocations: totals.revocations,
        scopes: await this.#directory.busiestScopes({ now: options.now, limit: 12 }),
        refused_scopes: this.#store.trust.refusedScopes(),
        growth,
        computed_at: options.now,
      };
    });
  }

  /**
   * A subgraph small enough to draw: the best-vouched agents (or `center` and its strongest
   * neighbours) and the vouches among them active now that apply to `scope`.
   *
   * @example
   * ```ts
   * const { nodes, edges } = await network.graph({ now, scope: 'tool:search', limit: 100 });
   * ```
   */
  graph(options: GraphOptions): Promise<NetworkGraph> {
    const limit = options.limit ?? 150;
    const scope = options.scope;
    const hour = Math.floor(options.now / 3600);
    return this.#cached(`graph ${scope ?? ''} ${limit} ${options.center ?? ''} ${hour}`, async () => {
      let dids: string[];
      const total = await this.#agentCount();
      if (options.center !== undefined) {
        const around = await this.#directory.neighbours(options.center, limit * 4);
        dids = [...new Set([options.center, ...around])].slice(0, limit);
      } else if (total <= limit) {
        dids = [...new Set([...(await this.#directory.listAgents({ limit })), ...this.#store.profileDids()])].sort();
      } else {
        dids = await this.#directory.mostVouched(limit);
        for (const did of this.#store.profileDids(limit)) {
          if (dids.length >= limit) break;
          if (!dids.includes(did)) dids.push(did);
        }
      }
      const edges = (
        await this.#directory.vouchesAmong(dids, { now: options.now, ...(scope === undefined ? {} : { scope }) })
      ).map((e) => ({ id: e.id, from: e.voucher, to: e.subject, scope: e.scope, weight: e.weight }));
      const nodes = await Promise.all(
        dids.map(async (did) => {
          const summary = await this.#agents.summary(did, this.#agents.profile(did));
          return { did, name: summary.name, vouches_in: summary.vouches_in, vouches_out: summary.vouches_out };
        }),
      );
      return { scope: scope ?? null, nodes, edges, truncated: total > nodes.length };
    });
  }
}
