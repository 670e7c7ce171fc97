// aip-proxy's production policy through real SDK clients: signed tool calls, rate limits and
// concurrency, session binding, metrics and health.
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createAipFetch } from '@aip/mcp';
import { delegate, issueToken } from '@aip/token';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, principals, type RunningProxy, startProxy } from '../fixtures/proxy.js';
import { startPlainUpstream, startStatefulUpstream, type Upstream } from '../fixtures/upstreams.js';

const p = principals();
const ACCEPT = 'application/json, text/event-stream';

async function connect(url: string, fetch: typeof globalThis.fetch): Promise<Client> {
  const client = new Client({ name: 'e2e', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { fetch }));
  return client;
}

/** A fetch that records every request it sends (to replay or tamper with them). */
function recording() {
  const sent: { url: string; method: string; headers: Record<string, string>; body: string | undefined }[] = [];
  const f = (async (input: string | URL | Request, init: RequestInit = {}) => {
    const headers = Object.fromEntries(new Headers(init.headers));
    sent.push({
      url: String(input),
      method: init.method ?? 'GET',
      headers,
      body: typeof init.body === 'string' ? init.body : undefined,
    });
    return fetch(input, init);
  }) as typeof globalThis.fetch;
  return { sent, wrap: f };
}

describe('signed tool calls ([pop] required)', () => {
  let upstream: Upstream;
  let proxy: RunningProxy;
  beforeAll(async () => {
    upstream = await startStatefulUpstream();
    proxy = await startProxy(upstream.url, [p.operator.did], {}, { pop: { required: true } });
  });
  afterAll(async () => {
    await proxy.close({ graceMs: 100 });
    await upstream.close();
  });

  it('serves a full session when every request is signed by the holder', async () => {
    const client = await connect(proxy.url, createAipFetch({ token: p.token(['tool:search']), holder: p.agent }));
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['search']);
    expect((await client.callTool({ name: 'search', arguments: { q: 'signed' } })).content).toEqual([
      { type: 'text', text: 'results for signed' },
    ]);
    await client.close();
  });

  it('refuses unsigned requests with 401 aip_proof_invalid', async () => {
    await expect(connect(proxy.url, createAipFetch({ token: p.token(['tool:search']) }))).rejects.toThrow(
      /aip_proof_invalid/,
    );
    expect(proxy.audit.at(-1)).toMatchObject({ decision: 'deny', code: 'aip_proof_invalid', status: 401 });
  });

  it('refuses a replayed request and a body-swapped one, and forwards neither', async () => {
    const rec = recording();
    const client = await connect(
      proxy.url,
      createAipFetch({ token: p.token(['tool:search', 'tool:delete']), holder: p.agent, fetch: rec.wrap }),
    );
    await client.callTool({ name: 'search', arguments: { q: 'once' } });
    const found = rec.sent.find((s) => s.body?.includes('"tools/call"'));
    if (found === undefined) throw new Error('no tools/call was sent');
    const call = found as { url: string; headers: Record<string, string>; body: string };
    const before = upstream.log.http.length;
    const replay = await fetch(call.url, { method: 'POST', headers: call.headers, body: call.body });
    expect(replay.status).toBe(401);
    expect(await errorOf(replay)).toMatchObject({
      code: 'aip_proof_invalid',
      message: expect.stringContaining('already used'),
    });
    const swapped = await fetch(call.url, {
      method: 'POST',
      headers: call.headers,
      body: call.body.replace('"search"', '"delete"').replace('"q":"once"', '"path":"/"'),
    });
    expect(swapped.status).toBe(401);
    expect((await errorOf(swapped)).message).toContain('another body');
    expect(upstream.log.http.length).toBe(before);
    await client.close();
  });

  it('refuses a proof signed by a delegator instead of the final holder', async () => {
    // The agent delegates to a subagent; only the subagent (the final holder) may sign.
    const sub = p.stranger;
    const root = issueToken(p.operator, { sub: p.agent.did, scope: ['tool:search'], maxDepth: 1 });
    const chain = delegate(root, p.agent, { to: sub.did, scope: ['tool:search'], context: 'subtask' });
    await expect(connect(proxy.url, createAipFetch({ token: chain, holder: p.agent }))).rejects.toThrow(
      /aip_proof_invalid/,
    );
    const client = await connect(proxy.url, createAipFetch({ token: chain, holder: sub }));
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['search']);
    await client.close();
  });

  it('advertises that proofs are required', async () => {
    const meta = (await (await fetch(`${proxy.url}/.well-known/oauth-protected-resource`)).json()) as Record<
      string,
      unknown
    >;
    expect(meta.aip_proof_required).toBe(true);
  });
});

