// @aip/registry benchmarks (DESIGN §8): trust-score requests per second against a registry of
// 100k agents / 1M vouches (the trust benchmark's cached dataset), from a load generator in this
// process while the registry runs as `aip registry serve` in another; `aip sync` of the whole
// feed (1M objects, every one verified) into an empty local store; and (suite `registry-replicas`)
// score requests per second of two replicas on one PostgreSQL database against one, same run.
import { type ChildProcess, spawn } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { openPostgresRegistry, PostgresRegistryLog } from '@aip/registry';
import { verifyTrustLine } from '@aip/trust';
import pg from 'pg';
import { Pool } from 'undici';
import { freshDatabase } from '../fixtures/registry-databases.js';
import { postgresBin, startPostgres } from '../fixtures/services.js';
import { percentile, rawVerifyRate, result, type Suite } from './harness.js';
import { loadRegistryDataset } from './registry-dataset.js';
import { BENCH_NOW, loadDataset, QUERY_SCOPE, SCALES, seeded } from './trust-dataset.js';

const AIP = fileURLToPath(new URL('../../apps/cli/dist/main.js', import.meta.url));
const CONNECTIONS = 32;
const WARMUP_MS = 2000;
const MEASURE_MS = 10_000;
const log = (message: string) => process.stderr.write(`${message}\n`);

function scaleArg(): string {
  const arg = process.argv.find((a) => a.startsWith('--scale='));
  return arg === undefined ? '1m' : arg.slice('--scale='.length);
}

/** Starts `aip registry serve` on a free loopback port (on `db`, or `--postgres URL`); resolves with its URL. */
function serve(db: string, extra: string[] = []): Promise<{ child: ChildProcess; url: string }> {
  const store = /^postgres(ql)?:/.test(db) ? ['--postgres', db] : ['--db', db];
  const child = spawn(
    process.execPath,
    [AIP, 'registry', 'serve', '--port', '0', ...store, '--ip-limit', '0', ...extra],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match !== null) resolve({ child, url: match[1] as string });
    });
    child.on('exit', (code) => reject(new Error(`aip registry serve exited with ${code}: ${out}`)));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/**
 * Closed-loop load: CONNECTIONS keep-alive clients each send the next request as soon as the
 * previous answer arrives. Returns requests per second and latency percentiles (ms) over the
 * measured window (after a warm-up).
 */
async function load(
  target: string | string[],
  nextPath: () => string,
): Promise<{ rps: number; p50: number; p99: number }> {
  // Several URLs (replicas): the clients are spread evenly over them, as a load balancer would.
  const urls = typeof target === 'string' ? [target] : target;
  const pools = urls.map((url) => new Pool(url, { connections: Math.ceil(CONNECTIONS / urls.length), pipelining: 1 }));
  let measuring = false;
  let running = true;
  let done = 0;
  const latencies: number[] = [];
  const client = async (_: unknown, index: number) => {
    const pool = pools[index % pools.length] as Pool;
    while (running) {
      const started = performance.now();
      const res = await pool.request({ method: 'GET', path: nextPath() });
      await res.body.arrayBuffer();
      if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
      if (measuring) {
        done++;
        latencies.push(performance.now() - started);
      }
    }
  };
  const clients = Array.from({ length: CONNECTIONS }, client);
  await new Promise((resolve) => setTimeout(resolve, WARMUP_MS));
  measuring = true;
  const t0 = performance.now();
  await new Promise((resolve) => setTimeout(resolve, MEASURE_MS));
  const elapsed = performance.now() - t0;
  measuring = false;
  running = false;
  await Promise.all(clients);
  await Promise.all(pools.map((pool) => pool.close()));
  return { rps: (done / elapsed) * 1000, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

/**
 * Open-loop load: requests sent at a fixed rate whatever the answers do (as independent clients
 * would), so the latencies are those of a registry that is busy but not saturated.
 */
async function paced(url: string, perSecond: number, nextPath: () => string): Promise<{ p50: number; p99: number }> {
  const pool = new Pool(url, { connections: CONNECTIONS, pipelining: 1 });
  const latencies: number[] = [];
  const inflight: Promise<void>[] = [];
  const started = performance.now();
  const total = Math.round((perSecond * MEASURE_MS) / 1000);
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const path = nextPath();
    inflight.push(
      (async () => {
        const t0 = performance.now();
        const res = await pool.request({ method: 'GET', path });
        await res.body.arrayBuffer();
        if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
        latencies.push(performance.now() - t0);
      })(),
    );
  }
  await Promise.all(inflight);
  await pool.close();
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

function runSync(url: string, db: string): Promise<{ seconds: number; summary: Record<string, number> }> {
  const started = performance.now();
  const child = spawn(process.execPath, [AIP, 'sync', url, '--db', db, '--at', String(BENCH_NOW), '--json'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, AIP_HOME: path.dirname(db) },
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`aip sync exited with ${code}: ${out}`));
      else resolve({ seconds: (performance.now() - started) / 1000, summary: JSON.parse(out) });
    });
  });
}

