// `aip connect` benchmarks (DESIGN §10): the latency the bridge adds at p50 over an SDK client
// signing with createAipFetch itself, for the same tool calls through the same aip-proxy (proofs
// required) to the same upstream, in interleaved rounds; and the bridge's memory over 10k calls
// once warm.
// The upstream, the proxy and the bridge are separate processes.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateIdentity } from '@aip/identity';
import { saveIdentity } from '@aip/identity/node';
import { createAipFetch } from '@aip/mcp';
import { issueToken } from '@aip/token';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { median, result, rssMb, type Suite, startBenchServer, startProcess } from './harness.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const PROXY_BIN = path.resolve(here, '../../apps/proxy/dist/main.js');
const AIP_BIN = path.resolve(here, '../../apps/cli/dist/main.js');
const CALL = { name: 'search', arguments: { q: 'benchmark' } };

/** Latencies (ms) of `n` sequential calls. */
async function latencies(client: Client, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await client.callTool(CALL);
    out.push(performance.now() - t0);
  }
  return out;
}

export const connectSuite: Suite = {
  name: 'connect',
  async run() {
    const operator = generateIdentity();
    const agent = generateIdentity();
    const token = issueToken(operator, { sub: agent.did, scope: ['tool:search'], ttl: 3600 });
    const dir = mkdtempSync(path.join(tmpdir(), 'aip-bench-connect-'));
    const children: ChildProcess[] = [];
    const clients: Client[] = [];
    try {
      await saveIdentity(agent, { home: dir, name: 'bench' });
      writeFileSync(path.join(dir, 'token'), token);
      const upstream = await startBenchServer('sdk-upstream.ts', [], children);
      const proxyUrl = (
        await startProcess(
          [
            PROXY_BIN,
            '--upstream',
            upstream,
            '--port',
            '0',
            '--trust-key',
            operator.did,
            '--require-proof',
            '--log-file',
            path.join(dir, 'audit.jsonl'),
          ],
          /"url":"(http:[^"]+)",[^\n]*"msg":"listening"/,
          'stderr',
          children,
        )
      )[1] as string;
      const mcpUrl = new URL(`${proxyUrl}/mcp`);

      // The baseline: the SDK client signing each request itself.
      const direct = new Client({ name: 'bench-direct', version: '1.0.0' });
      clients.push(direct);
      await direct.connect(
        new StreamableHTTPClientTransport(mcpUrl, { fetch: createAipFetch({ token, holder: agent }) }),
      );
      // The candidate: the same client over stdio to `aip connect`, which signs.
      const bridged = new Client({ name: 'bench-bridged', version: '1.0.0' });
      clients.push(bridged);
      const transport = new StdioClientTransport({
        command: process.execPath,
        args: [AIP_BIN, 'connect', mcpUrl.href, '--token-file', path.join(dir, 'token'), '--quiet'],
        env: { PATH: process.env.PATH ?? '', AIP_HOME: dir },
        stderr: 'pipe',
      });
      let bridgeLog = '';
      transport.stderr?.on('data', (chunk: Buffer) => {
        bridgeLog += chunk.toString();
      });
      await bridged.connect(transport);
      const pid = transport.pid as number;

      // Warm both up, then alternate rounds so drift on a busy machine hits both alike.
      await latencies(direct, 500);
      await latencies(bridged, 500);
      const rounds = { direct: [] as number[], bridged: [] as number[] };
      for (let round = 0; round < 6; round++) {
        const order = round % 2 === 0 ? (['direct', 'bridged'] as const) : (['bridged', 'direct'] as const);
        for (const which of order) rounds[which].push(...(await latencies(which === 'direct' ? direct : bridged, 300)));
      }
      const p50Direct = median(rounds.direct);
      const p50Bridged = median(rounds.bridged);

      // Memory over 10k calls: the bridge's RSS once its heap has grown to its working size (V8
      // grows it in steps over the first ~10k calls), then after 10k more.
      await latencies(bridged, 10_000);
      const warm = rssMb(pid);
      await latencies(bridged, 10_000);
      const after = rssMb(pid);

      // The bridge said nothing (--quiet): no warning either, e.g. of listeners piling up.
      if (bridgeLog !== '') throw new Error(`aip connect wrote to stderr: ${bridgeLog.slice(0, 500)}`);
      return [
        result('connect.added_p50', p50Bridged - p50Direct, 'ms', null, '<= 1 ms'),
        result('connect.p50', p50Bridged, 'ms', p50Direct, null),
        result('connect.rss_growth_10k', after - warm, 'MB', warm, '<= 8 MB'),
      ];
    } finally {
      for (const client of clients) await client.close().catch(() => undefined);
      for (const child of children) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
