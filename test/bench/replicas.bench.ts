// Several machines (DESIGN §8, §9): throughput of two aip-proxy replicas sharing Redis (proof
// claims) and PostgreSQL (the budget ledger), proofs and budgets on, against one replica with the
// embedded stores and the same settings, in the same run on the same trivial upstream; and the
// shared stores alone next to the embedded ones — ledger charges per second (PostgreSQL vs SQLite)
// and the proof-claim round trip (Redis vs memory). Real servers from the Debian packages.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateIdentity } from '@aip/identity';
import {
  connectRedis,
  createMemoryReplayClaims,
  createRedisReplayClaims,
  openBudgetLedger,
  openPostgresLedger,
  silentLogger,
} from '@aip/proxy';
import { decodeToken, issueToken, signRequest } from '@aip/token';
import { Pool } from 'undici';
import { type RunningService, servicesMissing, startPostgres, startRedis } from '../fixtures/services.js';
import {
  asyncOpsPerSecond,
  type BenchResult,
  median,
  result,
  type Suite,
  startBenchServer,
  startProcess,
} from './harness.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const PROXY_BIN = path.resolve(here, '../../apps/proxy/dist/main.js');
const AUDIENCE = 'https://bench.example';
const COST = 0.0001;
const BODY = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'search', arguments: { q: 'benchmark' } },
});

/** Requests per second of `connections` keep-alive clients spread over `urls`, for `ms`. */
async function throughput(
  urls: string[],
  headers: () => Record<string, string>,
  connections: number,
  ms: number,
  counted: { ok: number },
): Promise<number> {
  const pools = urls.map((url) => new Pool(url, { connections: Math.ceil(connections / urls.length), pipelining: 1 }));
  let done = 0;
  let running = true;
  const worker = async (i: number) => {
    const pool = pools[i % pools.length] as Pool;
    while (running) {
      const res = await pool.request({ method: 'POST', path: '/mcp', headers: headers(), body: BODY });
      await res.body.arrayBuffer();
      if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
      counted.ok++;
      done++;
    }
  };
  const workers = Array.from({ length: connections }, (_, i) => worker(i));
  await new Promise((r) => setTimeout(r, 500));
  const begin = done;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  const count = done - begin;
  const elapsed = performance.now() - t0;
  running = false;
  await Promise.all(workers);
  await Promise.all(pools.map((p) => p.close()));
  return (count / elapsed) * 1000;
}

function toml(upstream: string, operator: string, dir: string, name: string, state: string): string {
  return [
    '[proxy]',
    `upstream = "${upstream}"`,
    'port = 0',
    `trust_keys = ["${operator}"]`,
    `audience = "${AUDIENCE}"`,
    '[pop]',
    'required = true',
    '[budget]',
    `ledger = "${path.join(dir, `${name}.db`)}"`,
    `costs = { "tool:*" = ${COST} }`,
    '[logging]',
    `log_file = "${path.join(dir, `${name}.jsonl`)}"`,
    state,
  ].join('\n');
}

