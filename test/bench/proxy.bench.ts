// aip-proxy benchmarks (DESIGN §8): throughput through the proxy vs direct at 32 keep-alive
// clients, latency added at p50, delay added to the first SSE event, proxy RSS under load. The
// upstream, the proxy and the load generator are separate processes; every baseline is measured
// against the same upstream in the same run.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateIdentity } from '@aip/identity';
import { issueToken } from '@aip/token';
import { Pool } from 'undici';
import { median, result, type Suite } from './harness.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const PROXY_BIN = path.resolve(here, '../../apps/cli/dist/proxy-main.js');
const BODY = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'search', arguments: { q: 'benchmark' } },
});

function startProcess(
  command: string,
  args: string[],
  ready: RegExp,
  stream: 'stdout' | 'stderr',
): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  return new Promise((resolve, reject) => {
    child[stream]?.on('data', (d: Buffer) => {
      text += d.toString();
      const match = ready.exec(text);
      if (match !== null) resolve({ child, match });
    });
    child.on('exit', (code) => reject(new Error(`${command} exited with ${code}: ${text}`)));
  });
}

/** Requests per second with `connections` keep-alive clients looping for `ms`. */
async function throughput(
  url: string,
  headers: Record<string, string>,
  connections: number,
  ms: number,
): Promise<number> {
  const pool = new Pool(url, { connections, pipelining: 1 });
  let done = 0;
  let running = true;
  const worker = async () => {
    while (running) {
      const res = await pool.request({ method: 'POST', path: '/mcp', headers, body: BODY });
      await res.body.arrayBuffer();
      if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
      done++;
    }
  };
  const warm = Array.from({ length: connections }, worker);
  await new Promise((r) => setTimeout(r, 500));
  const start = done;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  const count = done - start;
  const elapsed = performance.now() - t0;
  running = false;
  await Promise.all(warm);
  await pool.close();
  return (count / elapsed) * 1000;
}

/** Sequential request latencies (ms) on one keep-alive connection. */
async function latencies(url: string, headers: Record<string, string>, n: number): Promise<number[]> {
  const pool = new Pool(url, { connections: 1 });
  const out: number[] = [];
  for (let i = 0; i < n + 100; i++) {
    const t0 = performance.now();
    const res = await pool.request({ method: 'POST', path: '/mcp', headers, body: BODY });
    await res.body.arrayBuffer();
    if (i >= 100) out.push(performance.now() - t0);
  }
  await pool.close();
  return out;
}

/** Time (ms) from sending a GET to the first SSE event bytes. */
async function firstEvent(url: string, headers: Record<string, string>, n: number): Promise<number[]> {
  const pool = new Pool(url, { connections: 1 });
  const out: number[] = [];
  for (let i = 0; i < n + 20; i++) {
    const t0 = performance.now();
    const res = await pool.request({
      method: 'GET',
      path: '/mcp',
      headers: { ...headers, accept: 'text/event-stream' },
    });
    for await (const chunk of res.body) {
      if ((chunk as Buffer).includes('\n\n')) break;
    }
    if (i >= 20) out.push(performance.now() - t0);
    res.body.destroy();
  }
  await pool.close();
  return out;
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) / 1024;
}

export const proxySuite: Suite = {
  name: 'proxy',
  async run() {
    const operator = generateIdentity();
    const agent = generateIdentity();
    const token = issueToken(operator, { sub: agent.did, scope: ['tool:search'], ttl: 3600 });
    const dir = mkdtempSync(path.join(tmpdir(), 'aip-bench-'));
    const children: ChildProcess[] = [];
    try {
      // The MCP server of the proxy tests (official SDK) is the upstream the targets are held
      // against; a trivial responder shows the proxy's raw per-request ceiling next to it.
      const upstream = await startProcess(
        process.execPath,
        ['--import', 'tsx', path.join(here, 'sdk-upstream.ts')],
        /(http:\/\/\S+)\n/,
        'stdout',
      );
      children.push(upstream.child);
      const upstreamUrl = upstream.match[1] as string;
      const trivial = await startProcess(
        process.execPath,
        ['--import', 'tsx', path.join(here, 'fast-upstream.ts')],
        /(http:\/\/\S+)\n/,
        'stdout',
      );
      children.push(trivial.child);
      const trivialUrl = trivial.match[1] as string;
      const proxy = await startProcess(
        process.execPath,
        [
          PROXY_BIN,
          '--upstream',
          upstreamUrl,
          '--port',
          '0',
          '--trust-key',
          operator.did,
          '--log-file',
          path.join(dir, 'audit.jsonl'),
        ],
        /listening on (http:\/\/\S+)[\s\S]*audit log/,
        'stderr',
      );
      children.push(proxy.child);
      const proxyUrl = proxy.match[1] as string;
      const trivialProxy = await startProcess(
        process.execPath,
        [
          PROXY_BIN,
          '--upstream',
          trivialUrl,
          '--port',
          '0',
          '--trust-key',
          operator.did,
          '--log-file',
          path.join(dir, 'audit-trivial.jsonl'),
        ],
        /listening on (http:\/\/\S+)[\s\S]*audit log/,
        'stderr',
      );
      children.push(trivialProxy.child);
      const trivialProxyUrl = trivialProxy.match[1] as string;
      const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
      const authed = { ...headers, 'x-aip-token': token };

      // Alternate direct and proxied runs so drift affects both alike.
      const direct: number[] = [];
      const proxied: number[] = [];
      for (let round = 0; round < 3; round++) {
        direct.push(await throughput(upstreamUrl, headers, 32, 2000));
        proxied.push(await throughput(proxyUrl, authed, 32, 2000));
      }
      const rss = rssMb(proxy.child.pid as number);
      const trivialDirect = await throughput(trivialUrl, headers, 32, 2000);
      const trivialProxied = await throughput(trivialProxyUrl, authed, 32, 2000);

      const directLatency = median(await latencies(upstreamUrl, headers, 1000));
      const proxiedLatency = median(await latencies(proxyUrl, authed, 1000));
      const directFirst = median(await firstEvent(trivialUrl, headers, 300));
      const proxiedFirst = median(await firstEvent(trivialProxyUrl, authed, 300));

      return [
        result('proxy.throughput', median(proxied), 'req/s', median(direct), '>= 0.6'),
        result('proxy.throughput.trivial_upstream', trivialProxied, 'req/s', trivialDirect, null),
        result('proxy.added_p50', proxiedLatency - directLatency, 'ms', null, '<= 1 ms'),
        result('proxy.sse_first_event', proxiedFirst - directFirst, 'ms', null, '<= 10 ms'),
        result('proxy.rss', rss, 'MB', null, '<= 150 MB'),
      ];
    } finally {
      for (const child of children) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
