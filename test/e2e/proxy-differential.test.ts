// A differential property of the proxy: over generated and mutated requests — request targets in
// every form, resource URIs with control characters and encodings, batches, session channels,
// re-routing headers — what the upstreams *executed* (the official SDK v1 and v2 servers, and a
// deliberately lenient plain-HTTP router) is always within what the principal was authorized for.
import { request as httpRequest } from 'node:http';
import { scopeAllows } from '@aip/token';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { principals, type RunningProxy, startProxy } from '../fixtures/proxy.js';
import {
  startLenientRouter,
  startModernUpstream,
  startStatelessUpstream,
  type Upstream,
} from '../fixtures/upstreams.js';

const p = principals();
const SCOPE = ['tool:search', 'tool:github.*', 'resource:file:///docs/*', 'prompt:summarize'];
const RUNS = Number(process.env.AIP_DIFFERENTIAL_RUNS ?? 3000);

function send(
  url: string,
  method: string,
  target: string,
  headers: Record<string, string>,
  body: string,
): Promise<number> {
  const base = new URL(url);
  return new Promise((resolve) => {
    let req: ReturnType<typeof httpRequest>;
    try {
      req = httpRequest({ host: base.hostname, port: base.port, method, path: target, headers }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(0));
      });
    } catch {
      resolve(-1); // a target Node itself refuses to send
      return;
    }
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

// --- generators ---------------------------------------------------------------------------------

const tools = fc.constantFrom(
  'search',
  'delete',
  'github.create_issue',
  'SEARCH',
  'Delete',
  'search ',
  'slow',
  'echo_headers',
  'github',
  'githubx.create',
);
const noise = fc.constantFrom(
  '\t',
  '\n',
  '\r',
  '%2e',
  '%2E',
  '.',
  '..',
  '/',
  '/../',
  '%2F',
  '%5C',
  '\\',
  '%252e',
  ' ',
  '\u00a0',
  '%00',
  '#',
  '?',
  ';',
);
const baseUri = fc.constantFrom(
  'file:///docs/a.txt',
  'file:///etc/secret.txt',
  'FILE:///docs/a.txt',
  'file:///docs/../etc/secret.txt',
);
const uri = fc.oneof(
  baseUri,
  fc.tuple(baseUri, fc.array(fc.tuple(fc.nat(30), noise), { maxLength: 3 })).map(([u, edits]) => {
    let out = u;
    for (const [at, piece] of edits) {
      const i = Math.min(at, out.length);
      out = out.slice(0, i) + piece + out.slice(i);
    }
    return out;
  }),
);
const message = fc.oneof(
  tools.map((name) => ({
    method: 'tools/call',
    params: { name, arguments: { q: 'x', path: '/', title: 't', steps: 1, delayMs: 1 } },
  })),
  uri.map((u) => ({ method: 'resources/read', params: { uri: u } })),
  uri.map((u) => ({ method: 'resources/subscribe', params: { uri: u } })),
  fc.constant({ method: 'ping' }),
  fc.constant({ method: 'tools/list' }),
  fc
    .constantFrom('summarize', 'secret')
    .map((name) => ({ method: 'prompts/get', params: { name, arguments: { text: 'x' } } })),
);
const body = fc.oneof(
  { weight: 6, arbitrary: message.map((m) => JSON.stringify({ jsonrpc: '2.0', id: 1, ...m })) },
  {
    weight: 3,
    arbitrary: fc
      .array(message, { minLength: 1, maxLength: 3 })
      .map((ms) => JSON.stringify(ms.map((m, i) => ({ jsonrpc: '2.0', id: i + 1, ...m })))),
  },
  message.map((m) => JSON.stringify({ jsonrpc: '2.0', ...m })), // as a "notification"
  message.map((m) => JSON.stringify({ jsonrpc: '2.0', id: 1, ...m }).replace('"method"', '"Method"')),
  message.map((m) =>
    JSON.stringify({ jsonrpc: '2.0', id: 1, ...m }).replace('"params":{', '"params":{"name":"delete",'),
  ),
  fc.constant('{}'),
  fc.constant(''),
);
const target = fc.oneof(
  { weight: 8, arbitrary: fc.constant('/mcp') },
  fc.constantFrom(
    '/MCP',
    '/mcp/',
    '//mcp',
    '/mcp;x=1',
    '/mcp?sessionId=a&sessionId=b',
    '/message?session_id=x',
    '/sse',
  ),
  tools.map((t) => `/mcp/tools/${encodeURIComponent(t)}`),
  fc.constantFrom(
    '/mcp/TOOLS/delete',
    '/mcp/tools/%64elete',
    '/mcp/tools/delete/',
    '/mcp/./tools/delete',
    '/x/../mcp/tools/delete',
    '/mcp%2Ftools%2Fdelete',
    '/mcp/tools/delete;.json',
    '/mcp/tools/%2564elete',
    'http://upstream.invalid/mcp/tools/delete',
    '/mcp/tools//delete',
    '/admin/reset',
    '/mcp/resources/file:/etc/secret.txt',
    '/mcp/prompts/secret',
  ),
);
const oddHeaders = fc.record(
  {
    'x-original-url': fc.constantFrom('/mcp/tools/delete', '/admin/reset'),
    'x-http-method-override': fc.constantFrom('PUT', 'DELETE'),
    x_aip_scope: fc.constant('*'),
    'mcp-method': fc.constantFrom('tools/call', 'ping'),
    'mcp-name': fc.constantFrom('search', 'delete'),
    'mcp-protocol-version': fc.constantFrom('2025-06-18', '2026-07-28'),
    'content-type': fc.constantFrom('application/json', 'text/plain', 'application/json; charset=utf-16'),
  },
  { requiredKeys: [] },
);
const headers = fc.oneof({ weight: 4, arbitrary: fc.constant({ 'content-type': 'application/json' }) }, oddHeaders);
const requestCase = fc.record({
  method: fc.constantFrom('POST', 'POST', 'POST', 'POST', 'GET', 'PUT'),
  target,
  headers,
  body,
});

// --- the property ---------------------------------------------------------------------------------

describe('what the upstreams execute stays within what was authorized', () => {
  let upstreams: Upstream[];
  let proxies: RunningProxy[];
  beforeAll(async () => {
    upstreams = [await startStatelessUpstream({ json: true }), await startModernUpstream(), await startLenientRouter()];
    proxies = await Promise.all(
      upstreams.map((u) =>
        startProxy(u.url, [p.operator.did], {}, { rate_limit: { unauthenticated_per_minute: 100_000_000 } }),
      ),
    );
  });
  afterAll(async () => {
    for (const proxy of proxies) await proxy.close({ graceMs: 100 });
    for (const upstream of upstreams) await upstream.close();
  });

  it('holds over generated and mutated requests, on the SDK v1 and v2 servers and a lenient router', async () => {
    const token = p.token(SCOPE);
    let forwarded = 0;
    await fc.assert(
      fc.asyncProperty(requestCase, fc.nat(2), async (c, which) => {
        const proxy = proxies[which] as RunningProxy;
        const status = await send(
          proxy.url,
          c.method,
          c.target,
          { ...c.headers, 'x-aip-token': token, accept: 'application/json, text/event-stream' },
          c.method === 'GET' ? '' : c.body,
        );
        if (status > 0 && status < 400) forwarded++;
        const upstream = upstreams[which] as Upstream;
        for (const tool of upstream.log.tools)
          if (!scopeAllows(SCOPE, `tool:${tool.name}`))
            throw new Error(`executed tool:${tool.name} for ${JSON.stringify(c)}`);
        for (const read of upstream.log.resources)
          if (!scopeAllows(SCOPE, `resource:${read}`)) throw new Error(`read ${read} for ${JSON.stringify(c)}`);
        for (const sent of upstream.log.http) {
          if (
            Object.keys(sent.headers).some(
              (h) => h.includes('_') || h === 'x-original-url' || h === 'x-http-method-override',
            )
          )
            throw new Error(`a rerouting or spoofable header reached the upstream for ${JSON.stringify(c)}`);
          if (sent.headers['x-aip-scope'] !== SCOPE.join(' '))
            throw new Error('the identity headers were not the verified ones');
        }
      }),
      { numRuns: RUNS, seed: Number(process.env.AIP_DIFFERENTIAL_SEED ?? Date.now() % 2 ** 31) },
    );
    // The property is not vacuous: plenty of requests were allowed and executed.
    expect(forwarded).toBeGreaterThan(RUNS / 20);
    expect(upstreams.reduce((n, u) => n + u.log.tools.length, 0)).toBeGreaterThan(0);
  }, 240_000);
});
