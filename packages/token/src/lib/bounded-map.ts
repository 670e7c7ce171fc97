// A Map with a size cap and first-in-first-out eviction: caches whose every entry can be rebuilt.
export class BoundedMap<K, V> {
  readonly #map = new Map<K, V>();
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  get(key: K): V | undefined {
    return this.#map.get(key);
  }

  set(key: K, value: V): void {
    if (this.#max <= 0) return;
    if (!this.#map.has(key) && this.#map.size >= this.#max) {
      this.#map.delete(this.#map.keys().next().value as K);
    }
    this.#map.set(key, value);
  }

  get size(): number {
    return this.#map.size;
  }
}
