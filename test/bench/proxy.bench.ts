// aip-proxy benchmarks (DESIGN §8 and the production targets): throughput through the proxy vs
// direct at 32 keep-alive clients (plain, and with signed requests), latency added at p50 (an MCP
// tools/call, and an A2A SendMessage to an @a2a-js/sdk agent), delay added to the first SSE event,
// proxy RSS under load, budget-ledger charges per second, and the effect of metrics scrapes on p50
// latency. The upstream, the proxies and the load generator are
// separate processes; every baseline is measured against the same upstream in the same run.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateIdentity } from '@aip/identity';
import { openBudgetLedger } from '@aip/proxy';
import { delegate, issueToken, signRequest } from '@aip/token';
import { Pool } from 'undici';
import { asyncOpsPerSecond, median, result, rssMb, type Suite, startBenchServer, startProcess } from './harness.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const PROXY_BIN = path.resolve(here, '../../apps/proxy/dist/main.js');
const BODY = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'search', arguments: { q: 'benchmark' } },
});
const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
// An A2A 1.0 SendMessage, as @a2a-js/sdk 1.x sends it.
const A2A = {
  path: '/a2a/jsonrpc',
  body: JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'SendMessage',
    params: { message: { messageId: 'bench', role: 'ROLE_USER', parts: [{ text: 'benchmark' }] }, configuration: {} },
  }),
  headers: { 'content-type': 'application/json', accept: 'application/json', 'a2a-version': '1.0' },
};

type Headers = (i: number) => Record<string, string>;

/** Requests per second with `connections` keep-alive clients looping for `ms`. */
async function throughput(url: string, headers: Headers, connections: number, ms: number): Promise<number> {
  const pool = new Pool(url, { connections, pipelining: 1 });
  let done = 0;
  let sent = 0;
  let running = true;
  const worker = async () => {
    while (running) {
      const res = await pool.request({ method: 'POST', path: '/mcp', headers: headers(sent++), body: BODY });
      await res.body.arrayBuffer();
      if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
      done++;
    }
  };
  const workers = Array.from({ length: connections }, worker);
  await new Promise((r) => setTimeout(r, 500));
  const start = done;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  const count = done - start;
  const elapsed = performance.now() - t0;
  running = false;
  await Promise.all(workers);
  await pool.close();
  return (count / elapsed) * 1000;
}

/** Sequential request latencies (ms) on one keep-alive connection. */
async function latencies(
  url: string,
  headers: Headers,
  n: number,
  request: { path: string; body: string } = { path: '/mcp', body: BODY },
): Promise<number[]> {
  const pool = new Pool(url, { connections: 1 });
  const out: number[] = [];
  for (let i = 0; i < n + 100; i++) {
    const t0 = performance.now();
    const res = await pool.request({ method: 'POST', path: request.path, headers: headers(i), body: request.body });
    await res.body.arrayBuffer();
    if (i >= 100) out.push(performance.now() - t0);
  }
  await pool.close();
  return out;
}

/** Time (ms) from sending a GET to the first SSE event bytes. */
async function firstEvent(url: string, headers: Headers, n: number): Promise<number[]> {
  const pool = new Pool(url, { connections: 1 });
  const out: number[] = [];
  for (let i = 0; i < n + 20; i++) {
    const t0 = performance.now();
    const res = await pool.request({
      method: 'GET',
      path: '/mcp',
      headers: { ...headers(i), accept: 'text/event-stream' },
    });
    for await (const chunk of res.body) if ((chunk as Buffer).includes('\n\n')) break;
    if (i >= 20) out.push(performance.now() - t0);
    res.body.destroy();
  }
  await pool.close();
  return out;
}

/**
 * A victim's p50 (sequential calls) alone and while another principal runs 32 closed loops of
 * abuse: big nested bodies, streams and calls, all through the proxy at `url`.
 */
async function fairnessRatio(url: string, operator: ReturnType<typeof generateIdentity>) {
  const victim = issueToken(operator, { sub: generateIdentity().did, scope: ['tool:search'], ttl: 3600 });
  const abuser = issueToken(operator, { sub: generateIdentity().did, scope: ['*'], ttl: 3600 });
  const auth: Headers = () => ({ ...JSON_HEADERS, 'x-aip-token': victim });
  const alone = median(await latencies(url, auth, 1000));
  const pool = new Pool(url, { connections: 32 });
  const nested = `${'['.repeat(2 * 1024 * 1024)}${']'.repeat(2 * 1024 * 1024)}`;
  let running = true;
  const loops = Array.from({ length: 32 }, async (_, i) => {
    for (let n = i; running; n++) {
      try {
        const res = await pool.request({
          method: n % 3 === 1 ? 'GET' : 'POST',
          path: '/mcp',
          headers: { ...JSON_HEADERS, 'x-aip-token': abuser },
          ...(n % 3 === 1 ? {} : { body: n % 3 === 0 ? nested : BODY }),
          bodyTimeout: 200,
        });
        await res.body.dump();
      } catch {
        // refused or cut: the abuser goes on
      }
    }
  });
  await new Promise((r) => setTimeout(r, 500));
  const underAbuse = median(await latencies(url, auth, 1000));
  running = false;
  await Promise.all(loops);
  await pool.close();
  return { alone, underAbuse };
}

