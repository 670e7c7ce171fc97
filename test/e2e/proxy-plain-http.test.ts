// The plain HTTP request of the Python reference README, through aip-proxy: POST
// /mcp/tools/search with X-AIP-Token answers 200, and the three documented rejections hold.
import { issueToken } from '@aip/token';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, principals, type RunningProxy, startProxy } from '../fixtures/proxy.js';
import { startPlainUpstream, type Upstream } from '../fixtures/upstreams.js';

const p = principals();
let upstream: Upstream;
let proxy: RunningProxy;

beforeAll(async () => {
  upstream = await startPlainUpstream();
  // As in the reference: the trusted key given in its raw multibase form (z...).
  proxy = await startProxy(upstream.url, [p.operator.aipId.slice('aip:key:ed25519:'.length)]);
});
afterAll(async () => {
  await proxy.close({ graceMs: 100 });
  await upstream.close();
});

function search(headers: Record<string, string>) {
  return fetch(`${proxy.url}/mcp/tools/search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query: 'agent identity' }),
  });
}

describe('the Python reference README request', () => {
  it('answers 200 for a token with tool:search (issuer in aip:key form)', async () => {
    const token = issueToken(p.operator, {
      sub: 'aip:web:example.com/tools/search',
      scope: ['tool:search'],
      budgetUsd: 1,
      issuerForm: 'aip',
    });
    const res = await search({ 'X-AIP-Token': token });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ tool: 'search', result: 'ok', received: { query: 'agent identity' } });
  });

  it('rejects a missing token with 401', async () => {
    const res = await search({});
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe('aip_token_missing');
  });

  it('rejects an untrusted issuer with 401', async () => {
    const res = await search({ 'X-AIP-Token': p.token(['tool:search'], { issuer: p.stranger }) });
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe('aip_issuer_untrusted');
  });

  it('rejects an expired token with 401', async () => {
    const res = await search({
      'X-AIP-Token': p.token(['tool:search'], { now: Math.floor(Date.now() / 1000) - 3600, ttl: 60 }),
    });
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe('aip_token_expired');
  });

  it('maps the path to the tool scope: tool:search does not open /mcp/tools/delete', async () => {
    const res = await fetch(`${proxy.url}/mcp/tools/delete`, {
      method: 'POST',
      headers: { 'x-aip-token': p.token(['tool:search']) },
      body: '{}',
    });
    expect(res.status).toBe(403);
    expect(upstream.log.tools.map((t) => t.name)).not.toContain('delete');
  });

  it('refuses dot-segment tricks that would reach another tool', async () => {
    const token = p.token(['tool:search']);
    const encodedSlash = await fetch(`${proxy.url}/mcp/tools/search/..%2Fdelete`, {
      method: 'POST',
      headers: { 'x-aip-token': token },
      body: '{}',
    });
    expect(encodedSlash.status).toBe(400);
    // Encoded dot segments are resolved before deciding, so this is a call to "delete".
    const encodedDots = await fetch(`${proxy.url}/mcp/tools/search/%2e%2e/delete`, {
      method: 'POST',
      headers: { 'x-aip-token': token },
      body: '{}',
    });
    expect(encodedDots.status).toBe(403);
    expect(upstream.log.tools.map((t) => t.name)).not.toContain('delete');
  });

  it('inspects JSON-RPC bodies whatever the Content-Type says', async () => {
    const res = await fetch(`${proxy.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'x-aip-token': p.token(['tool:search']) },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'delete', arguments: {} } }),
    });
    expect(res.status).toBe(403);
    const sneaky = await fetch(`${proxy.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-aip-token': p.token(['tool:search']) },
      body: JSON.stringify({ jsonrpc: '2.0', id: { nested: true }, method: 'tools/call', params: { name: 'delete' } }),
    });
    expect(sneaky.status).toBe(400);
    expect(((await sneaky.json()) as { error: { code: number } }).error.code).toBe(-32600);
  });
});
