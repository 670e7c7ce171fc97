// An agent that signs every MCP tool call it makes through aip-proxy, using the official MCP SDK
// client. Run (after pnpm build): pnpm -C examples exec tsx signed-tool-calls.ts
//
// The first half plays the operator (an MCP server with no auth of its own, put behind aip-proxy
// with proofs required); the second half is all an agent needs: its identity, its token, and
// `createAipFetch` handed to the SDK transport.
import { startDemoServer } from '@aip/cli';
import { generateIdentity } from '@aip/identity';
import { createAipFetch } from '@aip/mcp';
import { createProxy, resolveConfig } from '@aip/proxy';
import { issueToken } from '@aip/token';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

// --- operator: an MCP server behind aip-proxy, trusting the operator's key, proofs required ---
const operator = generateIdentity();
const server = await startDemoServer();
const proxy = await createProxy({
  config: resolveConfig({
    proxy: { upstream: server.url, trust_keys: [operator.did], port: 0 },
    pop: { required: true },
  }),
  auditLog: {
    write: (line) => console.log(`  audit: ${line.decision} ${line.status} ${line.method} ${line.tool ?? ''}`),
    healthy: () => true,
    close() {},
  },
});
await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
const url = proxy.audience();

// --- agent: a self-minted identity and a token the operator issued to it ---
const agent = generateIdentity();
const token = issueToken(operator, { sub: agent.did, scope: ['tool:search'], ttl: 600 });

const client = new Client({ name: 'signing-agent', version: '1.0.0' });
await client.connect(
  new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
    // X-AIP-Token on every request, and an X-AIP-Proof signed by `agent` over method, path and body.
    fetch: createAipFetch({ token, holder: agent }),
  }),
);
const { tools } = await client.listTools();
console.log(`tools this agent may use: ${tools.map((t) => t.name).join(', ')}`);
const result = await client.callTool({ name: 'search', arguments: { q: 'proof' } });
console.log(`search -> ${(result.content as { text: string }[])[0]?.text}`);
try {
  await client.callTool({ name: 'delete', arguments: {} });
} catch (err) {
  console.log(`delete -> refused (${/aip_[a-z_]+/.exec(String(err))?.[0]})`);
}
await client.close();

// Without the proof the same token is refused: a stolen token alone is worthless here.
const unsigned = new Client({ name: 'token-thief', version: '1.0.0' });
await unsigned
  .connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { fetch: createAipFetch({ token }) }))
  .catch((err: unknown) => {
    console.log(`the token without proofs -> refused (${/aip_[a-z_]+/.exec(String(err))?.[0]})`);
  });

await proxy.close({ graceMs: 100 });
await server.close();
