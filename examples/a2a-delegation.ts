// One identity across A2A and MCP: an orchestrator reads a remote A2A agent's did:key from its
// agent card, delegates a narrowed slice of its grant to exactly that agent, and sends it a task
// through aip-proxy; the agent (an unmodified @a2a-js/sdk server) presents the chain it received to
// the notes MCP server, behind another aip-proxy, to search on the orchestrator's behalf. One
// hash-chained audit log shows the three hops: operator -> orchestrator -> researcher -> tool.
// Run (after pnpm build): pnpm -C examples exec tsx a2a-delegation.ts
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AgentCard, SendMessageRequest, Task, TaskStatusUpdateEvent } from '@a2a-js/sdk';
import { ClientFactory, ClientFactoryOptions, JsonRpcTransportFactory } from '@a2a-js/sdk/client';
import {
  AgentEvent,
  type AgentExecutor,
  DefaultRequestHandler,
  InMemoryTaskStore,
  STATE_HEADERS_KEY,
} from '@a2a-js/sdk/server';
import { agentCardHandler, jsonRpcHandler, UserBuilder } from '@a2a-js/sdk/server/express';
import { agentIdentityOf, createA2aFetch } from '@aip/a2a';
import { startDemoServer } from '@aip/cli';
import { generateIdentity } from '@aip/identity';
import { createAipFetch } from '@aip/mcp';
import { type AipProxy, type AuditLog, createProxy, openAuditLog, resolveConfig, verifyAuditLog } from '@aip/proxy';
import { decodeToken, delegate, issueToken } from '@aip/token';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import express from 'express';

const operator = generateIdentity(); // runs the notes server and the researcher; trusts only itself
const orchestrator = generateIdentity();
const researcher = generateIdentity(); // the remote agent's own key

// --- one audit log for both proxies, so the whole story is one hash chain ---
const dir = mkdtempSync(path.join(tmpdir(), 'aip-a2a-'));
const logFile = path.join(dir, 'audit.jsonl');
const log = openAuditLog(logFile);
const auditLog: AuditLog = { write: (record) => log.write(record), healthy: () => log.healthy(), close() {} };