export const registrySuite: Suite = {
  name: 'registry',
  async run() {
    const scale = SCALES[scaleArg()];
    if (scale === undefined) throw new Error(`unknown --scale; use one of ${Object.keys(SCALES).join(', ')}`);
    const dataset = await loadRegistryDataset(scale, log);
    const suffix = scale.name === '1m' ? '' : `@${scale.name}`;
    const query = (q: { from: string; to: string }) =>
      `/v1/trust/score?from=${q.from}&to=${q.to}&scope=${encodeURIComponent(QUERY_SCOPE)}&at=${BENCH_NOW}`;

    log(`serving ${dataset.db} (${dataset.vouches} vouches)`);
    const { child, url } = await serve(dataset.db);
    const rows = [];
    try {
      // Baseline: the same load generator against /healthz (the HTTP ceiling of this machine).
      const health = await load(url, () => '/healthz');
      log(`  /healthz: ${Math.round(health.rps)} req/s`);
      // Distinct questions: every request pairs a root and a target drawn afresh from the
      // benchmark's query set (1000 roots x 1000 targets), so the answer cache almost never helps.
      const random = seeded(0x5c07e);
      const roots = dataset.queries.map((q) => q.from);
      const targets = dataset.queries.map((q) => q.to);
      const pick = (list: string[]) => list[Math.floor(random() * list.length)] as string;
      const distinct = await load(url, () => query({ from: pick(roots), to: pick(targets) }));
      log(
        `  distinct scores: ${Math.round(distinct.rps)} req/s, p50 ${distinct.p50.toFixed(2)} ms, p99 ${distinct.p99.toFixed(2)} ms`,
      );
      // The same questions offered at half the measured capacity: latency without queueing.
      const rate = Math.max(10, Math.round(distinct.rps / 2));
      const calm = await paced(url, rate, () => query({ from: pick(roots), to: pick(targets) }));
      log(`  distinct scores at ${rate} req/s offered: p50 ${calm.p50.toFixed(2)} ms, p99 ${calm.p99.toFixed(2)} ms`);
      // Repeated questions: the trust benchmark's 1000 pairs in turn; after the first round the
      // registry answers from its cache (dropped whenever the store changes).
      // One full round first, so the measured window is the steady state the comment describes.
      const warm = new Pool(url, { connections: 8 });
      let next = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < dataset.queries.length) {
            const q = dataset.queries[next++] as { from: string; to: string };
            await (await warm.request({ method: 'GET', path: query(q) })).body.arrayBuffer();
          }
        }),
      );
      await warm.close();
      let i = 0;
      const repeated = await load(url, () =>
        query(dataset.queries[i++ % dataset.queries.length] as { from: string; to: string }),
      );
      log(
        `  repeated scores: ${Math.round(repeated.rps)} req/s, p50 ${repeated.p50.toFixed(2)} ms, p99 ${repeated.p99.toFixed(2)} ms`,
      );
      rows.push(
        result(`registry.score_rps${suffix}`, distinct.rps, 'req/s', health.rps, '>= 2000 /s'),
        result(`registry.score_p99${suffix}`, distinct.p99, 'ms', null, '<= 50 ms'),
        result(`registry.score_p99.half_load${suffix}`, calm.p99, 'ms', null, '<= 50 ms'),
        result(`registry.score_rps.repeated${suffix}`, repeated.rps, 'req/s', health.rps, '>= 2000 /s'),
        result(`registry.score_p99.repeated${suffix}`, repeated.p99, 'ms', null, '<= 50 ms'),
      );

      // Sync: the whole feed into an empty store, every object verified (aip sync, a third process).
      const dir = mkdtempSync(path.join(tmpdir(), 'aip-bench-sync-'));
      try {
        const baseline = rawVerifyRate();
        log(`syncing ${dataset.vouches} objects with aip sync`);
        const sync = await runSync(url, path.join(dir, 'trust.db'));
        if (sync.summary.accepted !== dataset.vouches) {
          throw new Error(`sync accepted ${sync.summary.accepted} of ${dataset.vouches}`);
        }
        log(`  ${Math.round(dataset.vouches / sync.seconds)} objects/s (${sync.seconds.toFixed(1)} s)`);
        rows.push(result(`registry.sync${suffix}`, dataset.vouches / sync.seconds, 'obj/s', baseline, '>= 10000 /s'));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    } finally {
      await stop(child);
    }
    return rows;
  },
};

