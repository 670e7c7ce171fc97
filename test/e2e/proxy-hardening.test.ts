// What aip-proxy refuses so that the upstream never runs a call the proxy did not authorize:
// bodies another parser could read differently, path and resource tricks, sessions taken over
// through the legacy query parameter; and the accounting that must hold under abuse (batches
// metered per message, no refund once a request was sent, reloads keeping replay protection).

import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { createAipFetch } from '@aip/mcp';
import { openBudgetLedger, resolveConfig } from '@aip/proxy';
import { issueToken } from '@aip/token';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, principals, proxyDocument, type RunningProxy, startProxy } from '../fixtures/proxy.js';
import {
  startPlainUpstream,
  startSseUpstream,
  startStatefulUpstream,
  startStatelessUpstream,
  type Upstream,
} from '../fixtures/upstreams.js';

const p = principals();
const ACCEPT = 'application/json, text/event-stream';

const call = (name: string, args: Record<string, unknown> = {}, id = 1) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: args },
});

function post(url: string, token: string, body: string | Uint8Array, headers: Record<string, string> = {}) {
  return fetch(`${url}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: ACCEPT, 'x-aip-token': token, ...headers },
    body,
  });
}

describe('request bodies another parser could read differently', () => {
  let upstream: Upstream;
  let proxy: RunningProxy;
  const token = p.token(['tool:search']);
  const forbidden = JSON.stringify(call('delete', { path: '/' }));
  beforeAll(async () => {
    upstream = await startStatelessUpstream({ json: true });
    proxy = await startProxy(upstream.url, [p.operator.did]);
  });
  afterAll(async () => {
    await proxy.close({ graceMs: 100 });
    await upstream.close();
  });

  it('refuses encodings and charsets it does not read, with 415, before anything is forwarded', async () => {
    const gzip = await post(proxy.url, token, gzipSync(forbidden), { 'content-encoding': 'gzip' });
    expect(gzip.status).toBe(415);
    expect((await errorOf(gzip)).code).toBe('aip_unsupported_media_type');
    const utf16 = await post(proxy.url, token, Buffer.from(forbidden, 'utf16le'), {
      'content-type': 'application/json; charset=utf-16le',
    });
    expect(utf16.status).toBe(415);
    expect((await errorOf(utf16)).code).toBe('aip_unsupported_media_type');
    expect(upstream.log.http).toHaveLength(0);
  });

  it('refuses a byte order mark, invalid UTF-8 and unparsable JSON with 400', async () => {
    const bom = await post(proxy.url, token, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(forbidden)]));
    expect(bom.status).toBe(400);
    expect(await errorOf(bom)).toMatchObject({
      code: 'aip_request_invalid',
      message: expect.stringContaining('byte order mark'),
    });
    const invalid = await post(
      proxy.url,
      token,
      Buffer.concat([
        Buffer.from('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search'),
        Buffer.from([0xff]),
        Buffer.from('"}}'),
      ]),
    );
    expect(invalid.status).toBe(400);
    expect((await errorOf(invalid)).message).toContain('UTF-8');
    const broken = await post(proxy.url, token, `${forbidden.slice(0, -1)},}`);
    expect(broken.status).toBe(400);
    expect(await errorOf(broken)).toMatchObject({
      code: 'aip_request_invalid',
      message: expect.stringContaining('JSON'),
    });
    expect(upstream.log.http).toHaveLength(0);
  });

  it('refuses duplicate, case-variant and unknown members that a lenient server could honour', async () => {
    const bodies = [
      // Duplicate names: JSON.parse keeps the last, other parsers the first.
      '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search","name":"delete","arguments":{}}}',
      '{"jsonrpc":"2.0","id":1,"method":"tools/call","method":"tools/list","params":{"name":"delete"}}',
      // Case variants: case-insensitive binders read `Name`.
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'search', Name: 'delete', arguments: {} },
      }),
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        Params: { name: 'delete' },
        params: { name: 'search' },
      }),
      // JSON-RPC-looking objects that are not valid JSON-RPC are not plain HTTP either.
      JSON.stringify({ Method: 'tools/call', params: { name: 'delete' } }),
      JSON.stringify([]),
    ];
    for (const body of bodies) {
      const res = await post(proxy.url, token, body);
      expect(res.status, body).toBe(400);
      expect(((await res.json()) as { error: { code: number } }).error.code, body).toBe(-32600);
    }
    expect(proxy.audit.slice(-bodies.length).every((a) => a.code === 'aip_request_invalid')).toBe(true);
    expect(upstream.log.http).toHaveLength(0);
  });

  it('still serves the same call written plainly', async () => {
    const res = await post(proxy.url, token, JSON.stringify(call('search', { q: 'plain' })), {
      'content-type': 'application/json; charset=UTF-8',
    });
    expect(res.status).toBe(200);
    expect(upstream.log.tools).toEqual([{ name: 'search', args: { q: 'plain' } }]);
  });
});

describe('paths and resource URIs', () => {
  let plain: Upstream;
  let mcp: Upstream;
  let plainProxy: RunningProxy;
  let mcpProxy: RunningProxy;
  beforeAll(async () => {
    plain = await startPlainUpstream();
    mcp = await startStatefulUpstream();
    plainProxy = await startProxy(plain.url, [p.operator.did]);
    mcpProxy = await startProxy(mcp.url, [p.operator.did]);
  });
  afterAll(async () => {
    await plainProxy.close({ graceMs: 100 });
    await mcpProxy.close({ graceMs: 100 });
    await plain.close();
    await mcp.close();
  });

  it('reads routes case-insensitively and percent-decoded, so a variant spelling is the same tool', async () => {
    const token = p.token(['tool:search']);
    for (const route of ['/mcp/TOOLS/delete', '/mcp/tools/%64elete', '/mcp/Tools/DELETE']) {
      const res = await fetch(`${plainProxy.url}${route}`, {
        method: 'POST',
        headers: { 'x-aip-token': token },
        body: '{}',
      });
      expect(res.status, route).toBe(403);
    }
    const ok = await fetch(`${plainProxy.url}/mcp/tools/%73earch`, {
      method: 'POST',
      headers: { 'x-aip-token': token },
      body: '{}',
    });
    expect(ok.status).toBe(200);
    expect(plain.log.tools.map((t) => t.name)).not.toContain('delete');
  });

  it('scopes a body-carrying request to no known route as http:<path>', async () => {
    const other = await fetch(`${plainProxy.url}/admin/reset`, {
      method: 'POST',
      headers: { 'x-aip-token': p.token(['tool:*']) },
      body: 'now',
    });
    expect(other.status).toBe(403);
    expect((await errorOf(other)).message).toContain('http:/admin/reset');
    const allowed = await fetch(`${plainProxy.url}/admin/reset`, {
      method: 'POST',
      headers: { 'x-aip-token': p.token(['http:/admin/*']) },
      body: 'now',
    });
    expect(allowed.status).toBe(404); // reached the upstream, which has no such route
  });

  it('refuses resource URIs that climb out of the allowed prefix', async () => {
    const client = new Client({ name: 'e2e', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${mcpProxy.url}/mcp`), {
        fetch: createAipFetch({ token: p.token(['resource:file:///docs/*']) }),
      }),
    );
    expect((await client.readResource({ uri: 'file:///docs/a.txt' })).contents).toEqual([
      { uri: 'file:///docs/a.txt', text: 'document a' },
    ]);
    for (const uri of [
      'file:///docs/../etc/secret.txt',
      'file:///docs/%2e%2e/etc/secret.txt',
      'file:///docs/./../etc/secret.txt',
    ]) {
      await expect(client.readResource({ uri }), uri).rejects.toThrow(/-32602|\.\./);
    }
    await client.close();
  });
});

