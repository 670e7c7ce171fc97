// `aip connect` as MCP clients run it: the official SDK's StdioClientTransport spawns the bridge
// (the built `aip` binary) against aip-proxy with proofs required, in front of an SDK server with
// sessions and resumable streams. Everything a session carries passes through: initialize, lists
// filtered to the token, calls, a refused call as an MCP error with the AIP code and a hint, a
// resource read, progress, cancellation, a server-to-client request, a notification on the GET
// stream, a response stream cut and resumed (Last-Event-ID), a session the server forgot replaced,
// and the session ended (DELETE) when the client goes.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
  CreateMessageRequestSchema,
  LoggingMessageNotificationSchema,
  McpError,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentHome, bridgeCommand, bridgeTools } from '../fixtures/connect.js';
import { principals, type RunningProxy, startProxy } from '../fixtures/proxy.js';
import { startSseUpstream, startStatefulUpstream, type Upstream } from '../fixtures/upstreams.js';

const p = principals();
const SCOPE = [
  'tool:search',
  'tool:steps',
  'tool:wait',
  'tool:ask',
  'tool:announce',
  'tool:interrupted',
  'resource:file:///docs/*',
];

interface Bridged {
  client: Client;
  transport: StdioClientTransport;
  stderr: () => string;
}

async function bridge(args: string[], home: string, options: { sampling?: boolean } = {}): Promise<Bridged> {
  const transport = new StdioClientTransport(bridgeCommand(args, home));
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const client = new Client(
    { name: 'connect-e2e', version: '1.0.0' },
    { capabilities: options.sampling === true ? { sampling: {} } : {} },
  );
  await client.connect(transport);
  return { client, transport, stderr: () => stderr };
}

function text(result: unknown): string {
  return ((result as { content: { text: string }[] }).content[0] as { text: string }).text;
}

