// The local trust store ($AIP_HOME/trust.db, or --db) and its engine, for the trust commands.
import { defaultAipHome } from '@aip/identity/node';
import { openTrustEngine, openTrustStore, type TrustEngine, type TrustStore } from '@aip/trust';

export interface TrustDbOptions {
  db?: string;
}

/** Opens the store; the caller closes it. */
export function openLocalStore(options: TrustDbOptions): TrustStore {
  return options.db === undefined ? openTrustStore({ home: defaultAipHome() }) : openTrustStore({ path: options.db });
}

/** Runs `fn` with the store and its engine, then refreshes a stale snapshot and closes both. */
export async function withEngine<T>(
  options: TrustDbOptions,
  fn: (engine: TrustEngine, store: TrustStore) => T | Promise<T>,
): Promise<T> {
  const store = openLocalStore(options);
  const engine = openTrustEngine(store);
  try {
    const result = await fn(engine, store);
    // A rebuilt index of a large graph is worth persisting: the next command loads it in one read.
    const stats = engine.stats();
    if (stats.loadedFrom === 'rebuilt' && stats.vouches >= 10_000) await engine.saveSnapshot();
    return result;
  } finally {
    engine.close();
    store.close();
  }
}