export const proxySuite: Suite = {
  name: 'proxy',
  async run() {
    const operator = generateIdentity();
    const agent = generateIdentity();
    const token = issueToken(operator, { sub: agent.did, scope: ['tool:search'], ttl: 3600 });
    const dir = mkdtempSync(path.join(tmpdir(), 'aip-bench-'));
    const children: ChildProcess[] = [];
    const proxyOf = async (upstream: string, name: string, extra: string[] = []) => {
      const args = [
        PROXY_BIN,
        '--upstream',
        upstream,
        '--port',
        '0',
        '--trust-key',
        operator.did,
        '--log-file',
        path.join(dir, `${name}.jsonl`),
        ...extra,
      ];
      // The proxy logs JSON lines: "metrics" (when asked) comes before "listening".
      const match = await startProcess(
        args,
        /(?:"url":"(http:[^"]+)\/metrics","msg":"metrics"[\s\S]*)?"url":"(http:[^"]+)",[^\n]*"msg":"listening"/,
        'stderr',
        children,
      );
      return { url: match[2] as string, metrics: match[1], pid: children.at(-1)?.pid as number };
    };
    try {
      // The MCP server of the proxy tests (official SDK) is the upstream the targets are held
      // against; a trivial responder shows the proxy's raw per-request ceiling next to it.
      const upstream = await startBenchServer('sdk-upstream.ts', [], children);
      const trivial = await startBenchServer('fast-upstream.ts', [], children);
      const passthrough = await startBenchServer('passthrough-proxy.ts', [trivial], children);
      const agentUpstream = await startBenchServer('a2a-upstream.ts', [], children);
      const plain = await proxyOf(upstream, 'plain');
      // The A2A agent behind aip-proxy: a chain from the operator through an orchestrator to it.
      const agentKey = generateIdentity();
      const a2aConfig = path.join(dir, 'a2a.toml');
      writeFileSync(a2aConfig, `[a2a]\nagent_did = "${agentKey.did}"\npaths = ["${A2A.path}"]\n`);
      const a2aProxy = await proxyOf(agentUpstream, 'a2a', ['--config', a2aConfig]);
      const orchestrator = generateIdentity();
      const grant = issueToken(operator, { sub: orchestrator.did, scope: ['a2a:*'], maxDepth: 1, ttl: 3600 });
      const a2aChain = delegate(grant, orchestrator, {
        to: agentKey.did,
        scope: ['a2a:message'],
        context: 'benchmark',
      });
      const signed = await proxyOf(upstream, 'signed', ['--require-proof']);
      const trivialProxy = await proxyOf(trivial, 'trivial', ['--metrics-port', '0']);
      // aip-proxy as it starts by default (metrics are opt-in), against the pass-through baseline.
      const defaultProxy = await proxyOf(trivial, 'default');

      const direct: Headers = () => JSON_HEADERS;
      const authed: Headers = () => ({ ...JSON_HEADERS, 'x-aip-token': token });
      // A fresh proof per request, signed by the holder, as @aip/mcp's client helper does.
      const signedHeaders: Headers = () => ({
        ...JSON_HEADERS,
        'x-aip-token': token,
        'x-aip-proof': signRequest(agent, { token, method: 'POST', path: '/mcp', body: BODY, audience: signed.url }),
      });

      // Alternate direct and proxied runs so drift affects both alike.
      const rounds = { direct: [] as number[], plain: [] as number[], signed: [] as number[] };
      for (let round = 0; round < 3; round++) {
        rounds.direct.push(await throughput(upstream, direct, 32, 2000));
        rounds.plain.push(await throughput(plain.url, authed, 32, 2000));
        rounds.signed.push(await throughput(signed.url, signedHeaders, 32, 2000));
      }
      const rss = rssMb(plain.pid);
      // Against a minimal pass-through proxy on the same trivial upstream, alternated.
      const trivialDirect = await throughput(trivial, direct, 32, 2000);
      const pass = { aip: [] as number[], metrics: [] as number[], bare: [] as number[] };
      for (let round = 0; round < 3; round++) {
        pass.bare.push(await throughput(passthrough, direct, 32, 2000));
        pass.aip.push(await throughput(defaultProxy.url, authed, 32, 2000));
        pass.metrics.push(await throughput(trivialProxy.url, authed, 32, 2000));
      }
      const trivialProxied = median(pass.aip);

      // One principal at full rate (its configured limits) against another's p50.
      const limits = path.join(dir, 'limits.toml');
      writeFileSync(limits, '[rate_limit]\nprincipal_per_minute = 6000\nmax_concurrent = 4\nmax_streams = 2\n');
      const limited = await proxyOf(trivial, 'limited', ['--config', limits]);
      const fairness = await fairnessRatio(limited.url, operator);

      const directLatency = median(await latencies(upstream, direct, 1000));
      const proxiedLatency = median(await latencies(plain.url, authed, 1000));
      // A2A SendMessage, alternated like the throughput rounds; the MCP figure above is the bar.
      const a2aRounds = { direct: [] as number[], proxied: [] as number[] };
      const a2aHeaders: Headers = () => ({ ...A2A.headers, 'x-aip-token': a2aChain });
      // The MCP proxy above is warm from the throughput rounds: warm this one (and the agent) too.
      await latencies(agentUpstream, () => A2A.headers, 2000, A2A);
      await latencies(a2aProxy.url, a2aHeaders, 3000, A2A);
      for (let round = 0; round < 3; round++) {
        a2aRounds.direct.push(median(await latencies(agentUpstream, () => A2A.headers, 500, A2A)));
        a2aRounds.proxied.push(median(await latencies(a2aProxy.url, a2aHeaders, 500, A2A)));
      }
      const a2aDirect = median(a2aRounds.direct);
      const a2aProxied = median(a2aRounds.proxied);
      const directFirst = median(await firstEvent(trivial, direct, 300));
      const proxiedFirst = median(await firstEvent(trivialProxy.url, authed, 300));

      // p50 latency through the proxy with and without a Prometheus scrape every 100 ms.
      const quiet = median(await latencies(trivialProxy.url, authed, 3000));
      let scraping = true;
      const scraper = (async () => {
        while (scraping) {
          await (await fetch(`${trivialProxy.metrics}/metrics`)).text();
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
      const scraped = median(await latencies(trivialProxy.url, authed, 3000));
      scraping = false;
      await scraper;

      // Charges per second on a 3-segment chain, in a ledger file like the proxy's.
      const ledger = openBudgetLedger(path.join(dir, 'ledger.db'));
      const chain = [
        { id: 'root', budget: null },
        { id: 'link-1', budget: null },
        { id: 'link-2', budget: null },
      ];
      const meta = { subject: agent.did, tools: ['search'], now: Math.floor(Date.now() / 1000) };
      let charged = 0;
      const charges = await asyncOpsPerSecond(() => ledger.charge(`bench-${charged++}`, chain, 0.001, meta), 2000);
      await ledger.close();

      return [
        result('proxy.throughput', median(rounds.plain), 'req/s', median(rounds.direct), '>= 0.6'),
        result('proxy.throughput.signed', median(rounds.signed), 'req/s', median(rounds.direct), '>= 0.5'),
        result('proxy.throughput.trivial_upstream', trivialProxied, 'req/s', trivialDirect, null),
        result('proxy.passthrough', trivialProxied, 'req/s', median(pass.bare), '>= 0.5'),
        result('proxy.passthrough.with_metrics', median(pass.metrics), 'req/s', median(pass.bare), null),
        result('proxy.fairness_p50', fairness.underAbuse, 'ms', fairness.alone, '<= 2'),
        result('proxy.added_p50', proxiedLatency - directLatency, 'ms', null, '<= 1 ms'),
        result('proxy.a2a.added_p50', a2aProxied - a2aDirect, 'ms', null, '<= 1 ms'),
        result('proxy.a2a.p50', a2aProxied, 'ms', a2aDirect, null),
        result('proxy.sse_first_event', proxiedFirst - directFirst, 'ms', null, '<= 10 ms'),
        result('proxy.rss', rss, 'MB', null, '<= 150 MB'),
        result('proxy.ledger', charges, 'charges/s', null, '>= 5000 /s'),
        result('proxy.metrics_scrape_p50', scraped, 'ms', quiet, '<= 1.1'),
      ];
    } finally {
      for (const child of children) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
