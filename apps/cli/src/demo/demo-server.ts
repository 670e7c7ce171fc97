// The MCP server of `aip demo`: a small notes service built on the official SDK, stateful
// Streamable HTTP on 127.0.0.1. It knows nothing about AIP; aip-proxy stands in front of it.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

const NOTES = [
  'Agents should carry their own identity: a did:key they mint themselves.',
  'Delegated authority must only ever narrow.',
  'A proof of possession binds a request to its holder.',
];

function notesServer(): McpServer {
  const server = new McpServer({ name: 'notes', version: '1.0.0' });
  server.registerTool('search', { description: 'search the notes', inputSchema: { q: z.string() } }, async ({ q }) => {
    const hits = NOTES.filter((n) => n.toLowerCase().includes(q.toLowerCase()));
    return { content: [{ type: 'text', text: hits.length === 0 ? 'no notes match' : hits.join('\n') }] };
  });
  server.registerTool('delete', { description: 'delete every note', inputSchema: {} }, async () => ({
    content: [{ type: 'text', text: 'all notes deleted' }],
  }));
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

export interface DemoServer {
  url: string;
  close(): Promise<void>;
}

export async function startDemoServer(): Promise<DemoServer> {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const http: Server = createServer((req, res) => {
    void (async () => {
      const body = req.method === 'POST' ? await readJson(req) : undefined;
      const id = req.headers['mcp-session-id'];
      const existing = typeof id === 'string' ? sessions.get(id) : undefined;
      if (existing !== undefined) return existing.handleRequest(req, res, body);
      if (typeof id === 'string' || req.method !== 'POST' || !isInitializeRequest(body)) {
        res.writeHead(typeof id === 'string' ? 404 : 400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32000, message: 'no such session' } }));
        return;
      }
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (sid) => {
          sessions.set(sid, transport);
        },
      });
      transport.onclose = () => {
        if (transport.sessionId !== undefined) sessions.delete(transport.sessionId);
      };
      await notesServer().connect(transport);
      await transport.handleRequest(req, res, body);
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    async close() {
      await Promise.allSettled([...sessions.values()].map((t) => t.close()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
