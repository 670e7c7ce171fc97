// The registry benchmark's database: the trust benchmark's cached, signed JSONL (100k agents / 1M
// vouches) imported into a registry store (trust tables plus the feed), cached under .bench/ too.
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { openRegistryStore } from '@aip/registry';
import { importJsonlFile, openTrustEngine } from '@aip/trust';
import { BENCH_DIR, BENCH_NOW, type Dataset, loadDataset, type Scale } from './trust-dataset.js';

export interface RegistryDataset extends Dataset {
  /** The registry database, with its index snapshot beside it. */
  db: string;
}

/** Loads (building if needed) the registry database of `scale`. */
export async function loadRegistryDataset(scale: Scale, log: (message: string) => void): Promise<RegistryDataset> {
  const dataset = await loadDataset(scale, log);
  const db = path.join(BENCH_DIR, `registry-${scale.name}.db`);
  const ready = `${db}.ready`;
  if (existsSync(db) && existsSync(ready)) return { ...dataset, db };
  for (const suffix of ['', '-wal', '-shm', '.idx', '.ready']) await fs.rm(`${db}${suffix}`, { force: true });
  log(`building the registry database ${db} (cached for later runs)`);
  const started = performance.now();
  const store = openRegistryStore({ path: db });
  try {
    const summary = await importJsonlFile(store.trust, dataset.file, { now: BENCH_NOW, batchSize: 4000 });
    if (summary.accepted !== dataset.vouches) {
      throw new Error(`registry import accepted ${summary.accepted} of ${dataset.vouches}`);
    }
    const engine = openTrustEngine(store.trust);
    await engine.saveSnapshot();
    engine.close();
    store.trust.database.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    store.close();
  }
  await fs.writeFile(ready, JSON.stringify({ vouches: dataset.vouches }));
  log(`  built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { ...dataset, db };
}