describe('aip connect over stdio, through aip-proxy with proofs required', () => {
  const events: string[] = [];
  let upstream: Awaited<ReturnType<typeof startStatefulUpstream>>;
  let proxy: RunningProxy;
  let home: Awaited<ReturnType<typeof agentHome>>;
  let tokenFile: string;

  beforeAll(async () => {
    upstream = await startStatefulUpstream(bridgeTools(events));
    proxy = await startProxy(upstream.url, [p.operator.did], {}, { pop: { required: true } });
    home = await agentHome(p.agent, 'agent');
    tokenFile = path.join(home.home, 'token');
    writeFileSync(tokenFile, `${p.token(SCOPE)}\n`);
  });
  afterAll(async () => {
    await proxy.close({ graceMs: 100 });
    await upstream.close();
    home.cleanup();
  });

  it('carries a whole session: lists, calls, refusals, resources, progress, cancellation, server requests, notifications, resumption', async () => {
    const { client, transport, stderr } = await bridge([`${proxy.url}/mcp`, '--token-file', tokenFile], home.home, {
      sampling: true,
    });
    expect(client.getServerVersion()).toEqual({ name: 'fixture', version: '1.0.0' });

    // Lists filtered to the token; a call; a resource.
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual([
      'search',
      'wait',
      'ask',
      'announce',
      'steps',
      'interrupted',
    ]);
    expect(text(await client.callTool({ name: 'search', arguments: { q: 'bridged' } }))).toBe('results for bridged');
    const read = await client.readResource({ uri: 'file:///docs/a.txt' });
    expect(read.contents).toEqual([{ uri: 'file:///docs/a.txt', text: 'document a' }]);

    // A refused call is an MCP error naming the AIP code, what is missing and what to do.
    const refused = await client.callTool({ name: 'delete', arguments: { path: '/' } }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(McpError);
    expect((refused as McpError).code).toBe(-32040);
    expect((refused as McpError).message).toMatch(
      /aip_scope_insufficient: the token does not allow tool:delete \(ask the token's issuer for a token/,
    );
    expect((refused as McpError).data).toMatchObject({ code: 'aip_scope_insufficient', status: 403 });
    expect(upstream.log.tools.some((t) => t.name === 'delete')).toBe(false);

    // Progress notifications reach the request they report on.
    const progress: number[] = [];
    const slow = await client.callTool({ name: 'steps', arguments: { steps: 3 } }, undefined, {
      onprogress: (p) => progress.push(p.progress),
    });
    expect(text(slow)).toBe('done after 3 steps');
    expect(progress).toEqual([1, 2, 3]);

    // Cancellation reaches the server, which stops.
    const abort = new AbortController();
    const waiting = client.callTool({ name: 'wait', arguments: {} }, undefined, { signal: abort.signal });
    await expect.poll(() => events.includes('wait started')).toBe(true);
    abort.abort('the user stopped it');
    await expect(waiting).rejects.toThrow(/stopped it/);
    await expect.poll(() => events.includes('wait cancelled')).toBe(true);

    // A request from the server reaches the client, and its answer goes back.
    client.setRequestHandler(CreateMessageRequestSchema, async () => ({
      role: 'assistant',
      model: 'test',
      content: { type: 'text', text: 'forty-two' },
    }));
    expect(text(await client.callTool({ name: 'ask', arguments: { question: 'why?' } }))).toBe(
      'the client said: forty-two',
    );

    // A notification sent on the session's GET stream (which the bridge opened) reaches the client.
    const notes: unknown[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      notes.push(n.params.data);
    });
    await expect.poll(() => upstream.log.http.some((r) => r.method === 'GET')).toBe(true);
    await client.callTool({ name: 'announce', arguments: {} });
    await expect.poll(() => notes).toEqual(['news']);

    // A response stream the server cuts is resumed with Last-Event-ID; nothing is lost.
    const steps: number[] = [];
    const resumed = await client.callTool({ name: 'interrupted', arguments: {} }, undefined, {
      onprogress: (p) => steps.push(p.progress),
    });
    expect(text(resumed)).toBe('finished after the stream was cut');
    expect(steps).toEqual([1, 2]);
    expect(events).toContain('stream cut');
    expect(upstream.log.http.some((r) => r.method === 'GET' && r.headers['last-event-id'] !== undefined)).toBe(true);

    // The client going away ends the bridge and the session on the server (DELETE).
    const sessions = upstream.sessions.size;
    expect(sessions).toBeGreaterThan(0);
    await client.close();
    await expect.poll(() => upstream.log.http.some((r) => r.method === 'DELETE')).toBe(true);
    await expect.poll(() => transport.pid === null || upstream.sessions.size < sessions).toBe(true);
    // stderr carries the log, never the token.
    expect(stderr()).toContain('bridging stdio to');
    expect(stderr()).not.toContain(p.token(SCOPE).slice(0, 40));
  });

  it('replaces a session the server has forgotten, and the client never knows', async () => {
    const { client } = await bridge([`${proxy.url}/mcp`, '--token-file', tokenFile], home.home);
    expect(text(await client.callTool({ name: 'search', arguments: { q: 'one' } }))).toBe('results for one');
    // The server restarts, say: every session it knew is gone.
    for (const [id, session] of upstream.sessions) {
      upstream.sessions.delete(id);
      await session.close();
    }
    expect(text(await client.callTool({ name: 'search', arguments: { q: 'two' } }))).toBe('results for two');
    expect(upstream.sessions.size).toBe(1);
    await client.close();
  });

  it('tells the client which token expired, where it came from', async () => {
    const expiredFile = path.join(home.home, 'expired');
    writeFileSync(expiredFile, p.token(SCOPE, { now: Math.floor(Date.now() / 1000) - 600, ttl: 60 }));
    const failure = await bridge([`${proxy.url}/mcp`, '--token-file', expiredFile], home.home).catch(
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(McpError);
    expect((failure as McpError).message).toMatch(
      new RegExp(`aip_token_expired: .*\\(the token in ${expiredFile.replace(/[/.]/g, '\\$&')} has expired`),
    );
  });
});

describe('aip connect to a legacy HTTP+SSE server', () => {
  let upstream: Upstream;
  let proxy: RunningProxy;
  let home: Awaited<ReturnType<typeof agentHome>>;

  beforeAll(async () => {
    upstream = await startSseUpstream();
    proxy = await startProxy(upstream.url, [p.operator.did], {}, { pop: { required: true } });
    home = await agentHome(p.agent, 'legacy');
  });
  afterAll(async () => {
    await proxy.close({ graceMs: 100 });
    await upstream.close();
    home.cleanup();
  });

  it('falls back from Streamable HTTP to HTTP+SSE when the server does not speak it', async () => {
    const tokenFile = path.join(home.home, 'token');
    writeFileSync(tokenFile, p.token(['tool:search']));
    const { client, stderr } = await bridge([`${proxy.url}/sse`, '--token-file', tokenFile], home.home);
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['search']);
    expect(text(await client.callTool({ name: 'search', arguments: { q: 'legacy' } }))).toBe('results for legacy');
    expect(stderr()).toMatch(/does not speak Streamable HTTP \(HTTP 40[45]\): using HTTP\+SSE/);
    await client.close();
  });
});
