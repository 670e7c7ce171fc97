// The global ranking per scope (EigenTrust-style, display only), computed in the background of
// the serving process and kept until the store changes; a stale one is served while the next runs.
import { computeRanking, type RankEntry, type TrustEngine } from '@aip/trust';
import type { RegistryStore } from './registry-store.js';

/** A computed ranking. */
export interface Ranking {
  scope: string;
  /** How many pre-trusted agents the walk restarted from. */
  seeds: number;
  ranking: RankEntry[];
  /** Unix seconds the ranking was computed at. */
  computed_at: number;
  /** True while a newer computation is running (the store changed since). */
  stale: boolean;
}

const TOP = 100;
const AGENT_PAGE = 10_000;

/**
 * Rankings per scope, computed on demand, cached per store version, recomputed in the background.
 * Seeds: the configured agents, else every agent with a profile, else every agent (a PageRank).
 *
 * @example
 * ```ts
 * const cache = new RankingCache(store, engine, { seeds: [] });
 * const { ranking } = await cache.get('tool:search', now);
 * ```
 */
export class RankingCache {
  readonly #store: RegistryStore;
  readonly #engine: TrustEngine;
  readonly #seeds: readonly string[];
  readonly #entries = new Map<string, { version: string; value?: Ranking; running?: Promise<Ranking> | undefined }>();

  constructor(store: RegistryStore, engine: TrustEngine, options: { seeds?: readonly string[] } = {}) {
    this.#store = store;
    this.#engine = engine;
    this.#seeds = options.seeds ?? [];
  }

  /**
   * The ranking of `scope` (top 100): the cached one when the store has not changed; else a
   * stale one while the next is computed, or the fresh one once computed.
   *
   * @example
   * ```ts
   * (await cache.get('*', now)).ranking[0]?.did;
   * ```
   */
  async get(scope: string, now: number): Promise<Ranking> {
    const version = this.#store.version;
    let entry = this.#entries.get(scope);
    if (entry === undefined) {
      if (this.#entries.size >= 64) this.#entries.clear();
      entry = { version: '' };
      this.#entries.set(scope, entry);
    }
    if (entry.value !== undefined && entry.version === version) return entry.value;
    if (entry.running === undefined) {
      const target = entry;
      target.running = this.#compute(scope, now).then(
        (value) => {
          target.value = value;
          target.version = version;
          target.running = undefined;
          return value;
        },
        (err: unknown) => {
          target.running = undefined;
          throw err;
        },
      );
      // A failure reaches whoever awaits it; a background refresh nobody awaits must not go unhandled.
      target.running.catch(() => undefined);
    }
    if (entry.value !== undefined) return { ...entry.value, stale: true };
    return entry.running as Promise<Ranking>;
  }

  async #compute(scope: string, now: number): Promise<Ranking> {
    let seeds = [...this.#seeds];
    if (seeds.length === 0) seeds = this.#store.profileDids();
    if (seeds.length === 0) seeds = await this.#everyAgent();
    const ranking = seeds.length === 0 ? [] : await computeRanking(this.#engine, { seeds, scope, top: TOP, now });
    return { scope, seeds: seeds.length, ranking, computed_at: now, stale: false };
  }

  async #everyAgent(): Promise<string[]> {
    const directory = this.#store.directory;
    if (directory === undefined) return [];
    const all: string[] = [];
    for (;;) {
      const page = await directory.listAgents({ after: all[all.length - 1], limit: AGENT_PAGE });
      all.push(...page);
      if (page.length < AGENT_PAGE) return all;
    }
  }
}
