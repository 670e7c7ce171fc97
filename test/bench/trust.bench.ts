// @aip/trust benchmarks (DESIGN §8): verified ingest, index cold start and memory, path trust and
// corroboration latency on a generated scale-free graph, against a naive recursive CTE in the same
// run. `pnpm bench trust` runs 100k agents / 1M vouches; `pnpm bench trust --scale=10m` the
// 1M / 10M manual run.
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { coveringPatterns } from '@aip/token';
import { importJsonlFile, openTrustEngine, openTrustStore, type TrustEngine } from '@aip/trust';
import { median, percentile, rawVerifyRate, result, type Suite } from './harness.js';
import { BENCH_DIR, BENCH_NOW, type Dataset, loadDataset, QUERY_SCOPE, SCALES } from './trust-dataset.js';

const log = (message: string) => process.stderr.write(`${message}\n`);

function scaleArg(): string {
  const arg = process.argv.find((a) => a.startsWith('--scale='));
  return arg === undefined ? '1m' : arg.slice('--scale='.length);
}

/** A naive query still running after this long is stopped; its time then counts as this (a lower bound). */
const CTE_TIMEOUT_MS = 20_000;
const CTE_SCRIPT = fileURLToPath(new URL('./cte-query.mjs', import.meta.url));

/**
 * The naive baseline: every walk of at most 4 hops from the root, in one recursive SQL query over
 * the same database, run in a child process that is killed after CTE_TIMEOUT_MS.
 */
async function cteQuery(db: string, root: string, target: string): Promise<{ ms: number; score: number | null }> {
  const child = spawn(
    process.execPath,
    [CTE_SCRIPT, db, root, target, String(BENCH_NOW), JSON.stringify(coveringPatterns(QUERY_SCOPE))],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), CTE_TIMEOUT_MS);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  if (code !== 0) return { ms: CTE_TIMEOUT_MS, score: null };
  return JSON.parse(out) as { ms: number; score: number };
}

function time<T>(fn: () => T): { ms: number; value: T } {
  const start = performance.now();
  const value = fn();
  return { ms: performance.now() - start, value };
}

export const trustSuite: Suite = {
  name: 'trust',
  async run() {
    const scale = SCALES[scaleArg()];
    if (scale === undefined) throw new Error(`unknown --scale; use one of ${Object.keys(SCALES).join(', ')}`);
    const dataset: Dataset = await loadDataset(scale, log);
    const db = path.join(BENCH_DIR, `trust-${scale.name}.db`);
    for (const suffix of ['', '-wal', '-shm', '.idx']) await fs.rm(`${db}${suffix}`, { force: true });

    // Ingest: the whole JSONL file, every line verified (worker pool) and stored in batches.
    log(`ingesting ${dataset.vouches} vouches (${availableParallelism()} verification threads)`);
    const baselineVerify = rawVerifyRate();
    let store = openTrustStore({ path: db });
    const ingest = performance.now();
    let last = 0;
    const summary = await importJsonlFile(store, dataset.file, {
      now: BENCH_NOW,
      batchSize: 4000,
      onProgress: (p) => {
        if (p.lines - last >= 250_000) {
          last = p.lines;
          log(`  ${p.lines} lines, ${Math.round(p.lines / ((performance.now() - ingest) / 1000))}/s`);
        }
      },
    });
    const ingestSeconds = (performance.now() - ingest) / 1000;
    if (summary.accepted !== dataset.vouches)
      throw new Error(`ingest accepted ${summary.accepted} of ${dataset.vouches}`);

    // Index: rebuilt from SQLite once, then a snapshot; the cold start is the snapshot load.
    const rebuild = time(() => openTrustEngine(store));
    let engine: TrustEngine = rebuild.value;
    await engine.saveSnapshot();
    engine.close();
    store.close();
    store = openTrustStore({ path: db });
    const cold = time(() => openTrustEngine(store));
    engine = cold.value;
    const stats = engine.stats();
    if (stats.loadedFrom !== 'snapshot') throw new Error('the index did not load from its snapshot');

    // Queries: path trust alone, then with corroboration (default cap).
    const queries = dataset.queries;
    const ask = (q: { from: string; to: string }, cap: number) =>
      engine.score(q.to, { from: q.from, scope: QUERY_SCOPE, now: BENCH_NOW, corroborationCap: cap });
    for (const q of queries.slice(0, 200)) ask(q, 0);
    const pathTimes = queries.map((q) => time(() => ask(q, 0)));
    const found = pathTimes.filter((t) => t.value.score > 0).length;
    const corroborationTimes = queries.map((q) => time(() => ask(q, 8)).ms);
    log(`  ${found} of ${queries.length} queries have a trust path; naive CTE baseline...`);

    // Naive recursive CTE on a subset (it is slow), against the engine on the same queries.
    // At most 9 queries or 2 minutes (at least 3); a query past CTE_TIMEOUT_MS is stopped.
    const cteTimes: number[] = [];
    const engineTimes: number[] = [];
    let stopped = 0;
    const cteStart = performance.now();
    for (const q of queries) {
      if (cteTimes.length >= 9 || (cteTimes.length >= 3 && performance.now() - cteStart > 120_000)) break;
      const naive = await cteQuery(db, q.from, q.to);
      const fast = time(() => ask(q, 0));
      cteTimes.push(naive.ms);
      engineTimes.push(fast.ms);
      if (naive.score === null) stopped++;
      else if (Math.abs(Math.round(naive.score * 1e6) / 1e6 - fast.value.score) > 1e-5) {
        throw new Error(`engine and CTE disagree: ${fast.value.score} vs ${naive.score}`);
      }
    }
    log(`  CTE: ${cteTimes.length} queries, ${stopped} stopped at ${CTE_TIMEOUT_MS / 1000} s`);
    engine.close();
    store.close();

    const ms = (times: { ms: number }[]) => times.map((t) => t.ms);
    const suffix = scale.name === '1m' ? '' : `@${scale.name}`;
    return [
      result(`trust.ingest${suffix}`, dataset.vouches / ingestSeconds, 'vouch/s', baselineVerify, '>= 20000 /s'),
      result(`trust.path.p50${suffix}`, percentile(ms(pathTimes), 50), 'ms', null, '<= 1 ms'),
      result(`trust.path.p99${suffix}`, percentile(ms(pathTimes), 99), 'ms', null, '<= 25 ms'),
      result(`trust.cte_speedup${suffix}`, median(cteTimes), 'ms', median(engineTimes), '>= 1000'),
      result(`trust.corroboration.p50${suffix}`, percentile(corroborationTimes, 50), 'ms', null, '<= 5 ms'),
      result(`trust.cold_start${suffix}`, cold.ms, 'ms', rebuild.ms, '<= 1000 ms'),
      result(`trust.index_bytes${suffix}`, stats.bytesPerVouch, 'B/vouch', null, '<= 25 B/vouch'),
    ];
  },
};