/** Publishes the dataset's signed vouches through the PostgreSQL log (8 writers), as replicas would. */
async function fillPostgres(url: string, file: string): Promise<number> {
  const shared = await openPostgresRegistry({ url });
  const pool = new pg.Pool({ connectionString: url, max: 8 });
  try {
    const log = new PostgresRegistryLog(pool, shared.log.feedEpoch);
    const lines = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
    let accepted = 0;
    let batch: Promise<unknown>[] = [];
    for await (const line of lines) {
      if (line === '') continue;
      const object = verifyTrustLine(line, { now: BENCH_NOW });
      if (object.kind !== 'vouch') continue;
      batch.push(log.publishVouch(object, BENCH_NOW).then((o) => o.status === 'accepted' && accepted++));
      if (batch.length === 8) {
        await Promise.all(batch);
        batch = [];
      }
    }
    await Promise.all(batch);
    return accepted;
  } finally {
    await pool.end();
    await shared.close();
  }
}

export const registryReplicasSuite: Suite = {
  name: 'registry-replicas',
  async run() {
    if (postgresBin() === undefined) {
      log('registry-replicas: PostgreSQL is not installed (apt-get install postgresql); skipped');
      return [];
    }
    // The small dataset: every replica re-verifies the whole log into its copy at start.
    const scale = SCALES['100k'] as (typeof SCALES)[string];
    const dataset = await loadDataset(scale, log);
    const server = await startPostgres();
    const children: ChildProcess[] = [];
    try {
      const url = await freshDatabase(server.url);
      log(`publishing ${dataset.vouches} vouches into PostgreSQL`);
      const started = performance.now();
      const accepted = await fillPostgres(url, dataset.file);
      const fillSeconds = (performance.now() - started) / 1000;
      log(`  ${accepted} in ${fillSeconds.toFixed(1)} s`);
      const random = seeded(0x5c07e);
      const roots = dataset.queries.map((q) => q.from);
      const targets = dataset.queries.map((q) => q.to);
      const pick = (list: string[]) => list[Math.floor(random() * list.length)] as string;
      const question = () =>
        `/v1/trust/score?from=${pick(roots)}&to=${pick(targets)}&scope=${encodeURIComponent(QUERY_SCOPE)}&at=${BENCH_NOW}`;

      const first = await serve(url);
      children.push(first.child);
      const one = await load(first.url, question);
      log(`  1 replica: ${Math.round(one.rps)} req/s, p50 ${one.p50.toFixed(2)} ms, p99 ${one.p99.toFixed(2)} ms`);
      const second = await serve(url);
      children.push(second.child);
      const two = await load([first.url, second.url], question);
      log(`  2 replicas: ${Math.round(two.rps)} req/s, p50 ${two.p50.toFixed(2)} ms, p99 ${two.p99.toFixed(2)} ms`);
      return [
        result('registry.replicas.score_rps@100k', two.rps, 'req/s', one.rps, null),
        result('registry.replicas.score_p99@100k', two.p99, 'ms', one.p99, null),
        // Publications through the PostgreSQL log (8 writers, serialized by its write lock).
        result('registry.replicas.publish@100k', accepted / fillSeconds, 'obj/s', null, null),
      ];
    } finally {
      await Promise.all(children.map(stop));
      await server.stop();
    }
  },
};
