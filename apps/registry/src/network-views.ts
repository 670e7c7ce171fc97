// Read-side views of the whole network for the observatory: totals, growth and a drawable subgraph.
// Totals and growth scan the vouches (about a second at a million), so each answer is kept until
// the store changes, and, when it was slow to compute, for at least `ttlMs` (30 s) even then.
import { coveringPatterns } from '@aip/token';
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

/**
 * Totals, growth and subgraphs of a registry store, cached per store version.
 *
 * @example
 * ```ts
 * const network = new NetworkViews(store, views);
 * network.stats({ now, days: 30 }).vouches;
 * ```
 */
export class NetworkViews {
  readonly #store: RegistryStore;
  readonly #agents: AgentViews;
  readonly #ttlMs: number;
  readonly #cache = new Map<string, { version: string; at: number; value: unknown; slow: boolean }>();
  readonly #sql;

  constructor(store: RegistryStore, agents: AgentViews, options: { ttlMs?: number } = {}) {
    this.#store = store;
    this.#agents = agents;
    this.#ttlMs = options.ttlMs ?? 30_000;
    const db = store.database;
    const count = (sql: string) => db.prepare(sql).pluck();
    this.#sql = {
      agents: count('SELECT count(*) FROM (SELECT did FROM agents UNION SELECT did FROM registry_profiles)'),
      profiles: count('SELECT count(*) FROM registry_profiles'),
      vouches: count('SELECT count(*) FROM vouches'),
      active: count('SELECT count(*) FROM vouches WHERE revoked_at IS NULL AND (exp IS NULL OR exp > ?)'),
      revocations: count('SELECT count(*) FROM revocations'),
      scopes: db.prepare(
        `SELECT s.scope AS scope, count(*) AS vouches FROM vouches v JOIN scopes s ON s.idx = v.scope
         WHERE v.revoked_at IS NULL GROUP BY v.scope ORDER BY vouches DESC, s.scope LIMIT 12`,
      ),
      vouchesBefore: count('SELECT count(*) FROM vouches WHERE iat < ?'),
      vouchDays: db.prepare('SELECT iat / 86400 AS day, count(*) AS n FROM vouches WHERE iat >= ? GROUP BY day'),
      profileDays: db.prepare(
        'SELECT iat / 86400 AS day, count(*) AS n FROM registry_profiles WHERE iat >= ? GROUP BY day',
      ),
      revocationDays: db.prepare(
        'SELECT iat / 86400 AS day, count(*) AS n FROM revocations WHERE iat >= ? GROUP BY day',
      ),
      topSubjects: db.prepare(
        `SELECT a.did AS did FROM registry_degrees d JOIN agents a ON a.idx = d.agent
         WHERE d.vouches_in > 0 ORDER BY d.vouches_in DESC, a.tiekey LIMIT ?`,
      ),
      profileDids: db.prepare('SELECT did FROM registry_profiles ORDER BY seq DESC LIMIT ?').pluck(),
      allDids: db.prepare('SELECT did FROM agents UNION SELECT did FROM registry_profiles').pluck(),
      neighbours: db.prepare(
        `SELECT a.did AS did FROM vouches v JOIN agents a ON a.idx = CASE WHEN v.voucher = @agent THEN v.subject ELSE v.voucher END
         WHERE (v.voucher = @agent OR v.subject = @agent) AND v.revoked_at IS NULL ORDER BY v.weight DESC, v.seq DESC LIMIT @limit`,
      ),
      agentIdx: db.prepare('SELECT idx FROM agents WHERE did = ?').pluck(),
      edges: db.prepare(
        `SELECT v.id AS id, a.did AS "from", b.did AS "to", s.scope AS scope, v.weight AS weight
         FROM vouches v JOIN agents a ON a.idx = v.voucher JOIN agents b ON b.idx = v.subject
         JOIN scopes s ON s.idx = v.scope
         WHERE v.voucher IN (SELECT value FROM json_each(@nodes)) AND v.subject IN (SELECT value FROM json_each(@nodes))
           AND v.revoked_at IS NULL AND (v.exp IS NULL OR v.exp > @now)
           AND (@scopes IS NULL OR s.scope IN (SELECT value FROM json_each(@scopes)))
         ORDER BY v.seq`,
      ),
    };
  }

  #cached<T>(key: string, compute: () => T): T {
    const version = this.#store.version;
    const hit = this.#cache.get(key);
    const now = Date.now();
    // A stale answer is only kept when computing it was slow: small registries are always current.
    if (hit !== undefined && (hit.version === version || (hit.slow && now - hit.at < this.#ttlMs))) {
      return hit.value as T;
    }
    const value = compute();
    if (this.#cache.size > 256) this.#cache.clear();
    this.#cache.set(key, { version, at: now, value, slow: Date.now() - now > SLOW_MS });
    return value;
  }

  /**
   * Totals, the busiest scopes and daily growth over the last `days` days before `now`.
   *
   * @example
   * ```ts
   * const { agents, vouches, growth } = network.stats({ now, days: 30 });
   * ```
   */
  stats(options: { now: number; days?: number }): NetworkStats {
    const days = options.days ?? 30;
    const today = Math.floor(options.now / DAY);
    return this.#cached(`stats ${today} ${days}`, () => {
      const first = today - days + 1;
      const perDay = (rows: unknown[]) => new Map((rows as { day: number; n: number }[]).map((r) => [r.day, r.n]));
      const vouches = perDay(this.#sql.vouchDays.all(first * DAY));
      const profiles = perDay(this.#sql.profileDays.all(first * DAY));
      const revocations = perDay(this.#sql.revocationDays.all(first * DAY));
      let total = Number(this.#sql.vouchesBefore.get(first * DAY));
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
      return {
        agents: Number(this.#sql.agents.get()),
        profiles: Number(this.#sql.profiles.get()),
        vouches: Number(this.#sql.vouches.get()),
        active_vouches: Number(this.#sql.active.get(options.now)),
        revocations: Number(this.#sql.revocations.get()),
        scopes: this.#sql.scopes.all() as NetworkStats['scopes'],
        growth,
        computed_at: options.now,
      };
    });
  }

  /**
   * A subgraph small enough to draw: the best-vouched agents (or `center` and its strongest
   * neighbours) and the active vouches among them that apply to `scope`.
   *
   * @example
   * ```ts
   * const { nodes, edges } = network.graph({ now, scope: 'tool:search', limit: 100 });
   * ```
   */
  graph(options: GraphOptions): NetworkGraph {
    const limit = options.limit ?? 150;
    const scope = options.scope;
    const scopes = scope === undefined ? null : JSON.stringify(coveringPatterns(scope));
    const hour = Math.floor(options.now / 3600);
    return this.#cached(`graph ${scope ?? ''} ${limit} ${options.center ?? ''} ${hour}`, () => {
      let dids: string[];
      if (options.center !== undefined) {
        const idx = this.#sql.agentIdx.get(options.center) as number | undefined;
        const around =
          idx === undefined ? [] : (this.#sql.neighbours.all({ agent: idx, limit: limit * 4 }) as { did: string }[]);
        dids = [...new Set([options.center, ...around.map((r) => r.did)])].slice(0, limit);
      } else if (Number(this.#sql.agents.get()) <= limit) {
        dids = this.#sql.allDids.all() as string[];
      } else {
        dids = (this.#sql.topSubjects.all(limit) as { did: string }[]).map((r) => r.did);
        for (const did of this.#sql.profileDids.all(limit) as string[]) {
          if (dids.length >= limit) break;
          if (!dids.includes(did)) dids.push(did);
        }
      }
      const idxs = dids.flatMap((did) => {
        const idx = this.#sql.agentIdx.get(did) as number | undefined;
        return idx === undefined ? [] : [idx];
      });
      const edges = this.#sql.edges.all({
        nodes: JSON.stringify(idxs),
        now: options.now,
        scopes,
      }) as NetworkGraph['edges'];
      const nodes = dids.map((did) => {
        const summary = this.#agents.summary(did, this.#agents.profile(did));
        return { did, name: summary.name, vouches_in: summary.vouches_in, vouches_out: summary.vouches_out };
      });
      const total = Number(this.#sql.agents.get());
      return { scope: scope ?? null, nodes, edges, truncated: total > nodes.length };
    });
  }
}
