// Two `aip-proxy` replicas behind one name (DESIGN §9): real processes sharing a real Redis (proof
// claims, rate buckets) and a real PostgreSQL (the budget ledger), with proofs and budgets on.
// What one replica admits, charges or limits, the other sees; a replica killed mid-load loses no
// charge and counts none twice; a store that stops fails requests closed, and service resumes when
// it returns. Sessions sealed under a shared secret are checked by any replica holding it.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { generateIdentity, type Identity } from '@aip/identity';
import { type BudgetLedger, openPostgresLedger, verifyAuditLog } from '@aip/proxy';
import { decodeToken, delegate, issueToken, signRequest } from '@aip/token';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, principals, type RunningProxy, startProxy } from '../fixtures/proxy.js';
import { killReplicas, type Replica, startReplica } from '../fixtures/replicas.js';
import { type RunningService, servicesMissing, startPostgres, startRedis } from '../fixtures/services.js';
import { startPlainUpstream, startStatefulUpstream, startTaskUpstream, type Upstream } from '../fixtures/upstreams.js';

const missing = servicesMissing();
const AIP = fileURLToPath(new URL('../../apps/cli/dist/main.js', import.meta.url));
const PROXY = fileURLToPath(new URL('../../apps/proxy/dist/main.js', import.meta.url));
const run = promisify(execFile);

