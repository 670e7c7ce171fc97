// aip-proxy in front of a legacy HTTP+SSE server (v1 SDK on both sides), and the endpoint-event
// rewrite for upstreams that announce an absolute URL.
import { createAipFetch } from '@aip/mcp';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { principals, type RunningProxy, startProxy } from '../fixtures/proxy.js';
import { startRawSseUpstream, startSseUpstream, type Upstream } from '../fixtures/upstreams.js';

const p = principals();

async function connect(url: string, fetch?: typeof globalThis.fetch): Promise<Client> {
  const client = new Client({ name: 'e2e-sse', version: '1.0.0' });
  await client.connect(
    new SSEClientTransport(new URL(`${url}/sse`), fetch === undefined ? {} : { fetch, eventSourceInit: { fetch } }),
  );
  return client;
}

describe('legacy HTTP+SSE server', () => {
  let upstream: Upstream;
  let proxy: RunningProxy;
  beforeAll(async () => {
    upstream = await startSseUpstream();
    proxy = await startProxy(upstream.url, [p.operator.did]);
  });
  afterAll(async () => {
    await proxy.close({ graceMs: 100 });
    await upstream.close();
  });

  it('gives the same session as a direct connection (scope *)', async () => {
    const direct = await connect(upstream.url);
    const proxied = await connect(proxy.url, createAipFetch({ token: p.token(['*']) }));
    const run = async (c: Client) => ({
      tools: await c.listTools(),
      call: await c.callTool({ name: 'search', arguments: { q: 'sse' } }),
      prompt: await c.getPrompt({ name: 'summarize', arguments: { text: 't' } }),
    });
    expect(await run(proxied)).toEqual(await run(direct));
    await direct.close();
    await proxied.close();
  });

  it('filters list results delivered over the SSE stream', async () => {
    const client = await connect(
      proxy.url,
      createAipFetch({ token: p.token(['tool:search', 'resource:file:///docs/*']) }),
    );
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['search']);
    expect((await client.listResources()).resources.map((r) => r.uri)).toEqual(['file:///docs/a.txt']);
    await client.close();
  });

  it('denies a tool outside the scope on the message endpoint', async () => {
    const client = await connect(proxy.url, createAipFetch({ token: p.token(['tool:search']) }));
    await expect(client.callTool({ name: 'delete', arguments: { path: '/' } })).rejects.toThrow(
      /aip_scope_insufficient|403/,
    );
    expect(upstream.log.tools.some((t) => t.name === 'delete')).toBe(false);
    await client.close();
  });

  it('refuses to open the stream without a token', async () => {
    const res = await fetch(`${proxy.url}/sse`, { headers: { accept: 'text/event-stream' } });
    expect(res.status).toBe(401);
    expect(upstream.log.http.some((h) => h.method === 'GET' && h.headers['x-aip-token'] !== undefined)).toBe(false);
  });
});

describe('endpoint event rewrite', () => {
  let upstream: Upstream;
  let proxy: RunningProxy;
  beforeAll(async () => {
    upstream = await startRawSseUpstream((url) => [
      ': comment lines pass through\n\n',
      `event: endpoint\ndata: ${url}/message?sessionId=abc\n\n`,
      'event: message\nid: 7\ndata: {"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"search"},{"name":"delete"}]}}\n\n',
      'event: endpoint\r\ndata: https://elsewhere.example/post\r\n\r\n',
    ]);
    proxy = await startProxy(upstream.url, [p.operator.did]);
  });
  afterAll(async () => {
    await proxy.close({ graceMs: 100 });
    await upstream.close();
  });

  it('rewrites an absolute upstream endpoint to a proxy path, seals session and event ids, filters lists, leaves foreign URLs', async () => {
    const res = await fetch(`${proxy.url}/sse`, {
      headers: { 'x-aip-token': p.token(['tool:search']), accept: 'text/event-stream' },
    });
    const text = await res.text();
    const sealed = '([A-Za-z0-9_-]{60,})';
    const match = new RegExp(
      [
        ': comment lines pass through\n\n',
        `event: endpoint\ndata: /message\\?sessionId=${sealed}\n\n`,
        `event: message\nid: ${sealed}\ndata: \\{"jsonrpc":"2.0","id":1,"result":\\{"tools":\\[\\{"name":"search"\\}\\]\\}\\}\n\n`,
        'event: endpoint\r\ndata: https://elsewhere\\.example/post\r\n\r\n',
      ].join(''),
    ).exec(text);
    expect(match, text).not.toBeNull();
    // The upstream's ids never reach the client: it sees sealed ones only its principal can use.
    expect(text).not.toContain('sessionId=abc');
    expect(text).not.toContain('id: 7\n');
  });
});
