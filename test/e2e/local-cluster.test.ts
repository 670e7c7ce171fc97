// The local cluster an operator tries replicas out with (deploy/local-cluster.mjs): real
// PostgreSQL and Redis, two registry replicas and two aip-proxy replicas on loopback. What one
// replica of each accepts, the other sees; SIGTERM stops every process and removes the data.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { signRequest } from '@aip/token';
import { createVouch } from '@aip/trust';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, principals } from '../fixtures/proxy.js';
import { servicesMissing } from '../fixtures/services.js';
import { startPlainUpstream, type Upstream } from '../fixtures/upstreams.js';

const missing = servicesMissing();
const SCRIPT = fileURLToPath(new URL('../../deploy/local-cluster.mjs', import.meta.url));
const p = principals();

interface Cluster {
  postgres: string;
  redis: string;
  registries: [string, string];
  proxies: [string, string];
  audience: string;
  dir: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The pids of every process of the cluster (its children and theirs). */
function descendants(pid: number): number[] {
  const out = execFileSync('ps', ['-e', '-o', 'pid=,ppid=']).toString();
  const pairs = out
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number) as [number, number]);
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift() as number;
    for (const [child, ppid] of pairs)
      if (ppid === parent) {
        found.push(child);
        queue.push(child);
      }
  }
  return found;
}

describe.skipIf(missing !== undefined)('the local cluster (deploy/local-cluster.mjs)', () => {
  let upstream: Upstream;
  let child: ChildProcess;
  let cluster: Cluster;

  beforeAll(async () => {
    upstream = await startPlainUpstream();
    child = spawn(process.execPath, [SCRIPT, '--upstream', upstream.url, '--trust-key', p.operator.did], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    cluster = await new Promise<Cluster>((resolve, reject) => {
      child.stdout?.on('data', (d: Buffer) => {
        stdout += d.toString();
        const line = stdout.split('\n').find((l) => l.startsWith('{'));
        if (line !== undefined && stdout.includes('\n')) resolve(JSON.parse(line) as Cluster);
      });
      child.once('exit', (code) => reject(new Error(`the cluster exited (${code}): ${stderr}`)));
    });
  }, 120_000);

  afterAll(async () => {
    if (child !== undefined && child.exitCode === null) {
      child.kill('SIGKILL');
    }
    await upstream?.close();
  });

  it('runs two registries and two proxies on shared PostgreSQL and Redis', async () => {
    expect(cluster.postgres).toMatch(/^postgresql:\/\/postgres@127\.0\.0\.1:\d+\/aip$/);
    expect(cluster.redis).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    for (const url of [...cluster.registries, ...cluster.proxies])
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  it('shows a vouch posted to one registry in the other', async () => {
    const [a, b] = cluster.registries;
    const vouch = createVouch(p.operator, { subject: p.agent.did, scope: 'tool:search' });
    const posted = await fetch(`${a}/v1/vouches`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(vouch),
    });
    expect(posted.status).toBe(201);
    const score = async () => {
      const query = new URLSearchParams({ from: p.operator.did, to: p.agent.did, scope: 'tool:search' });
      const res = await fetch(`${b}/v1/trust/score?${query}`);
      return ((await res.json()) as { score?: number }).score;
    };
    await expect.poll(score, { timeout: 5000 }).toBe(1);
  });

  it('serves a signed call through either proxy, and refuses its proof replayed at the other', async () => {
    const [a, b] = cluster.proxies;
    const token = p.token(['tool:search']);
    const body = JSON.stringify({ q: 'cluster' });
    const proof = signRequest(p.agent, {
      token,
      method: 'POST',
      path: '/mcp/tools/search',
      body,
      audience: cluster.audience,
    });
    const send = (url: string) =>
      fetch(`${url}/mcp/tools/search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-aip-token': token, 'x-aip-proof': proof },
        body,
      });
    expect((await send(a)).status).toBe(200);
    const replayed = await send(b);
    expect(replayed.status).toBe(401);
    expect((await errorOf(replayed)).code).toBe('aip_proof_invalid');
  });

  it('stops every process and removes its data on SIGTERM', async () => {
    const pids = descendants(child.pid as number);
    expect(pids.length).toBeGreaterThanOrEqual(6);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(pids.filter(alive)).toEqual([]);
    expect(existsSync(cluster.dir)).toBe(false);
  }, 60_000);
});