/** Runs a command to its end: exit code and output (a non-zero exit is an answer, not a throw). */
async function exec(file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [file, ...args], { timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}
const AUDIENCE = 'https://tools.example';
const p = principals();

let dir: string;
let redis: RunningService;
let postgres: RunningService;
let upstream: Upstream;
let ledger: BudgetLedger;
let a: Replica;
let b: Replica;

function replicaConfig(name: string) {
  return {
    proxy: { upstream: upstream.url, port: 0, trust_keys: [p.operator.did], audience: AUDIENCE },
    pop: { required: true },
    budget: { ledger: path.join(dir, `unused-${name}.db`), costs: { 'tool:*': 0.01 }, pending_seconds: 600 },
    rate_limit: { tool_per_minute: { 'tool:limited': 4 } },
    state: {
      redis_url: redis.url,
      postgres_url: postgres.url,
      session_secret_file: path.join(dir, 'session.secret'),
      replica_id: name,
    },
    // Replica A writes its audit chain to PostgreSQL, replica B to its own file.
    logging: name === 'replica-a' ? { sink: 'postgres' } : { log_file: path.join(dir, `audit-${name}.jsonl`) },
  };
}

/** A signed tool call through `replica` (the proof made here unless one is given). */
function call(replica: Replica, token: string, holder: Identity, tool: string, proof?: string): Promise<Response> {
  const body = JSON.stringify({ q: tool });
  const target = `/mcp/tools/${tool}`;
  const signed = proof ?? signRequest(holder, { token, method: 'POST', path: target, body, audience: AUDIENCE });
  return fetch(`${replica.url}${target}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-aip-token': token, 'x-aip-proof': signed },
    body,
  });
}

/** Requests the upstream actually ran for `tool`, by the proxy's request id. */
function ranAtUpstream(tool: string): string[] {
  return upstream.log.http
    .filter((r) => r.url === `/mcp/tools/${tool}`)
    .map((r) => r.headers['x-aip-request-id'] as string);
}

/** Retries `attempt` until it answers `status` (a store coming back); bounded. */
async function until(status: number, attempt: () => Promise<Response>): Promise<Response> {
  for (let i = 0; ; i++) {
    const res = await attempt();
    if (res.status === status || i >= 200) return res;
    await res.arrayBuffer();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.skipIf(missing !== undefined)('two aip-proxy replicas on Redis and PostgreSQL', () => {
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'aip-replicas-'));
    writeFileSync(path.join(dir, 'session.secret'), randomBytes(32), { mode: 0o600 });
    [redis, postgres, upstream] = await Promise.all([startRedis(), startPostgres(), startPlainUpstream()]);
    [a, b] = await Promise.all([
      startReplica(dir, 'replica-a', replicaConfig('replica-a')),
      startReplica(dir, 'replica-b', replicaConfig('replica-b')),
    ]);
    ledger = await openPostgresLedger(postgres.url);
  }, 90_000);
  afterAll(async () => {
    await killReplicas();
    await ledger?.close();
    await Promise.all([upstream?.close(), redis?.stop(), postgres?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('refuses at replica B a proof replica A accepted', async () => {
    const token = p.token(['tool:once']);
    const body = JSON.stringify({ q: 'once' });
    const proof = signRequest(p.agent, { token, method: 'POST', path: '/mcp/tools/once', body, audience: AUDIENCE });
    const first = await call(a, token, p.agent, 'once', proof);
    expect(first.status).toBe(200);
    const replayed = await call(b, token, p.agent, 'once', proof);
    expect(replayed.status).toBe(401);
    expect(await errorOf(replayed)).toMatchObject({ code: 'aip_proof_invalid', message: 'proof was already used' });
    expect((await call(a, token, p.agent, 'once', proof)).status).toBe(401);
    expect(ranAtUpstream('once')).toHaveLength(1);
  });

  it('holds a rate limit across replicas', async () => {
    const token = p.token(['tool:limited']);
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => call(i % 2 ? a : b, token, p.agent, 'limited')),
    );
    expect(answers.filter((r) => r.status === 200)).toHaveLength(4);
    const refused = answers.filter((r) => r.status === 429);
    expect(refused).toHaveLength(8);
    expect((await errorOf(refused[0] as Response)).code).toBe('aip_rate_limited');
    expect(ranAtUpstream('limited')).toHaveLength(4);
  });

  it('lets subagents of one token, 32 clients across both replicas, spend exactly its ceiling', async () => {
    const root = issueToken(p.operator, { sub: p.agent.did, scope: ['tool:fanout'], budgetUsd: 1, maxDepth: 1 });
    const rootId = (decodeToken(root)[0] as { id: string }).id;
    const subagents = Array.from({ length: 8 }, () => generateIdentity());
    const chains = subagents.map((s, i) =>
      delegate(root, p.agent, { to: s.did, scope: ['tool:fanout'], budgetUsd: 0.5, context: `shard ${i}` }),
    );
    const statuses = await Promise.all(
      Array.from({ length: 32 }, async (_, client) => {
        const out: number[] = [];
        for (let i = 0; i < 5; i++) {
          const res = await call(
            (client + i) % 2 ? a : b,
            chains[client % 8] as string,
            subagents[client % 8] as Identity,
            'fanout',
          );
          await res.arrayBuffer();
          out.push(res.status);
        }
        return out;
      }),
    );
    const flat = statuses.flat();
    expect(flat.filter((s) => s === 200)).toHaveLength(100);
    expect(flat.filter((s) => s === 403)).toHaveLength(60);
    expect(ranAtUpstream('fanout')).toHaveLength(100);
    const [spend] = await ledger.report([rootId]);
    expect(spend).toMatchObject({ spent_usd: 1, calls: 100, budget_usd: 1 });

    // The same request id charged again (a retry through the other replica) is charged once.
    const again = ranAtUpstream('fanout')[0] as string;
    const retried = await ledger.charge(again, [{ id: rootId, budget: 1 }], 0.01, {
      subject: p.agent.did,
      tools: ['fanout'],
      now: Math.floor(Date.now() / 1000),
    });
    expect(retried).toEqual({ ok: true, charged: true, cost: 0.01 });
    expect((await ledger.report([rootId]))[0]).toMatchObject({ spent_usd: 1, calls: 100 });

    // The operator reads the shared ledger with the CLI.
    const shown = await exec(AIP, ['budget', 'show', chains[0] as string, '--postgres', postgres.url, '--json']);
    expect(shown.code).toBe(0);
    const segments = (JSON.parse(shown.stdout) as { segments: { id: string; spent_usd: number }[] }).segments;
    expect(segments[0]).toMatchObject({ id: rootId, spent_usd: 1 });
    expect(segments[1]?.spent_usd).toBeGreaterThan(0);
  });

  it('refuses to start on a Redis that may evict keys, or a store it cannot reach, never showing a password', async () => {
    const evicting = await startRedis();
    try {
      const { Redis } = await import('ioredis');
      const admin = new Redis(evicting.url);
      await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
      admin.disconnect();
      const url = evicting.url.replace('redis://', 'redis://:hunter2-secret@');
      const config = path.join(dir, 'evicting.toml');
      writeFileSync(
        config,
        `[proxy]\nupstream = "${upstream.url}"\ntrust_keys = ["${p.operator.did}"]\n[state]\nredis_url = "${url}"\n`,
      );
      const refused = await exec(PROXY, ['--config', config]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('invalid configuration: state.redis_url: redis://:***@127.0.0.1');
      expect(refused.stderr).toContain('maxmemory-policy allkeys-lru; it must be noeviction');
      expect(refused.stderr).not.toContain('hunter2-secret');
      expect(refused.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await evicting.stop();
    }
    const unreachable = path.join(dir, 'unreachable.toml');
    writeFileSync(
      unreachable,
      `[proxy]\nupstream = "${upstream.url}"\ntrust_keys = ["${p.operator.did}"]\n[state]\nredis_url = "redis://:hunter2-secret@127.0.0.1:${evicting.port}"\n`,
    );
    const down = await exec(PROXY, ['--config', unreachable]);
    expect(down.code).toBe(2);
    expect(down.stderr).toContain('state.redis_url: cannot reach');
    expect(down.stderr).not.toContain('hunter2-secret');
    const noLedger = path.join(dir, 'no-ledger.toml');
    writeFileSync(
      noLedger,
      `[proxy]\nupstream = "${upstream.url}"\ntrust_keys = ["${p.operator.did}"]\n[budget]\n[state]\npostgres_url = "postgresql://aip:hunter2-secret@127.0.0.1:${evicting.port}/aip"\n`,
    );
    const noDb = await exec(PROXY, ['--config', noLedger]);
    expect(noDb.code).toBe(2);
    expect(noDb.stderr).toContain(
      `state.postgres_url: cannot open the ledger at postgresql://aip:***@127.0.0.1:${evicting.port}/aip (ECONNREFUSED)`,
    );
    expect(noDb.stderr).not.toContain('hunter2-secret');
    expect(noDb.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);

  it("records each replica's id at the start of its audit chain, in PostgreSQL or in a file", async () => {
    const fromFile = verifyAuditLog(readFileSync(path.join(dir, 'audit-replica-b.jsonl'), 'utf8'));
    expect(fromFile).toMatchObject({ ok: true, replicas: ['replica-b'] });
    const checked = await exec(AIP, [
      'audit',
      'verify',
      '--postgres',
      postgres.url,
      '--replica',
      'replica-a',
      '--json',
    ]);
    expect(checked.code).toBe(0);
    const verdict = JSON.parse(checked.stdout) as { valid: boolean; replicas: string[]; lines: number };
    expect(verdict).toMatchObject({ valid: true, replicas: ['replica-a'] });
    expect(verdict.lines).toBeGreaterThan(50);
  });

  it('fails closed while Redis is down, and serves again when it returns', async () => {
    const token = p.token(['tool:outage']);
    await redis.stop({ keepData: true });
    try {
      const refused = await call(a, token, p.agent, 'outage');
      expect(refused.status).toBe(503);
      const error = await errorOf(refused);
      expect(error.code).toBe('aip_stores_unavailable');
      expect(error.message).toMatch(/^Redis unavailable/);
      expect(error.message).not.toContain(String(redis.port));
      const readiness = await fetch(`${a.url}/readyz`);
      expect(readiness.status).toBe(503);
      expect(((await readiness.json()) as { checks: Record<string, string> }).checks.redis).toBe('unreachable');
    } finally {
      await redis.restart();
    }
    expect((await until(200, () => call(a, token, p.agent, 'outage'))).status).toBe(200);
    expect((await until(200, () => call(b, token, p.agent, 'outage'))).status).toBe(200);
  }, 60_000);

  it('fails closed after reconnecting to a Redis that may evict keys, until it never does again', async () => {
    const token = p.token(['tool:evict']);
    const { Redis } = await import('ioredis');
    const admin = new Redis(redis.url);
    try {
      await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
      // What a failover to a server configured otherwise looks like to the replicas: a reconnection.
      await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
      // While it reconnects the replica answers "not connected", then that the policy is not
      // checked yet; then it names the policy.
      let error: { code: string; message: string } | undefined;
      for (let i = 0; i < 200 && !error?.message.includes('allkeys-lru'); i++) {
        const res = await call(a, token, p.agent, 'evict');
        if (res.status === 503) error = await errorOf(res);
        else await res.arrayBuffer();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(error).toEqual({
        code: 'aip_stores_unavailable',
        message: 'Redis unavailable: maxmemory-policy is allkeys-lru, not noeviction',
      });
    } finally {
      await admin.config('SET', 'maxmemory-policy', 'noeviction');
      await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
      admin.disconnect();
    }
    expect((await until(200, () => call(a, token, p.agent, 'evict'))).status).toBe(200);
    expect((await until(200, () => call(b, token, p.agent, 'evict'))).status).toBe(200);
  }, 60_000);

  it('fails closed while PostgreSQL is down, writing nothing half-way, and serves again when it returns', async () => {
    const root = issueToken(p.operator, { sub: p.agent.did, scope: ['tool:pgout'], budgetUsd: 5 });
    const rootId = (decodeToken(root)[0] as { id: string }).id;
    expect((await until(200, () => call(b, root, p.agent, 'pgout'))).status).toBe(200);
    await postgres.stop({ keepData: true });
    try {
      const refused = await call(b, root, p.agent, 'pgout');
      expect(refused.status).toBe(503);
      const error = await errorOf(refused);
      expect(error.code).toBe('aip_stores_unavailable');
      expect(error.message).toMatch(/^PostgreSQL unavailable/);
      expect(error.message).not.toContain(String(postgres.port));
    } finally {
      await postgres.restart();
    }
    expect((await until(200, () => call(b, root, p.agent, 'pgout'))).status).toBe(200);
    expect((await until(200, () => call(a, root, p.agent, 'pgout'))).status).toBe(200);
    // Every call the upstream ran is charged once; the refused ones are not charged at all.
    const ran = ranAtUpstream('pgout');
    const charges = (await ledger.charges(undefined, 100_000)).filter((c) => c.chain[0] === rootId);
    expect(charges.map((c) => c.request_id).sort()).toEqual([...ran].sort());
    expect((await ledger.report([rootId]))[0]).toMatchObject({ calls: ran.length, spent_usd: ran.length / 100 });
  }, 60_000);

  it('loses no charge and counts none twice when a replica is killed mid-load', async () => {
    const root = issueToken(p.operator, { sub: p.agent.did, scope: ['tool:crash'], budgetUsd: 100 });
    const rootId = (decodeToken(root)[0] as { id: string }).id;
    let answered = 0;
    const killed = (async () => {
      while (answered < 60) await new Promise((resolve) => setTimeout(resolve, 5));
      await a.kill();
    })();
    await Promise.all(
      Array.from({ length: 32 }, async (_, client) => {
        for (let i = 0; i < 8; i++) {
          try {
            const res = await call((client + i) % 2 ? a : b, root, p.agent, 'crash');
            await res.arrayBuffer();
          } catch {
            // Replica A went away with this request in flight.
          }
          answered++;
        }
      }),
    );
    await killed;
    // What a reconciliation does once the pending window has passed: the dead replica's charges
    // left pending become `unknown`, still charged.
    await ledger.expire(Math.floor(Date.now() / 1000) + 1);
    const ran = new Set(ranAtUpstream('crash'));
    const charges = (await ledger.charges(undefined, 100_000)).filter((c) => c.chain[0] === rootId);
    const ids = charges.map((c) => c.request_id);
    expect(new Set(ids).size).toBe(ids.length);
    const kept = charges.filter((c) => c.state !== 'refunded');
    const keptIds = new Set(kept.map((c) => c.request_id));
    // Every call the upstream ran is charged and kept; no charge is pending any more.
    for (const id of ran) expect(keptIds.has(id)).toBe(true);
    expect(charges.filter((c) => c.state === 'pending')).toHaveLength(0);
    expect(charges.filter((c) => c.state === 'delivered').length).toBeLessThanOrEqual(ran.size);
    const [spend] = await ledger.report([rootId]);
    expect(spend?.calls).toBe(kept.length);
    expect(spend?.spent_usd).toBeCloseTo(kept.length / 100, 9);
    expect(ran.size).toBeGreaterThan(0);
  }, 60_000);
});

describe.skipIf(missing !== undefined)('sessions across replicas sharing a session secret', () => {
  let sessionDir: string;
  let stateful: Upstream;
  const replicas: RunningProxy[] = [];

  beforeAll(async () => {
    sessionDir = mkdtempSync(path.join(tmpdir(), 'aip-replica-sessions-'));
    const shared = path.join(sessionDir, 'shared.secret');
    const other = path.join(sessionDir, 'other.secret');
    writeFileSync(shared, randomBytes(32), { mode: 0o600 });
    writeFileSync(other, randomBytes(32), { mode: 0o600 });
    stateful = await startStatefulUpstream();
    for (const secret of [shared, shared, other])
      replicas.push(await startProxy(stateful.url, [p.operator.did], {}, { state: { session_secret_file: secret } }));
  });
  afterAll(async () => {
    for (const r of replicas) await r.close({ graceMs: 100 });
    await stateful.close();
    rmSync(sessionDir, { recursive: true, force: true });
  });

  const post = (url: string, token: string, message: unknown, session?: string) =>
    fetch(`${url}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'x-aip-token': token,
        ...(session === undefined ? {} : { 'mcp-session-id': session }),
      },
      body: JSON.stringify(message),
    });

  it('serves a session made through A at B to its owner only, and not at a replica without the secret', async () => {
    const [first, second, stranger] = replicas as [RunningProxy, RunningProxy, RunningProxy];
    const owner = p.token(['tool:*']);
    const other = issueToken(p.operator, { sub: p.stranger.did, scope: ['tool:*'] });
    const init = await post(first.url, owner, {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'e2e', version: '1' } },
    });
    expect(init.status).toBe(200);
    await init.arrayBuffer();
    const session = init.headers.get('mcp-session-id') as string;
    expect(session).toBeTruthy();
    const ping = { jsonrpc: '2.0', id: 2, method: 'ping' };

    const byOther = await post(second.url, other, ping, session);
    expect(byOther.status).toBe(403);
    expect((await errorOf(byOther)).code).toBe('aip_session_forbidden');

    const byOwner = await post(second.url, owner, ping, session);
    expect(byOwner.status).toBe(200);
    expect(await byOwner.text()).toContain('"id":2');

    const elsewhere = await post(stranger.url, owner, ping, session);
    expect(elsewhere.status).toBe(404);
    expect((await errorOf(elsewhere)).code).toBe('aip_session_unknown');
  });
});

describe.skipIf(missing !== undefined)('tasks across replicas sharing Redis', () => {
  let taskRedis: RunningService;
  let tasks: Upstream;
  const replicas: RunningProxy[] = [];

  beforeAll(async () => {
    [taskRedis, tasks] = await Promise.all([startRedis(), startTaskUpstream()]);
    for (let i = 0; i < 2; i++)
      replicas.push(await startProxy(tasks.url, [p.operator.did], {}, { state: { redis_url: taskRedis.url } }));
  });
  afterAll(async () => {
    for (const r of replicas) await r.close({ graceMs: 100 });
    await tasks?.close();
    await taskRedis?.stop();
  });

  const rpc = (method: string, params: unknown, id = 1) => ({ jsonrpc: '2.0', id, method, params });
  const post = (url: string, token: string, message: unknown) =>
    fetch(`${url}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-11-25',
        'x-aip-token': token,
      },
      body: JSON.stringify(message),
    });

  it("keeps a task created through one replica its creator's at the other", async () => {
    const [first, second] = replicas as [RunningProxy, RunningProxy];
    const creator = p.token(['tool:admin']);
    const other = issueToken(p.operator, { sub: p.stranger.did, scope: ['tool:*'] });
    const created = await post(
      first.url,
      creator,
      rpc('tools/call', { name: 'admin', arguments: { q: 'payroll' }, task: { ttl: 60_000 } }),
    );
    expect(created.status).toBe(200);
    const taskId = ((await created.json()) as { result: { task: { taskId: string } } }).result.task.taskId;
    const refused = await post(second.url, other, rpc('tasks/get', { taskId }, 9));
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ id: 9, error: { message: 'Invalid params: unknown task' } });
    const mine = await post(second.url, creator, rpc('tasks/result', { taskId }));
    expect(mine.status).toBe(200);
    expect(await mine.text()).toContain('admin result for payroll');
  });
});