describe('metering', () => {
  let upstream: Upstream;
  let plain: Upstream;
  let proxy: RunningProxy;
  let plainProxy: RunningProxy;
  beforeAll(async () => {
    upstream = await startStatelessUpstream({ json: true });
    plain = await startPlainUpstream();
    proxy = await startProxy(upstream.url, [p.operator.did], {}, { rate_limit: { principal_per_minute: 3 } });
    plainProxy = await startProxy(plain.url, [p.operator.did], {}, { rate_limit: { principal_per_minute: 1 } });
  });
  afterAll(async () => {
    await proxy.close({ graceMs: 100 });
    await plainProxy.close({ graceMs: 100 });
    await upstream.close();
    await plain.close();
  });

  it('counts every message of a batch, and takes nothing from a batch it refuses', async () => {
    const token = p.token(['tool:search']);
    const batch = (n: number, from: number) =>
      JSON.stringify(Array.from({ length: n }, (_, i) => call('search', { q: `b${from + i}` }, from + i)));
    // More than the whole per-minute allowance at once: refused, nothing taken.
    const huge = await post(proxy.url, token, batch(4, 0));
    expect(huge.status).toBe(429);
    expect((await errorOf(huge)).code).toBe('aip_rate_limited');
    expect((await post(proxy.url, token, batch(2, 10))).status).toBe(200);
    // One left: a batch of two is refused whole, then a single call still fits.
    const short = await post(proxy.url, token, batch(2, 20));
    expect(short.status).toBe(429);
    expect(Number(short.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await post(proxy.url, token, JSON.stringify(call('search', { q: 'last' })))).status).toBe(200);
    expect((await post(proxy.url, token, JSON.stringify(call('search', { q: 'over' })))).status).toBe(429);
    expect(upstream.log.tools.map((t) => (t.args as { q: string }).q).sort()).toEqual(['b10', 'b11', 'last']);
  });

  it('meters a GET that calls a tool by path like any call', async () => {
    const token = p.token(['tool:search']);
    const first = await fetch(`${plainProxy.url}/mcp/tools/search`, { headers: { 'x-aip-token': token } });
    expect(first.status).not.toBe(429);
    const second = await fetch(`${plainProxy.url}/mcp/tools/search`, { headers: { 'x-aip-token': token } });
    expect(second.status).toBe(429);
  });
});