export const replicasSuite: Suite = {
  name: 'proxy-replicas',
  async run(): Promise<BenchResult[]> {
    const reason = servicesMissing();
    if (reason !== undefined) return [];
    const operator = generateIdentity();
    const agent = generateIdentity();
    const token = issueToken(operator, { sub: agent.did, scope: ['tool:search'], ttl: 3600, budgetUsd: 1_000_000 });
    const rootId = (decodeToken(token)[0] as { id: string }).id;
    const dir = mkdtempSync(path.join(tmpdir(), 'aip-bench-replicas-'));
    const children: ChildProcess[] = [];
    let redis: RunningService | undefined;
    let postgres: RunningService | undefined;
    try {
      [redis, postgres] = await Promise.all([startRedis(), startPostgres()]);
      const upstream = await startBenchServer('fast-upstream.ts', [], children);
      const proxy = async (name: string, state: string) => {
        const file = path.join(dir, `${name}.toml`);
        writeFileSync(file, toml(upstream, operator.did, dir, name, state));
        return (
          await startProcess(
            [PROXY_BIN, '--config', file],
            /"url":"(http:[^"]+)",[^\n]*"msg":"listening"/,
            'stderr',
            children,
          )
        )[1] as string;
      };
      const shared = `[state]\nredis_url = "${redis.url}"\npostgres_url = "${postgres.url}"\n`;
      const [embedded, a, b] = await Promise.all([
        proxy('embedded', ''),
        proxy('replica-a', `${shared}replica_id = "a"\n`),
        proxy('replica-b', `${shared}replica_id = "b"\n`),
      ]);
      // A fresh proof per request, signed by the holder, as @aip/mcp's client helper does.
      const headers = () => ({
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'x-aip-token': token,
        'x-aip-proof': signRequest(agent, { token, method: 'POST', path: '/mcp', body: BODY, audience: AUDIENCE }),
      });
      const counted = { embedded: { ok: 0 }, replicas: { ok: 0 } };
      const rounds = { embedded: [] as number[], replicas: [] as number[] };
      // Five interleaved rounds: the median resists the load of a shared machine.
      for (let round = 0; round < 5; round++) {
        rounds.embedded.push(await throughput([embedded], headers, 32, 2000, counted.embedded));
        rounds.replicas.push(await throughput([a, b], headers, 32, 2000, counted.replicas));
      }

      // Every call the replicas answered is charged exactly once on the shared ledger.
      const ledger = await openPostgresLedger(postgres.url);
      const [spend] = await ledger.report([rootId]);
      const spentMicros = Math.round((spend?.spent_usd ?? 0) * 1e6);
      const expectedMicros = Math.round(counted.replicas.ok * COST * 1e6);

      // The ledgers alone: one charge at a time on a 3-segment chain.
      const chain = [
        { id: 'root', budget: null },
        { id: 'link-1', budget: null },
        { id: 'link-2', budget: null },
      ];
      const meta = { subject: agent.did, tools: ['search'], now: Math.floor(Date.now() / 1000) };
      const sqlite = openBudgetLedger(path.join(dir, 'ledger.db'));
      let n = 0;
      const sqliteRate = await asyncOpsPerSecond(() => sqlite.charge(`s-${n++}`, chain, 0.001, meta), 2000);
      await sqlite.close();
      const pgRate = await asyncOpsPerSecond(() => ledger.charge(`p-${n++}`, chain, 0.001, meta), 2000);
      // PostgreSQL serves replicas concurrently: 16 charges in flight on distinct chains.
      const concurrent = await asyncOpsPerSecond(
        () =>
          Promise.all(
            Array.from({ length: 16 }, (_, i) =>
              ledger.charge(
                `c-${n++}`,
                chain.map((link) => ({ ...link, id: `${link.id}-${i}` })),
                0.001,
                meta,
              ),
            ),
          ),
        2000,
      );
      await ledger.close();

      // The claim round trip: one proof id claimed at a time.
      const memory = createMemoryReplayClaims();
      const connection = await connectRedis(redis.url, silentLogger);
      const claims = createRedisReplayClaims(connection);
      const now = Math.floor(Date.now() / 1000);
      const memoryRate = await asyncOpsPerSecond(() => memory.claim(`m-${n++}`, 'grant', now + 60, now), 1000);
      const redisRate = await asyncOpsPerSecond(() => claims.claim(`r-${n++}`, 'grant', now + 60, now), 2000);
      await connection.close();

      return [
        result('proxy.replicas', median(rounds.replicas), 'req/s', median(rounds.embedded), '>= 0.8'),
        result('proxy.replicas.spend_error', Math.abs(spentMicros - expectedMicros), 'µ$', null, '<= 0 µ$'),
        result('proxy.ledger.postgres', pgRate, 'charges/s', sqliteRate, null),
        result('proxy.ledger.postgres_x16', concurrent * 16, 'charges/s', sqliteRate, null),
        result('proxy.claim.redis', 1e6 / redisRate, 'µs', 1e6 / memoryRate, null),
      ];
    } finally {
      for (const child of children) child.kill('SIGKILL');
      await Promise.all([redis?.stop(), postgres?.stop()]);
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
