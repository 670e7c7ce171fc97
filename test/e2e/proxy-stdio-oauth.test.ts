// aip-proxy serving a stdio MCP server over Streamable HTTP (one child per session), and OAuth
// 2.1 resource-server mode next to AIP tokens on the same proxy.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createAipFetch } from '@aip/mcp';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthorizationServer, startAuthorizationServer } from '../fixtures/jwks.js';
import { errorOf, principals, type RunningProxy, startProxy } from '../fixtures/proxy.js';
import { startStatefulUpstream, type Upstream } from '../fixtures/upstreams.js';

const p = principals();
const STDIO_SERVER = fileURLToPath(new URL('../fixtures/stdio-server.mjs', import.meta.url));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Processes running the stdio fixture anywhere on the machine. */
function fixtureProcesses(): number[] {
  const ps = spawnSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return ps.stdout
    .split('\n')
    .filter((line) => line.includes(STDIO_SERVER))
    .map((line) => Number.parseInt(line.trim(), 10));
}

async function connect(
  url: string,
  fetch: typeof globalThis.fetch,
): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const client = new Client({ name: 'e2e', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { fetch });
  await client.connect(transport);
  return { client, transport };
}

describe('stdio servers', () => {
  let proxy: RunningProxy;
  beforeAll(async () => {
    proxy = await startProxy(
      'http://127.0.0.1:9',
      [p.operator.did],
      { stdio: [process.execPath, STDIO_SERVER] },
      { stdio: { idle_timeout_seconds: 3 } },
    );
  });
  afterAll(async () => {
    await proxy.close({ graceMs: 100 });
    expect(fixtureProcesses()).toEqual([]);
  });

  it('runs a full session against its own child, with lists filtered and progress routed to its request', async () => {
    const { client, transport } = await connect(
      proxy.url,
      createAipFetch({ token: p.token(['tool:search', 'tool:slow']) }),
    );
    expect(client.getServerVersion()).toEqual({ name: 'stdio-fixture', version: '1.0.0' });
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['search', 'slow']);
    const pids = proxy.proxy.stdio?.pids() ?? [];
    expect(pids).toHaveLength(1);
    const result = await client.callTool({ name: 'search', arguments: { q: 'x' } });
    expect((result.content as { text: string }[])[0]?.text).toBe(`stdio results for x (pid ${pids[0]})`);
    const times: number[] = [];
    await client.callTool({ name: 'slow', arguments: { steps: 4, delayMs: 80 } }, undefined, {
      onprogress: () => times.push(performance.now()),
    });
    expect(times).toHaveLength(4);
    expect((times[3] as number) - (times[0] as number)).toBeGreaterThan(150);
    await expect(client.callTool({ name: 'delete', arguments: { path: '/' } })).rejects.toThrow(
      /aip_scope_insufficient/,
    );
    // Ending the session (DELETE) reaps its child.
    await transport.terminateSession();
    await client.close();
    await expect.poll(() => alive(pids[0] as number), { timeout: 3000 }).toBe(false);
    expect(proxy.proxy.stdio?.pids()).toEqual([]);
  });

  it('gives every session its own child', async () => {
    const a = await connect(proxy.url, createAipFetch({ token: p.token(['tool:search']) }));
    const b = await connect(proxy.url, createAipFetch({ token: p.token(['tool:search']) }));
    const pids = proxy.proxy.stdio?.pids() ?? [];
    expect(new Set(pids).size).toBe(2);
    for (const s of [a, b]) {
      await s.transport.terminateSession();
      await s.client.close();
    }
    await expect.poll(() => pids.some(alive), { timeout: 3000 }).toBe(false);
  });

  it('ends the session when its child crashes', async () => {
    // Without a proof the session is bound to the exact token: the check below presents the same one.
    const token = p.token(['tool:*']);
    const { client, transport } = await connect(proxy.url, createAipFetch({ token }));
    const [pid] = proxy.proxy.stdio?.pids() ?? [];
    await client.callTool({ name: 'crash', arguments: {} });
    await expect.poll(() => alive(pid as number), { timeout: 3000 }).toBe(false);
    await expect.poll(() => proxy.proxy.stdio?.pids().length, { timeout: 3000 }).toBe(0);
    const res = await fetch(`${proxy.url}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'x-aip-token': token,
        'mcp-session-id': transport.sessionId as string,
        'mcp-protocol-version': '2025-06-18',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }),
    });
    expect(res.status).toBe(404);
    await client.close();
  });

  it('reaps idle children', async () => {
    const { client } = await connect(proxy.url, createAipFetch({ token: p.token(['tool:search']) }));
    const [pid] = proxy.proxy.stdio?.pids() ?? [];
    await client.close();
    await expect.poll(() => alive(pid as number), { timeout: 15_000, interval: 200 }).toBe(false);
  });
});

describe('OAuth resource-server mode', () => {
  let upstream: Upstream;
  let proxy: RunningProxy;
  let as: AuthorizationServer;
  const AUDIENCE = 'https://mcp.example.com';
  beforeAll(async () => {
    upstream = await startStatefulUpstream();
    as = await startAuthorizationServer(AUDIENCE);
    proxy = await startProxy(
      upstream.url,
      [p.operator.did],
      {},
      {
        oauth: {
          issuer: as.issuer,
          jwks_uri: as.jwksUri,
          audience: AUDIENCE,
          scope_map: { 'mcp:search': ['tool:search'], 'mcp:headers': ['tool:echo_headers'] },
        },
      },
    );
  });
  afterAll(async () => {
    await proxy.close({ graceMs: 100 });
    await upstream.close();
    await as.close();
  });

  const bearer =
    (token: string): typeof globalThis.fetch =>
    (url, init) =>
      fetch(url, {
        ...init,
        headers: { ...Object.fromEntries(new Headers(init?.headers)), authorization: `Bearer ${token}` },
      });

  it('admits a JWKS-signed Bearer token with its scopes mapped, never forwarding it', async () => {
    const jwt = await as.sign({ sub: 'client-42', scope: 'mcp:search mcp:headers openid' });
    const { client } = await connect(proxy.url, bearer(jwt));
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['search', 'echo_headers']);
    expect((await client.callTool({ name: 'search', arguments: { q: 'oauth' } })).content).toEqual([
      { type: 'text', text: 'results for oauth' },
    ]);
    const echoed = JSON.parse(
      ((await client.callTool({ name: 'echo_headers', arguments: {} })).content as { text: string }[])[0]
        ?.text as string,
    ) as Record<string, string>;
    expect(echoed.authorization).toBeUndefined();
    expect(echoed['x-aip-subject']).toBe('client-42');
    expect(echoed['x-aip-issuer']).toBe(as.issuer);
    await expect(client.callTool({ name: 'delete', arguments: { path: '/' } })).rejects.toThrow(
      /aip_scope_insufficient/,
    );
    await client.close();
  });

  it('refuses wrong-audience, expired and forged Bearer tokens', async () => {
    const cases: [Promise<string>, number, string][] = [
      [
        as.sign({ sub: 'c', scope: 'mcp:search' }, { audience: 'https://other.example.com' }),
        401,
        'aip_audience_mismatch',
      ],
      [as.sign({ sub: 'c', scope: 'mcp:search' }, { expiresIn: -120 }), 401, 'aip_token_expired'],
      [as.sign({ sub: 'c', scope: 'mcp:search' }, { forged: true }), 401, 'aip_signature_invalid'],
    ];
    for (const [jwt, status, code] of cases) {
      const res = await fetch(`${proxy.url}/mcp`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await jwt}`, 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
      expect(res.status, code).toBe(status);
      expect((await errorOf(res)).code).toBe(code);
    }
    const unauth = await fetch(`${proxy.url}/mcp`, { method: 'POST' });
    expect(unauth.headers.get('www-authenticate')).toContain('Bearer resource_metadata=');
  });

  it('serves AIP agents through the same proxy, and names the authorization server in its metadata', async () => {
    const { client } = await connect(proxy.url, createAipFetch({ token: p.token(['tool:search']) }));
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['search']);
    await client.close();
    const meta = (await (await fetch(`${proxy.url}/.well-known/oauth-protected-resource`)).json()) as Record<
      string,
      unknown
    >;
    expect(meta.authorization_servers).toEqual([as.issuer]);
  });
});
