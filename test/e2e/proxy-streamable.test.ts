// aip-proxy in front of a stateful Streamable HTTP server (v1 SDK on both sides).
import { createAipFetch } from '@aip/mcp';
import { verifyAuditLog } from '@aip/proxy';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, principals, proxyDocument, type RunningProxy, startProxy } from '../fixtures/proxy.js';
import { startStatefulUpstream, type Upstream } from '../fixtures/upstreams.js';

let upstream: Upstream;
let proxy: RunningProxy;
const p = principals();
const ACCEPT = 'application/json, text/event-stream';

beforeAll(async () => {
  upstream = await startStatefulUpstream();
  proxy = await startProxy(upstream.url, [p.operator.did]);
});
afterAll(async () => {
  await proxy.close({ graceMs: 100 });
  await upstream.close();
});

async function connect(url: string, fetch?: typeof globalThis.fetch): Promise<Client> {
  const client = new Client({ name: 'e2e', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), fetch === undefined ? {} : { fetch }));
  return client;
}

/** Opens a session by hand and returns its id (for raw requests). */
async function openSession(token: string): Promise<string> {
  const res = await fetch(`${proxy.url}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: ACCEPT, 'x-aip-token': token },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    }),
  });
  expect(res.status).toBe(200);
  await res.text();
  const session = res.headers.get('mcp-session-id') as string;
  await fetch(`${proxy.url}/mcp`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: ACCEPT,
      'x-aip-token': token,
      'mcp-session-id': session,
      'mcp-protocol-version': '2025-06-18',
    },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  }).then((r) => r.text());
  return session;
}

function rawPost(token: string | undefined, session: string, body: unknown, extra: Record<string, string> = {}) {
  return fetch(`${proxy.url}/mcp`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: ACCEPT,
      'mcp-session-id': session,
      'mcp-protocol-version': '2025-06-18',
      ...(token === undefined ? {} : { 'x-aip-token': token }),
      ...extra,
    },
    body: JSON.stringify(body),
  });
}

describe('aip-proxy with a stateful Streamable HTTP server', () => {
  it('gives the same session through the proxy as a direct connection (scope *)', async () => {
    const direct = await connect(upstream.url);
    const proxied = await connect(proxy.url, createAipFetch({ token: p.token(['*']) }));
    for (const client of [direct, proxied])
      expect(client.getServerVersion()).toEqual({ name: 'fixture', version: '1.0.0' });
    const run = async (c: Client) => ({
      tools: await c.listTools(),
      prompts: await c.listPrompts(),
      resources: await c.listResources(),
      call: await c.callTool({ name: 'search', arguments: { q: 'agents' } }),
      prompt: await c.getPrompt({ name: 'summarize', arguments: { text: 'long text' } }),
      read: await c.readResource({ uri: 'file:///docs/a.txt' }),
    });
    expect(await run(proxied)).toEqual(await run(direct));
    await direct.close();
    await proxied.close();
  });

  it('filters tools/list, prompts/list and resources/list to the token scope', async () => {
    const client = await connect(
      proxy.url,
      createAipFetch({
        token: p.token(['tool:search', 'tool:github.*', 'prompt:summarize', 'resource:file:///docs/*']),
      }),
    );
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['search', 'github.create_issue']);
    expect((await client.listPrompts()).prompts.map((t) => t.name)).toEqual(['summarize']);
    expect((await client.listResources()).resources.map((r) => r.uri)).toEqual(['file:///docs/a.txt']);
    await client.close();
  });

  it('denies a tool outside the scope with 403 aip_scope_insufficient, and the upstream never sees it', async () => {
    const client = await connect(proxy.url, createAipFetch({ token: p.token(['tool:search']) }));
    const before = upstream.log.http.length;
    await expect(client.callTool({ name: 'delete', arguments: { path: '/' } })).rejects.toThrow(
      /aip_scope_insufficient/,
    );
    expect(upstream.log.tools.some((t) => t.name === 'delete')).toBe(false);
    expect(upstream.log.http.slice(before).some((h) => h.body.includes('"delete"'))).toBe(false);
    const denial = proxy.audit.findLast((a) => a.decision === 'deny');
    expect(denial).toMatchObject({
      code: 'aip_scope_insufficient',
      status: 403,
      method: 'tools/call',
      tool: 'delete',
      subject: p.agent.did,
      issuer: p.operator.did,
    });
    await client.close();
  });

  it('delivers progress notifications as they happen, not in one burst', async () => {
    const client = await connect(proxy.url, createAipFetch({ token: p.token(['tool:slow']) }));
    const times: number[] = [];
    const result = await client.callTool({ name: 'slow', arguments: { steps: 5, delayMs: 80 } }, undefined, {
      onprogress: () => times.push(performance.now()),
    });
    expect(result.content).toEqual([{ type: 'text', text: 'done after 5 steps' }]);
    expect(times).toHaveLength(5);
    expect((times[4] as number) - (times[0] as number)).toBeGreaterThan(200);
    for (let i = 1; i < times.length; i++) expect((times[i] as number) - (times[i - 1] as number)).toBeGreaterThan(30);
    await client.close();
  });

  it('rejects a batch with one denied element without forwarding any of it', async () => {
    const token = p.token(['tool:search']);
    const session = await openSession(token);
    const before = upstream.log.http.length;
    const res = await rawPost(token, session, [
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'search', arguments: { q: 'a' } } },
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'delete', arguments: { path: '/' } } },
    ]);
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({
      error: { code: 'aip_scope_insufficient', message: expect.stringContaining('tool:delete') },
    });
    expect(upstream.log.http.length).toBe(before);
  });

  it('never forwards the token or the proof, and replaces spoofed X-AIP-* headers with the verified identity', async () => {
    const token = p.token(['tool:echo_headers']);
    const spoof = {
      'X-AIP-Issuer': 'did:key:z6MkSpoofed',
      'X-AIP-Verified': 'false',
      'X-AIP-Subject': 'admin',
      'X-AIP-Scope': '*',
    };
    const client = await connect(
      proxy.url,
      createAipFetch({
        token,
        holder: p.agent,
        fetch: (url, init) =>
          fetch(url, { ...init, headers: { ...Object.fromEntries(new Headers(init?.headers)), ...spoof } }),
      }),
    );
    const result = await client.callTool({ name: 'echo_headers', arguments: {} });
    const seen = JSON.parse((result.content as { text: string }[])[0]?.text as string) as Record<string, string>;
    expect(seen['x-aip-token']).toBeUndefined();
    expect(seen['x-aip-proof']).toBeUndefined();
    expect(seen['x-aip-verified']).toBe('true');
    expect(seen['x-aip-issuer']).toBe(p.operator.did);
    expect(seen['x-aip-subject']).toBe(p.agent.did);
    expect(seen['x-aip-scope']).toBe('tool:echo_headers');
    expect(seen['x-aip-chain']).toMatch(/^[A-Za-z0-9_-]{43}$/);
    for (const entry of upstream.log.http) {
      expect(JSON.stringify(entry.headers)).not.toContain(token);
      expect(entry.headers['x-aip-issuer']).not.toBe('did:key:z6MkSpoofed');
    }
    await client.close();
  });

  it('accepts Authorization: AIP <token> and strips it before forwarding', async () => {
    const token = p.token(['tool:echo_headers']);
    const client = await connect(proxy.url, (url, init) =>
      fetch(url, {
        ...init,
        headers: { ...Object.fromEntries(new Headers(init?.headers)), authorization: `AIP ${token}` },
      }),
    );
    const result = await client.callTool({ name: 'echo_headers', arguments: {} });
    const seen = JSON.parse((result.content as { text: string }[])[0]?.text as string) as Record<string, string>;
    expect(seen.authorization).toBeUndefined();
    expect(seen['x-aip-subject']).toBe(p.agent.did);
    await client.close();
  });

  describe('rejects bad tokens on POST, GET and DELETE', () => {
    const cases: [string, () => Record<string, string>, number, string][] = [
      ['missing', () => ({}), 401, 'aip_token_missing'],
      [
        'expired',
        () => ({ 'x-aip-token': p.token(['*'], { now: Math.floor(Date.now() / 1000) - 4000, ttl: 600 }) }),
        401,
        'aip_token_expired',
      ],
      [
        'signed by an untrusted key',
        () => ({ 'x-aip-token': p.token(['*'], { issuer: p.stranger }) }),
        401,
        'aip_issuer_untrusted',
      ],
      [
        'for another audience',
        () => ({ 'x-aip-token': p.token(['*'], { aud: 'did:key:z6MkSomewhereElse' }) }),
        401,
        'aip_audience_mismatch',
      ],
      ['malformed', () => ({ 'x-aip-token': 'eyJ.not.a.token' }), 401, 'aip_token_malformed'],
    ];
    let session: string;
    beforeAll(async () => {
      session = await openSession(p.token(['*']));
    });
    for (const [name, headers, status, code] of cases) {
      it(`${name}: ${status} ${code}`, async () => {
        const before = upstream.log.http.length;
        const requests = [
          fetch(`${proxy.url}/mcp`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', accept: ACCEPT, 'mcp-session-id': session, ...headers() },
            body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }),
          }),
          fetch(`${proxy.url}/mcp`, {
            method: 'GET',
            headers: { accept: 'text/event-stream', 'mcp-session-id': session, ...headers() },
          }),
          fetch(`${proxy.url}/mcp`, { method: 'DELETE', headers: { 'mcp-session-id': session, ...headers() } }),
        ];
        for (const res of await Promise.all(requests)) {
          expect(res.status).toBe(status);
          expect(await res.json()).toEqual({ error: { code, message: expect.any(String) } });
          if (status === 401)
            expect(res.headers.get('www-authenticate')).toMatch(
              new RegExp(
                `^AIP .*error="${code}".*resource_metadata="http://127\\.0\\.0\\.1:\\d+/\\.well-known/oauth-protected-resource/mcp"`,
              ),
            );
        }
        expect(upstream.log.http.length).toBe(before);
      });
    }
  });

  it('serves RFC 9728 protected resource metadata without a token', async () => {
    const res = await fetch(`${proxy.url}/.well-known/oauth-protected-resource`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      resource: proxy.proxy.audience(),
      bearer_methods_supported: ['header'],
      aip_token_header: 'X-AIP-Token',
      aip_trusted_issuers: [p.operator.did],
    });
  });

  it('passes the GET stream, DELETE and upstream status codes (404 unknown session) through unchanged', async () => {
    const token = p.token(['*']);
    const session = await openSession(token);
    const stream = await fetch(`${proxy.url}/mcp`, {
      headers: {
        accept: 'text/event-stream',
        'x-aip-token': token,
        'mcp-session-id': session,
        'mcp-protocol-version': '2025-06-18',
      },
    });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/text\/event-stream/);
    expect(JSON.parse(stream.headers.get('x-aip-audit') as string)).toMatchObject({ passed: true, errors: [] });
    await stream.body?.cancel();
    const deleted = await fetch(`${proxy.url}/mcp`, {
      method: 'DELETE',
      headers: { 'x-aip-token': token, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' },
    });
    expect(deleted.status).toBe(200);
    const gone = await rawPost(token, session, { jsonrpc: '2.0', id: 3, method: 'tools/list' });
    expect(gone.status).toBe(404);
    // An id the proxy never sealed is unknown to it: 404 (MCP clients then start a new session),
    // and the upstream never sees it.
    const before = upstream.log.http.length;
    const unknown = await rawPost(token, 'no-such-session', { jsonrpc: '2.0', id: 3, method: 'tools/list' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: 'aip_session_unknown' } });
    expect(upstream.log.http.length).toBe(before);
    const notAcceptable = await fetch(`${proxy.url}/mcp`, {
      headers: { accept: 'text/html', 'x-aip-token': token, 'mcp-session-id': await openSession(token) },
    });
    expect(notAcceptable.status).toBe(406);
  });

  it('resumes an interrupted stream with Last-Event-ID', async () => {
    const token = p.token(['tool:slow']);
    const session = await openSession(token);
    const controller = new AbortController();
    const res = await fetch(`${proxy.url}/mcp`, {
      method: 'POST',
      signal: controller.signal,
      headers: {
        'content-type': 'application/json',
        accept: ACCEPT,
        'x-aip-token': token,
        'mcp-session-id': session,
        'mcp-protocol-version': '2025-06-18',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: { name: 'slow', arguments: { steps: 3, delayMs: 100 }, _meta: { progressToken: 'p1' } },
      }),
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    while (!/\nid: ?\S+/.test(text) || !text.includes('"progress":1'))
      text += new TextDecoder().decode((await reader.read()).value);
    const lastEventId = /id: ?(\S+)/.exec(text.slice(text.lastIndexOf('id:')))?.[1] as string;
    controller.abort();
    await new Promise((r) => setTimeout(r, 400)); // let the tool finish upstream
    const resumed = await fetch(`${proxy.url}/mcp`, {
      headers: {
        accept: 'text/event-stream',
        'x-aip-token': token,
        'mcp-session-id': session,
        'mcp-protocol-version': '2025-06-18',
        'last-event-id': lastEventId,
      },
    });
    expect(resumed.status).toBe(200);
    const replayReader = (resumed.body as ReadableStream<Uint8Array>).getReader();
    let replay = '';
    while (!replay.includes('"id":7')) replay += new TextDecoder().decode((await replayReader.read()).value);
    expect(replay).toContain('done after 3 steps');
    await replayReader.cancel();
  });

  it('aborts the upstream request when the client disconnects', async () => {
    const token = p.token(['tool:slow']);
    const session = await openSession(token);
    const abortedBefore = upstream.log.aborted;
    const controller = new AbortController();
    const res = await fetch(`${proxy.url}/mcp`, {
      method: 'POST',
      signal: controller.signal,
      headers: {
        'content-type': 'application/json',
        accept: ACCEPT,
        'x-aip-token': token,
        'mcp-session-id': session,
        'mcp-protocol-version': '2025-06-18',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 8,
        method: 'tools/call',
        params: { name: 'slow', arguments: { steps: 20, delayMs: 100 }, _meta: { progressToken: 'p2' } },
      }),
    });
    await (res.body as ReadableStream<Uint8Array>).getReader().read();
    controller.abort();
    await expect.poll(() => upstream.log.aborted, { timeout: 3000 }).toBeGreaterThan(abortedBefore);
  });

  it('on shutdown ends GET streams at once and lets an SSE-answered call finish within the grace period', async () => {
    const own = await startProxy(upstream.url, [p.operator.did]);
    const token = p.token(['tool:slow']);
    const initialize = await fetch(`${own.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: ACCEPT, 'x-aip-token': token },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
      }),
    });
    await initialize.text();
    const session = initialize.headers.get('mcp-session-id') as string;
    const headers = {
      accept: ACCEPT,
      'x-aip-token': token,
      'mcp-session-id': session,
      'mcp-protocol-version': '2025-06-18',
    };
    const stream = await fetch(`${own.url}/mcp`, { headers: { ...headers, accept: 'text/event-stream' } });
    const call = await fetch(`${own.url}/mcp`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 5,
        method: 'tools/call',
        params: { name: 'slow', arguments: { steps: 8, delayMs: 100 }, _meta: { progressToken: 'g' } },
      }),
    });
    const reader = (call.body as ReadableStream<Uint8Array>).getReader();
    let text = new TextDecoder().decode((await reader.read()).value);
    const started = performance.now();
    const closing = own.close({ graceMs: 5000 });
    // The standalone stream ends cleanly right away (its client reconnects elsewhere).
    await stream.text();
    expect(performance.now() - started).toBeLessThan(1000);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    await closing;
    // The call ran to its end: the client got its result, not a cut stream.
    expect(text).toContain('"progress":8');
    expect(text).toContain('done after 8 steps');
    expect(performance.now() - started).toBeLessThan(4000);
  });

  it('answers 502 with a JSON error when the upstream is down', async () => {
    const down = await startProxy('http://127.0.0.1:9', [p.operator.did]);
    const res = await fetch(`${down.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-aip-token': p.token(['*']) },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    expect(res.status).toBe(502);
    expect(await res.json()).toEqual({ error: { code: 'aip_upstream_unavailable', message: expect.any(String) } });
    await down.close();
  });

  it('refuses oversized bodies with 413 before forwarding', async () => {
    const small = await startProxy(upstream.url, [p.operator.did], {}, { proxy: { max_body_bytes: 2048 } });
    const before = upstream.log.http.length;
    const res = await fetch(`${small.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-aip-token': p.token(['*']) },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'search', arguments: { q: 'x'.repeat(5000) } },
      }),
    });
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe('aip_request_too_large');
    expect(upstream.log.http.length).toBe(before);
    await small.close();
  });

  it('writes one hash-chained audit line per decision, never the token', async () => {
    const token = p.token(['tool:search']);
    const client = await connect(proxy.url, createAipFetch({ token }));
    await client.callTool({ name: 'search', arguments: { q: 'audit' } });
    await client.close();
    const allowed = proxy.audit.findLast((a) => a.tool === 'search' && a.decision === 'allow');
    expect(allowed).toMatchObject({
      decision: 'allow',
      code: null,
      status: 200,
      upstream_status: 200,
      http: 'POST /mcp',
      method: 'tools/call',
      issuer: p.operator.did,
      subject: p.agent.did,
    });
    expect(allowed?.chain).toHaveLength(1);
    expect(allowed?.latency_ms).toBeGreaterThan(0);
    const text = proxy.audit.map((r) => JSON.stringify(r)).join('\n');
    expect(text).not.toContain(token);
    expect(text).not.toContain(token.split('.')[2]);
  });
});