async function listen(proxy: AipProxy): Promise<string> {
  await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(proxy.server.address() as AddressInfo).port}`;
}

// --- the notes MCP server behind aip-proxy: signed calls, $0.05 a call ---
const notes = await startDemoServer();
const toolsProxy = await createProxy({
  config: resolveConfig({
    proxy: { upstream: notes.url, trust_keys: [operator.did], port: 0 },
    pop: { required: true },
    budget: { ledger: ':memory:', costs: { 'tool:*': 0.05 } },
  }),
  auditLog,
});
const toolsUrl = await listen(toolsProxy);

// --- the researcher: an ordinary @a2a-js/sdk agent; it searches the notes with the chain it was handed ---
async function search(chain: string, q: string): Promise<string> {
  const mcp = new McpClient({ name: 'researcher', version: '1.0.0' });
  await mcp.connect(
    new StreamableHTTPClientTransport(new URL(`${toolsUrl}/mcp`), {
      fetch: createAipFetch({ token: chain, holder: researcher }),
    }),
  );
  try {
    const result = await mcp.callTool({ name: 'search', arguments: { q } });
    return (result.content as { text: string }[])[0]?.text ?? '';
  } finally {
    await mcp.close();
  }
}

const app = express();
const agentServer: Server = app.listen(0, '127.0.0.1');
await new Promise<void>((resolve) => agentServer.once('listening', resolve));
const agentUrl = `http://127.0.0.1:${(agentServer.address() as AddressInfo).port}`;
const card = AgentCard.fromJSON({
  name: 'researcher',
  description: 'Searches the notes for its caller',
  version: '1.0.0',
  supportedInterfaces: [{ url: `${agentUrl}/a2a/jsonrpc`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' }],
  capabilities: { streaming: true },
  defaultInputModes: ['text/plain'],
  defaultOutputModes: ['text/plain'],
  skills: [{ id: 'search', name: 'search the notes', description: 'finds notes', tags: ['search'] }],
});
const executor: AgentExecutor = {
  async execute(request, bus) {
    const { taskId, contextId } = request;
    bus.publish(AgentEvent.task(Task.fromJSON({ id: taskId, contextId, status: { state: 'TASK_STATE_WORKING' } })));
    // aip-proxy hands the agent the chain delegated to it: the agent holds it, and uses it.
    const headers = request.context.state.get(STATE_HEADERS_KEY) as Record<string, string | undefined>;
    const chain = headers['x-aip-delegation'] as string;
    const part = request.userMessage.parts[0]?.content;
    const found = await search(chain, part?.$case === 'text' ? part.value : '');
    const reply = { messageId: `${taskId}-reply`, taskId, contextId, role: 'ROLE_AGENT', parts: [{ text: found }] };
    bus.publish(
      AgentEvent.statusUpdate(
        TaskStatusUpdateEvent.fromJSON({
          taskId,
          contextId,
          status: { state: 'TASK_STATE_COMPLETED', message: reply },
        }),
      ),
    );
    bus.finished();
  },
  async cancelTask() {},
};
const handler = new DefaultRequestHandler(card, new InMemoryTaskStore(), executor);
app.use('/.well-known/agent-card.json', agentCardHandler({ agentCardProvider: handler }));
app.use('/a2a/jsonrpc', jsonRpcHandler({ requestHandler: handler, userBuilder: UserBuilder.noAuthentication }));

// --- the researcher behind its own aip-proxy, which publishes its did:key in its card ---
const agentProxy = await createProxy({
  config: resolveConfig({
    proxy: { upstream: agentUrl, trust_keys: [operator.did], port: 0 },
    a2a: { agent_did: researcher.did, paths: ['/a2a/jsonrpc'] },
    pop: { required: true },
  }),
  auditLog,
});
const agentProxyUrl = await listen(agentProxy);

// --- hop 1: the operator grants the orchestrator A2A messages, search and summarize, $1 ---
const grant = issueToken(operator, {
  sub: orchestrator.did,
  scope: ['a2a:message', 'tool:search', 'tool:summarize'],
  budgetUsd: 1,
  maxDepth: 2,
  ttl: 900,
});

// --- hop 2: the orchestrator reads who the agent is, and hands exactly it a narrower slice ---
const published = (await (
  await fetch(`${agentProxyUrl}/.well-known/agent-card.json`, { headers: { 'A2A-Version': '1.0' } })
).json()) as Record<string, unknown>;
const agentDid = agentIdentityOf(published)?.did as string;
console.log(`the card names the agent: ${agentDid === researcher.did ? 'researcher' : agentDid}`);
const slice = delegate(grant, orchestrator, {
  to: agentDid,
  scope: ['a2a:message', 'tool:search'],
  budgetUsd: 0.1,
  context: 'research agent identity in the notes',
});
const factory = new ClientFactory(
  ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
    transports: [
      new JsonRpcTransportFactory({
        fetchImpl: createA2aFetch({ token: slice, holder: orchestrator, agent: published }),
      }),
    ],
  }),
);
const client = await factory.createFromAgentCard(AgentCard.fromJSON(published));
const answer = (await client.sendMessage(
  SendMessageRequest.fromJSON({ message: { messageId: 'ask-1', role: 'ROLE_USER', parts: [{ text: 'narrow' }] } }),
)) as Task;
const replyPart = answer.status?.message?.parts[0]?.content;
console.log(`orchestrator -> researcher (A2A): ${replyPart?.$case === 'text' ? replyPart.value : '?'}`);

// --- hop 3 again, by hand: the same chain cannot reach outside its slice ---
const mcp = new McpClient({ name: 'researcher', version: '1.0.0' });
await mcp.connect(
  new StreamableHTTPClientTransport(new URL(`${toolsUrl}/mcp`), {
    fetch: createAipFetch({ token: slice, holder: researcher }),
  }),
);
try {
  await mcp.callTool({ name: 'summarize', arguments: {} });
} catch (err) {
  console.log(`researcher summarize -> refused (${/aip_[a-z_]+/.exec(String(err))?.[0]})`);
}
await mcp.close();

// --- the audit log: every decision of both proxies, one verifiable chain ---
await agentProxy.close({ graceMs: 100 });
await toolsProxy.close({ graceMs: 100 });
log.close();
const text = readFileSync(logFile, 'utf8');
const name = (did: unknown) =>
  ({ [operator.did]: 'operator', [orchestrator.did]: 'orchestrator', [researcher.did]: 'researcher' })[String(did)] ??
  String(did);
const short = (id: string) => id.slice(0, 6);
const [root, link] = decodeToken(slice).map((segment) => short(segment.id));
console.log(`hop 1: operator -> orchestrator, grant ${root} (a2a:message, tool:search, tool:summarize; $1)`);
console.log(`hop 2: orchestrator -> researcher, link ${link} (a2a:message, tool:search; $0.1)`);
console.log('audit log of both proxies (lifecycle lines left out):');
for (const line of text
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as Record<string, unknown>)) {
  if (line.decision === undefined || line.tool === null) continue;
  const chain = (line.chain as string[]).map(short).join(' -> ');
  console.log(
    `  ${line.decision} ${line.method} ${line.tool}: issuer ${name(line.issuer)}, subject ${name(line.subject)}, chain ${chain}`,
  );
}
console.log(`audit chain verifies: ${verifyAuditLog(text).ok}`);

await new Promise<void>((resolve) => agentServer.close(() => resolve()));
await notes.close();
rmSync(dir, { recursive: true, force: true });
