// An orchestrator that delegates narrowed authority to two subagents with different scopes and
// budgets; each calls the MCP server through aip-proxy with its own chain and its own key.
// Run (after pnpm build): pnpm -C examples exec tsx delegation.ts
import { startDemoServer } from '@aip/cli';
import { generateIdentity, type Identity } from '@aip/identity';
import { createAipFetch } from '@aip/mcp';
import { createProxy, resolveConfig } from '@aip/proxy';
import { delegate, issueToken, verifyToken } from '@aip/token';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

// --- operator: the notes server behind aip-proxy; every tool call costs $0.05 ---
const operator = generateIdentity();
const server = await startDemoServer();
const proxy = await createProxy({
  config: resolveConfig({
    proxy: { upstream: server.url, trust_keys: [operator.did], port: 0 },
    budget: { ledger: ':memory:', costs: { 'tool:*': 0.05 } },
  }),
  auditLog: { write() {}, healthy: () => true, close() {} },
});
await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
const url = proxy.audience();

// --- the operator grants the orchestrator search and summarize, $1, two levels of delegation ---
const orchestrator = generateIdentity();
const grant = issueToken(operator, {
  sub: orchestrator.did,
  scope: ['tool:search', 'tool:summarize'],
  budgetUsd: 1,
  maxDepth: 2,
  ttl: 900,
});

// --- the orchestrator splits the work: a researcher that may only search, a writer that may only summarize ---
const researcher = generateIdentity();
const writer = generateIdentity();
const researchChain = delegate(grant, orchestrator, {
  to: researcher.did,
  scope: ['tool:search'],
  budgetUsd: 0.1,
  context: 'find prior art',
});
const writeChain = delegate(grant, orchestrator, {
  to: writer.did,
  scope: ['tool:summarize'],
  budgetUsd: 0.05,
  context: 'summarize the findings',
});

for (const [name, chain] of [
  ['researcher', researchChain],
  ['writer', writeChain],
] as const) {
  const v = verifyToken(chain, { trustedKeys: [operator.did] });
  console.log(
    `${name}: scope ${v.scope.join(', ')}, budget $${v.budgetUsd}, chain ${v.chain.map((l) => l.ctx ?? 'root').join(' -> ')}`,
  );
}

async function session(holder: Identity, chain: string): Promise<Client> {
  const client = new Client({ name: 'subagent', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { fetch: createAipFetch({ token: chain, holder }) }),
  );
  return client;
}

const attempt = async (who: string, client: Client, tool: string) => {
  try {
    const result = await client.callTool({ name: tool, arguments: tool === 'search' ? { q: 'narrow' } : {} });
    console.log(`${who} ${tool} -> ok: ${(result.content as { text: string }[])[0]?.text.split('\n')[0]}`);
  } catch (err) {
    console.log(`${who} ${tool} -> refused (${/aip_[a-z_]+/.exec(String(err))?.[0]})`);
  }
};

const research = await session(researcher, researchChain);
const write = await session(writer, writeChain);
await attempt('researcher', research, 'search');
await attempt('researcher', research, 'summarize'); // outside its slice
await attempt('writer', write, 'summarize');
await attempt('writer', write, 'search'); // outside its slice
await attempt('writer', write, 'summarize'); // its $0.05 is spent
await research.close();
await write.close();

// A subagent cannot widen what it was given: minting a wider link is refused outright.
try {
  delegate(researchChain, researcher, { to: generateIdentity().did, scope: ['tool:*'], context: 'more power' });
} catch (err) {
  console.log(`researcher tries to delegate tool:* -> refused (${(err as { code: string }).code})`);
}

await proxy.close({ graceMs: 100 });
await server.close();
