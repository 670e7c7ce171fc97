// An ordinary MCP server to put behind aip-proxy (the README's proxy quick start): the official
// SDK's McpServer over stateless Streamable HTTP on 127.0.0.1:3000 ($PORT), with two tools. It
// knows nothing about AIP: the proxy in front of it does all the checking.
//
//   pnpm -C examples exec tsx mcp-server.ts
import { createServer, type IncomingMessage } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

const NOTES = [
  'Agents should carry their own identity: a did:key they mint themselves.',
  'Delegated authority must only ever narrow.',
  'A proof of possession binds a request to its holder.',
];

function notesServer(): McpServer {
  const server = new McpServer({ name: 'notes', version: '1.0.0' });
  server.registerTool('search', { description: 'search the notes', inputSchema: { q: z.string() } }, async ({ q }) => {
    const hits = NOTES.filter((note) => note.toLowerCase().includes(q.toLowerCase()));
    return { content: [{ type: 'text', text: hits.length === 0 ? 'no notes match' : hits.join('\n') }] };
  });
  server.registerTool('summarize', { description: 'summarize the notes', inputSchema: {} }, async () => ({
    content: [{ type: 'text', text: `${NOTES.length} notes about agent identity` }],
  }));
  return server;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}

// Stateless: a fresh server and transport per request, as the SDK's stateless example does.
const http = createServer((req, res) => {
  void (async () => {
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    const transport = new StreamableHTTPServerTransport({});
    res.on('close', () => void transport.close());
    await notesServer().connect(transport);
    await transport.handleRequest(req, res, await readJson(req));
  })().catch(() => {
    if (!res.headersSent) res.writeHead(500).end();
  });
});

const port = Number(process.env.PORT ?? 3000);
http.listen(port, '127.0.0.1', () => {
  console.log(`notes MCP server on http://127.0.0.1:${port}/mcp (tools: search, summarize); Ctrl-C stops it`);
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => http.close(() => process.exit(0)));
