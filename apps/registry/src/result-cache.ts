// A bounded LRU of trust answers, dropped whole whenever the store changes: repeated questions
// (a dashboard, a gate asking about the same issuer) cost a map lookup instead of a graph search.
import type { RegistryStore } from './registry-store.js';

/**
 * Answers keyed by their exact question, valid for one store version.
 *
 * @example
 * ```ts
 * const cache = new ResultCache(store, 10_000);
 * const result = cache.get(key, () => engine.score(to, { from, scope, now }));
 * ```
 */
export class ResultCache<T> {
  readonly #store: RegistryStore;
  readonly #capacity: number;
  readonly #entries = new Map<string, T>();
  #version = '';

  constructor(store: RegistryStore, capacity: number) {
    this.#store = store;
    this.#capacity = capacity;
  }

  /** The cached answer to `key`, or `compute()`'s (then cached). A capacity of 0 caches nothing. */
  get(key: string, compute: () => T): T {
    if (this.#capacity === 0) return compute();
    const version = this.#store.version;
    if (version !== this.#version) {
      this.#entries.clear();
      this.#version = version;
    }
    const hit = this.#entries.get(key);
    if (hit !== undefined) {
      // Most recently used last: Map keeps insertion order.
      this.#entries.delete(key);
      this.#entries.set(key, hit);
      return hit;
    }
    const value = compute();
    if (this.#entries.size >= this.#capacity) this.#entries.delete(this.#entries.keys().next().value as string);
    this.#entries.set(key, value);
    return value;
  }

  /** Answers held. */
  get size(): number {
    return this.#entries.size;
  }
}