describe('rate limits and concurrency', () => {
  let upstream: Upstream;
  let proxy: RunningProxy;
  beforeAll(async () => {
    upstream = await startPlainUpstream();
    proxy = await startProxy(
      upstream.url,
      [p.operator.did],
      {},
      // 20 a minute: a token comes back every 3 s, far longer than 21 calls take even on a loaded
      // machine, so no refill lands inside the burst.
      { rate_limit: { principal_per_minute: 20, tool_per_minute: { 'tool:expensive': 60 } } },
    );
  });
  afterAll(async () => {
    await proxy.close({ graceMs: 100 });
    await upstream.close();
  });

  const call = (token: string, tool = 'search') =>
    fetch(`${proxy.url}/mcp/tools/${tool}`, { method: 'POST', headers: { 'x-aip-token': token }, body: '{}' });

  it('answers 429 with Retry-After once a principal spends its budget of requests, then recovers', async () => {
    const token = p.token(['tool:*']);
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await call(token)).status);
    expect(statuses.every((s) => s === 200)).toBe(true);
    const limited = await call(token);
    expect(limited.status).toBe(429);
    // Whole seconds until the next token: 3 unless the burst itself took a while.
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect([1, 2, 3]).toContain(retryAfter);
    expect(await errorOf(limited)).toMatchObject({ code: 'aip_rate_limited' });
    await new Promise((r) => setTimeout(r, retryAfter * 1000 + 100));
    expect((await call(token)).status).toBe(200);
  });

  it('limits per tool across principals', async () => {
    const a = p.token(['tool:*']);
    const other = principals();
    const proxyB = await startProxy(
      upstream.url,
      [p.operator.did, other.operator.did],
      {},
      { rate_limit: { tool_per_minute: { 'tool:expensive': 2 } } },
    );
    const hit = (token: string) =>
      fetch(`${proxyB.url}/mcp/tools/expensive`, { method: 'POST', headers: { 'x-aip-token': token }, body: '{}' });
    expect((await hit(a)).status).toBe(200);
    expect((await hit(other.token(['tool:*']))).status).toBe(200);
    const third = await hit(a);
    expect(third.status).toBe(429);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThanOrEqual(29);
    expect(
      (await fetch(`${proxyB.url}/mcp/tools/cheap`, { method: 'POST', headers: { 'x-aip-token': a }, body: '{}' }))
        .status,
    ).toBe(200);
    await proxyB.close({ graceMs: 100 });
  });

  it('caps in-flight requests per principal, its open stream included', async () => {
    const stateful = await startStatefulUpstream();
    const limited = await startProxy(stateful.url, [p.operator.did], {}, { rate_limit: { max_concurrent: 2 } });
    const token = p.token(['tool:slow']);
    const client = await connect(limited.url, createAipFetch({ token }));
    // The client's GET stream holds one slot the whole time; one call takes the other.
    const slow = client.callTool({ name: 'slow', arguments: { steps: 3, delayMs: 100 } });
    await new Promise((r) => setTimeout(r, 80));
    await expect(client.callTool({ name: 'slow', arguments: { steps: 1, delayMs: 1 } })).rejects.toThrow(
      /aip_rate_limited/,
    );
    await slow;
    expect((await client.callTool({ name: 'slow', arguments: { steps: 1, delayMs: 1 } })).content).toBeDefined();
    await client.close();
    await limited.close({ graceMs: 100 });
    await stateful.close();
  });
});

