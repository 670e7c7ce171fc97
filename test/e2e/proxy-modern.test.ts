// aip-proxy in front of stateless servers: the v2 SDK (2026-07-28 era and 2025 era on one
// endpoint) with v2 clients in both protocol modes, and a v1 stateless JSON-response server.
import { createAipFetch } from '@aip/mcp';
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, principals, type RunningProxy, startProxy } from '../fixtures/proxy.js';
import { startModernUpstream, startStatelessUpstream, type Upstream } from '../fixtures/upstreams.js';

const p = principals();

async function connectV2(
  url: string,
  mode: 'legacy' | { pin: string },
  fetch: typeof globalThis.fetch,
): Promise<ClientV2> {
  const client = new ClientV2({ name: 'e2e-v2', version: '2.0.0' }, { versionNegotiation: { mode } });
  await client.connect(new TransportV2(new URL(`${url}/mcp`), { fetch }));
  return client;
}

describe('v2 server, v2 clients in both protocol modes', () => {
  let upstream: Upstream;
  let proxy: RunningProxy;
  beforeAll(async () => {
    upstream = await startModernUpstream();
    proxy = await startProxy(upstream.url, [p.operator.did]);
  });
  afterAll(async () => {
    await proxy.close({ graceMs: 100 });
    await upstream.close();
  });

  for (const mode of [{ pin: '2026-07-28' }, 'legacy'] as const) {
    const label = typeof mode === 'string' ? 'legacy (2025) mode' : '2026-07-28 stateless mode';
    describe(label, () => {
      it('gives the same results as a direct connection, with lists filtered to the scope', async () => {
        const direct = await connectV2(upstream.url, mode, fetch);
        const proxied = await connectV2(
          proxy.url,
          mode,
          createAipFetch({ token: p.token(['tool:search', 'tool:slow']) }),
        );
        expect((await proxied.listTools()).tools.map((t) => t.name)).toEqual(['search', 'slow']);
        expect((await direct.listTools()).tools.map((t) => t.name)).toEqual(['search', 'delete', 'slow']);
        const args = { name: 'search', arguments: { q: 'modern' } };
        expect(await proxied.callTool(args)).toEqual(await direct.callTool(args));
        await direct.close();
        await proxied.close();
      });

      it('denies a tool outside the scope without reaching the upstream', async () => {
        const client = await connectV2(proxy.url, mode, createAipFetch({ token: p.token(['tool:search']) }));
        await expect(client.callTool({ name: 'delete', arguments: { path: '/' } })).rejects.toThrow(
          /aip_scope_insufficient|403/,
        );
        expect(upstream.log.tools.some((t) => t.name === 'delete')).toBe(false);
        await client.close();
      });

      it('streams progress notifications as they happen', async () => {
        const client = await connectV2(proxy.url, mode, createAipFetch({ token: p.token(['tool:slow']) }));
        const times: number[] = [];
        await client.callTool(
          { name: 'slow', arguments: { steps: 4, delayMs: 80 } },
          { onprogress: () => times.push(performance.now()) },
        );
        expect(times).toHaveLength(4);
        expect((times[3] as number) - (times[0] as number)).toBeGreaterThan(150);
        await client.close();
      });
    });
  }

  it('sends the 2026-07-28 standard headers through, and the upstream sees the verified identity', async () => {
    const client = await connectV2(
      proxy.url,
      { pin: '2026-07-28' },
      createAipFetch({ token: p.token(['tool:search']) }),
    );
    const before = upstream.log.http.length;
    await client.callTool({ name: 'search', arguments: { q: 'h' } });
    const call = upstream.log.http.slice(before).find((h) => h.body.includes('"tools/call"'));
    expect(call?.headers['mcp-method']).toBe('tools/call');
    expect(call?.headers['mcp-name']).toBe('search');
    expect(call?.headers['x-aip-subject']).toBe(p.agent.did);
    expect(call?.headers['x-aip-token']).toBeUndefined();
    await client.close();
  });

  it('rejects an Mcp-Name that disagrees with the body (400, -32020) and forwards nothing', async () => {
    const token = p.token(['tool:search', 'tool:delete']);
    const before = upstream.log.http.length;
    const body = {
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: {
        name: 'delete',
        arguments: { path: '/' },
        _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' },
      },
    };
    const res = await fetch(`${proxy.url}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'x-aip-token': token,
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'tools/call',
        'mcp-name': 'search',
      },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ jsonrpc: '2.0', id: 1, error: { code: -32020 } });
    const methodMismatch = await fetch(`${proxy.url}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-aip-token': token,
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'tools/list',
      },
      body: JSON.stringify(body),
    });
    expect(methodMismatch.status).toBe(400);
    expect(upstream.log.http.length).toBe(before);
    expect(proxy.audit.at(-1)).toMatchObject({ decision: 'deny', code: 'aip_request_invalid', status: 400 });
  });

  it('decides on the body, not the headers: a narrow token cannot hide a call behind Mcp-Name', async () => {
    const token = p.token(['tool:search']);
    const res = await fetch(`${proxy.url}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-aip-token': token,
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'tools/call',
        'mcp-name': 'delete',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'delete', arguments: { path: '/' } },
      }),
    });
    expect(res.status).toBe(403);
    expect((await errorOf(res)).code).toBe('aip_scope_insufficient');
  });

  it('passes the upstream 405 for GET and DELETE through unchanged', async () => {
    const token = p.token(['*']);
    for (const method of ['GET', 'DELETE']) {
      const res = await fetch(`${proxy.url}/mcp`, {
        method,
        headers: { 'x-aip-token': token, accept: 'text/event-stream', 'mcp-protocol-version': '2026-07-28' },
      });
      expect(res.status, method).toBe(405);
    }
  });
});

describe('v1 stateless server answering in JSON', () => {
  let upstream: Upstream;
  let proxy: RunningProxy;
  beforeAll(async () => {
    upstream = await startStatelessUpstream({ json: true });
    proxy = await startProxy(upstream.url, [p.operator.did]);
  });
  afterAll(async () => {
    await proxy.close({ graceMs: 100 });
    await upstream.close();
  });

  it('filters JSON list responses and serves allowed calls', async () => {
    const client = new Client({ name: 'e2e', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${proxy.url}/mcp`), {
        fetch: createAipFetch({ token: p.token(['tool:search', 'prompt:*']) }),
      }),
    );
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['search']);
    expect((await client.listPrompts()).prompts.map((x) => x.name)).toEqual(['summarize', 'secret']);
    expect((await client.listResources()).resources).toEqual([]);
    expect((await client.callTool({ name: 'search', arguments: { q: 'json' } })).content).toEqual([
      { type: 'text', text: 'results for json' },
    ]);
    await client.close();
  });

  it('filters every element of a JSON batch response', async () => {
    const res = await fetch(`${proxy.url}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-03-26',
        'x-aip-token': p.token(['tool:search', 'prompt:summarize']),
      },
      body: JSON.stringify([
        { jsonrpc: '2.0', id: 1, method: 'tools/list' },
        { jsonrpc: '2.0', id: 2, method: 'prompts/list' },
      ]),
    });
    expect(res.status).toBe(200);
    const batch = (await res.json()) as {
      id: number;
      result: { tools?: { name: string }[]; prompts?: { name: string }[] };
    }[];
    const byId = new Map(batch.map((m) => [m.id, m.result]));
    expect(byId.get(1)?.tools?.map((t) => t.name)).toEqual(['search']);
    expect(byId.get(2)?.prompts?.map((x) => x.name)).toEqual(['summarize']);
  });
});