describe('budgets once a request was sent', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'aip-hardening-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('keeps the charge when the upstream received the call and then dropped the connection', async () => {
    let received = 0;
    const upstream = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        received++;
        res.socket?.destroy(); // acted on it (perhaps), never answered
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const file = path.join(dir, 'sent.db');
    const proxy = await startProxy(
      `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
      [p.operator.did],
      {},
      { budget: { ledger: file, costs: { 'tool:*': 0.25 } } },
    );
    const token = issueToken(p.operator, { sub: p.agent.did, scope: ['tool:search'], budgetUsd: 1 });
    const res = await post(proxy.url, token, JSON.stringify(call('search', { q: 'x' })));
    expect(res.status).toBe(502);
    expect((await errorOf(res)).code).toBe('aip_upstream_unavailable');
    expect(received).toBe(1);
    await proxy.close({ graceMs: 100 });
    upstream.closeAllConnections();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
    const ledger = openBudgetLedger(file);
    expect((await ledger.report()).map((s) => s.spent_usd)).toEqual([0.25]);
    await ledger.close();
  });
});

describe('legacy HTTP+SSE sessions', () => {
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

  it('binds the session announced in the endpoint event, so another principal cannot post to it', async () => {
    const owner = createAipFetch({ token: p.token(['*']) });
    const endpoints: string[] = [];
    const watching = (async (input: string | URL | Request, init?: RequestInit) => {
      if (init?.method === 'POST') endpoints.push(String(input));
      return owner(input, init);
    }) as typeof fetch;
    const client = new Client({ name: 'owner', version: '1.0.0' });
    await client.connect(
      new SSEClientTransport(new URL(`${proxy.url}/sse`), { fetch: watching, eventSourceInit: { fetch: watching } }),
    );
    const endpoint = endpoints[0] as string;
    expect(new URL(endpoint).searchParams.get('sessionId')).toBeTruthy();

    const before = upstream.log.tools.length;
    const intruder = issueToken(p.operator, { sub: p.stranger.did, scope: ['*'] });
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-aip-token': intruder },
      body: JSON.stringify(call('delete', { path: '/' }, 99)),
    });
    expect(res.status).toBe(403);
    expect((await errorOf(res)).code).toBe('aip_session_forbidden');
    expect(upstream.log.tools.length).toBe(before);
    // The owner's session is untouched.
    expect((await client.callTool({ name: 'search', arguments: { q: 'mine' } })).content).toEqual([
      { type: 'text', text: 'results for mine' },
    ]);
    await client.close();
  });
});

describe('reloading the configuration', () => {
  it('keeps refusing a proof that was already used', async () => {
    const upstream = await startStatefulUpstream();
    const document = { pop: { required: true } };
    const proxy = await startProxy(upstream.url, [p.operator.did], {}, document);
    const sent: { url: string; headers: Record<string, string>; body: string }[] = [];
    const recording = (async (input: string | URL | Request, init: RequestInit = {}) => {
      if (typeof init.body === 'string')
        sent.push({ url: String(input), headers: Object.fromEntries(new Headers(init.headers)), body: init.body });
      return fetch(input, init);
    }) as typeof fetch;
    const signer = createAipFetch({ token: p.token(['tool:search']), holder: p.agent, fetch: recording });
    const client = new Client({ name: 'e2e', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${proxy.url}/mcp`), { fetch: signer }));
    await client.callTool({ name: 'search', arguments: { q: 'once' } });
    const used = sent.find((s) => s.body.includes('"tools/call"'));
    if (used === undefined) throw new Error('no tools/call was sent');

    expect(proxy.proxy.reload(resolveConfig(proxyDocument(upstream.url, [p.operator.did], document)))).toEqual([]);
    const replay = await fetch(used.url, { method: 'POST', headers: used.headers, body: used.body });
    expect(replay.status).toBe(401);
    expect((await errorOf(replay)).message).toContain('already used');
    await client.close();
    await proxy.close({ graceMs: 100 });
    await upstream.close();
  });
});