describe('session binding', () => {
  let upstream: Upstream;
  let proxy: RunningProxy;
  beforeAll(async () => {
    upstream = await startStatefulUpstream();
    proxy = await startProxy(upstream.url, [p.operator.did]);
  });
  afterAll(async () => {
    await proxy.close({ graceMs: 100 });
    await upstream.close();
  });

  it('refuses another principal presenting a session id, audits it, and leaves the owner unaffected', async () => {
    const owner = await connect(proxy.url, createAipFetch({ token: p.token(['tool:search']) }));
    const transport = (owner as unknown as { transport: StreamableHTTPClientTransport }).transport;
    const sessionId = transport.sessionId as string;
    expect(sessionId).toBeTruthy();
    // Another agent with a perfectly valid token from the same operator.
    const intruder = principals();
    const thief = issueToken(p.operator, { sub: intruder.agent.did, scope: ['*'] });
    const res = await fetch(`${proxy.url}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: ACCEPT,
        'x-aip-token': thief,
        'mcp-session-id': sessionId,
        'mcp-protocol-version': '2025-06-18',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'search', arguments: { q: 'stolen' } },
      }),
    });
    expect(res.status).toBe(403);
    expect(await errorOf(res)).toMatchObject({ code: 'aip_session_forbidden' });
    expect(upstream.log.http.some((h) => h.headers['x-aip-subject'] === intruder.agent.did)).toBe(false);
    expect(proxy.audit.findLast((a) => a.decision === 'deny')).toMatchObject({
      code: 'aip_session_forbidden',
      subject: intruder.agent.did,
    });
    expect((await owner.callTool({ name: 'search', arguments: { q: 'mine' } })).content).toEqual([
      { type: 'text', text: 'results for mine' },
    ]);
    await owner.close();
  });
});

describe('metrics and health', () => {
  let upstream: Upstream;
  let proxy: RunningProxy;
  let metricsUrl: string;
  beforeAll(async () => {
    upstream = await startPlainUpstream();
    proxy = await startProxy(upstream.url, [p.operator.did], {}, { metrics: { port: 0, max_tool_labels: 2 } });
    const server = proxy.proxy.metricsServer;
    if (server === undefined) throw new Error('metrics are configured');
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    metricsUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await proxy.close({ graceMs: 100 });
    await upstream.close();
  });

  it('counts decisions by code and calls per tool with a capped label set', async () => {
    const token = p.token(['tool:a', 'tool:b']);
    for (const tool of ['a', 'b', 'a', 'c', 'd'])
      await fetch(`${proxy.url}/mcp/tools/${tool}`, { method: 'POST', headers: { 'x-aip-token': token }, body: '{}' });
    await fetch(`${proxy.url}/mcp/tools/a`, { method: 'POST', body: '{}' });
    const text = await (await fetch(`${metricsUrl}/metrics`)).text();
    expect(text).toMatch(/aip_proxy_decisions_total\{decision="allow",code="none"\} 3/);
    expect(text).toMatch(/aip_proxy_decisions_total\{decision="deny",code="aip_scope_insufficient"\} 2/);
    expect(text).toMatch(/aip_proxy_decisions_total\{decision="deny",code="aip_token_missing"\} 1/);
    expect(text).toMatch(/aip_proxy_tool_calls_total\{tool="a",decision="allow"\} 2/);
    expect(text).toMatch(/aip_proxy_tool_calls_total\{tool="other",decision="deny"\} 2/);
    expect(text).toContain('aip_proxy_request_duration_seconds_bucket');
    expect(text).toContain('aip_proxy_active_streams 0');
  });

  it('reports health with the upstream reachable, and degraded without it', async () => {
    const ok = await fetch(`${metricsUrl}/healthz`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ status: 'ok' });
    await upstream.close();
    const degraded = await fetch(`${metricsUrl}/healthz`);
    expect(degraded.status).toBe(503);
    upstream = await startPlainUpstream();
  });
});

describe('revocation list', () => {
  let upstream: Upstream;
  let dir: string;
  beforeAll(async () => {
    upstream = await startPlainUpstream();
    dir = await mkdtemp(path.join(tmpdir(), 'aip-revoked-'));
  });
  afterAll(async () => {
    await upstream.close();
    await rm(dir, { recursive: true, force: true });
  });

  const call = (url: string, token: string) =>
    fetch(`${url}/mcp/tools/search`, { method: 'POST', headers: { 'x-aip-token': token }, body: '{}' });

  it('refuses a chain once a segment id or a key in it is revoked, re-reading the file as it changes', async () => {
    const file = path.join(dir, 'revoked.txt');
    await writeFile(file, '# nothing revoked yet\n');
    const proxy = await startProxy(upstream.url, [p.operator.did], {}, { revocation: { file } });
    const worker = principals().agent;
    const root = issueToken(p.operator, { sub: p.agent.did, scope: ['tool:search'], maxDepth: 1 });
    const chain = delegate(root, p.agent, { to: worker.did, scope: ['tool:search'], context: 'subtask' });
    const other = p.token(['tool:search']);
    expect((await call(proxy.url, chain)).status).toBe(200);
    const linkId = proxy.audit.at(-1)?.chain[1] as string;
    await writeFile(file, `# revoked link\n${linkId}\n`);
    await new Promise((r) => setTimeout(r, 1100));
    const refused = await call(proxy.url, chain);
    expect(refused.status).toBe(401);
    expect((await errorOf(refused)).code).toBe('aip_key_revoked');
    expect((await call(proxy.url, other)).status).toBe(200);
    // Revoking the delegating agent's key refuses everything it signed or holds.
    await writeFile(file, `${p.agent.aipId}\n`);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await call(proxy.url, other)).status).toBe(401);
    await proxy.close({ graceMs: 100 });
  });

  it('fails closed while the list is stale or unreadable, and recovers when it is fresh again', async () => {
    const file = path.join(dir, 'fresh.txt');
    await writeFile(file, '');
    const proxy = await startProxy(upstream.url, [p.operator.did], {}, { revocation: { file, max_age_seconds: 2 } });
    const token = p.token(['tool:search']);
    expect((await call(proxy.url, token)).status).toBe(200);
    const old = new Date(Date.now() - 10_000);
    await utimes(file, old, old);
    await new Promise((r) => setTimeout(r, 1100));
    const stale = await call(proxy.url, token);
    expect(stale.status).toBe(401);
    expect(await errorOf(stale)).toMatchObject({ code: 'aip_key_revoked', message: expect.stringContaining('stale') });
    await utimes(file, new Date(), new Date());
    await new Promise((r) => setTimeout(r, 1100));
    expect((await call(proxy.url, token)).status).toBe(200);
    await rm(file);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await errorOf(await call(proxy.url, token))).message).toContain('unusable');
    await proxy.close({ graceMs: 100 });
  });

  it('fails closed on a revocation list with a line it cannot read, naming the line', async () => {
    const file = path.join(dir, 'bad.txt');
    await writeFile(file, 'not-a-key-or-id\n');
    // At start: the proxy refuses to start, naming the line.
    await expect(startProxy(upstream.url, [p.operator.did], {}, { revocation: { file } })).rejects.toMatchObject({
      code: 'aip_config_invalid',
      key: 'revocation.file',
      message: expect.stringContaining('line 1'),
    });
    // Later: every request is refused, naming the line, until the file is fixed.
    await writeFile(file, '# nothing revoked\n');
    const proxy = await startProxy(upstream.url, [p.operator.did], {}, { revocation: { file } });
    const token = p.token(['tool:search']);
    expect((await call(proxy.url, token)).status).toBe(200);
    await writeFile(file, '# one good, one bad\njti:abc\nnot-a-key-or-id\n');
    await new Promise((r) => setTimeout(r, 1100));
    const res = await call(proxy.url, token);
    expect(res.status).toBe(401);
    expect(await errorOf(res)).toMatchObject({ code: 'aip_key_revoked', message: expect.stringContaining('line 3') });
    await proxy.close({ graceMs: 100 });
  });

  it('refuses to start when the revocation file is missing', async () => {
    await expect(
      startProxy(upstream.url, [p.operator.did], {}, { revocation: { file: path.join(dir, 'missing.txt') } }),
    ).rejects.toMatchObject({ key: 'revocation.file', message: expect.stringContaining('ENOENT') });
  });
});
