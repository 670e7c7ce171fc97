// A bounded LRU of trust answers, dropped whole whenever the store changes: repeated questions
// (a dashboard, a gate asking about the same issuer) cost a map lookup instead of a graph search.
import type { RegistryStore } from './registry-store.js';

/**
 * Answers keyed by their exact question, valid for one store version.
 *
 * @example
 * ```ts
 * const cache = new ResultCache(store, 10_000);
 * const result = await cache.get(key, () => pool.score(to, { from, scope, now }));
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

  /**
   * The cached answer to `key`, or `compute()`'s. A fresh answer is kept only if the store did not
   * change while it was computed (it may come from a worker thread), so no cached answer is older
   * than the version it is filed under. A capacity of 0 caches nothing.
   */
  async get(key: string, compute: () => Promise<T>): Promise<T> {
    if (this.#capacity === 0) return compute();
    const version = this.#store.version;
    if (version !== this.#version) {
      this.#entries.clear();
      this.#version = version;
    }
    const hit = this.#entries.get(key);
    if (hit !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, hit);
      return hit;
    }
    const value = await compute();
    if (this.#store.version === version && this.#version === version && !this.#entries.has(key)) {
      if (this.#entries.size >= this.#capacity) this.#entries.delete(this.#entries.keys().next().value as string);
      this.#entries.set(key, value);
    }
    return value;
  }

  /** Answers held. */
  get size(): number {
    return this.#entries.size;
  }
}