describe('audit log file', () => {
  it('chains every line so any edit is detected', async () => {
    const { mkdtemp, readFile, writeFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const dir = await mkdtemp(path.join(tmpdir(), 'aip-audit-'));
    const { createProxy, resolveConfig } = await import('@aip/proxy');
    const file = path.join(dir, 'audit.jsonl');
    const filed = await createProxy({
      config: resolveConfig(proxyDocument(upstream.url, [p.operator.did], { logging: { log_file: file } })),
    });
    await new Promise<void>((resolve) => filed.server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(filed.server.address() as { port: number }).port}`;
    const client = await connect(url, createAipFetch({ token: p.token(['tool:search']) }));
    await client.callTool({ name: 'search', arguments: { q: 'x' } });
    await expect(client.callTool({ name: 'delete', arguments: { path: '/' } })).rejects.toThrow();
    await client.close();
    await filed.close({ graceMs: 100 });
    const text = await readFile(file, 'utf8');
    expect(verifyAuditLog(text)).toMatchObject({ ok: true, lines: text.trim().split('\n').length, checkpoints: 1 });
    const lines = text.trim().split('\n');
    lines[1] = (lines[1] as string).replace('"allow"', '"deny"');
    await writeFile(file, `${lines.join('\n')}\n`);
    expect(verifyAuditLog(await readFile(file, 'utf8'))).toMatchObject({ ok: false, brokenLine: 3 });
    await rm(dir, { recursive: true, force: true });
  });
});
