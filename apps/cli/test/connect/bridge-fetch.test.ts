// The bridge's fetch against a real HTTP server that answers as aip-proxy does.
import { getEventListeners } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateIdentity } from '@aip/identity';
import { checkProof, issueToken } from '@aip/token';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBridgeFetch, SessionLostError } from '../../src/connect/bridge-fetch.js';
import { silentLog } from '../../src/connect/log.js';
import { AIP_REFUSED, hintFor, readRefusal, requestIds, rpcErrors } from '../../src/connect/refusal.js';
import { TokenSource } from '../../src/connect/token-source.js';

const operator = generateIdentity();
const agent = generateIdentity();
const seen: { url: string; headers: IncomingHttpHeaders; body: string }[] = [];
let answer: (url: string) => { status: number; body: string; headers?: Record<string, string> } = () => ({
  status: 200,
  body: '{}',
});
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      seen.push({ url: req.url as string, headers: req.headers, body });
      const a = answer(req.url as string);
      res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers }).end(a.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function bridge(tokens: string[], sessionLoss: 'throw' | 'pass' = 'throw') {
  let n = 0;
  const source = new TokenSource({
    origin: { kind: 'command', command: 'x' },
    runCommand: async () => tokens[n++] as string,
  });
  await source.start();
  return createBridgeFetch({ tokens: source, holder: agent, sessionLoss, log: silentLog });
}

const refusal = (code: string, message: string) => JSON.stringify({ error: { code, message } });
const call = (id: number, name: string) =>
  JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: {} } });

describe('the bridge fetch', () => {
  it('sends the token and a fresh proof bound to the exact request', async () => {
    const token = issueToken(operator, { sub: agent.did, scope: ['tool:search'], ttl: 600 });
    answer = () => ({ status: 200, body: '{"jsonrpc":"2.0","id":1,"result":{}}' });
    const res = await (await bridge([token]))(`${base}/mcp?x=1`, { method: 'POST', body: call(1, 'search') });
    expect(res.status).toBe(200);
    const got = seen.at(-1);
    expect(got?.headers['x-aip-token']).toBe(token);
    const proof = checkProof(String(got?.headers['x-aip-proof']), {
      token,
      method: 'POST',
      path: '/mcp?x=1',
      body: call(1, 'search'),
      audience: base,
      holderKey: agent.publicKey,
    });
    expect(proof.claims.htm).toBe('POST');
  });

  it('turns a refusal into a JSON-RPC error per request it carried, with the code and a hint', async () => {
    answer = () => ({
      status: 403,
      body: refusal('aip_scope_insufficient', 'the token does not allow tool:delete'),
      headers: { 'www-authenticate': 'AIP realm="aip-proxy"' },
    });
    const fetch = await bridge([issueToken(operator, { sub: agent.did, scope: ['tool:search'], ttl: 600 })]);
    const res = await fetch(`${base}/mcp`, { method: 'POST', body: call(7, 'delete') });
    expect(res.status).toBe(200);
    expect(res.headers.get('www-authenticate')).toBeNull();
    expect(await res.json()).toEqual({
      jsonrpc: '2.0',
      id: 7,
      error: {
        code: AIP_REFUSED,
        message:
          "aip_scope_insufficient: the token does not allow tool:delete (ask the token's issuer for a token (or a delegation) that includes it)",
        data: {
          code: 'aip_scope_insufficient',
          status: 403,
          hint: "ask the token's issuer for a token (or a delegation) that includes it",
        },
      },
    });
    // Nothing to answer (a notification): the refusal goes back as it came, minus the challenge.
    const note = await fetch(`${base}/mcp`, { method: 'POST', body: '{"jsonrpc":"2.0","method":"notifications/x"}' });
    expect(note.status).toBe(403);
    expect(note.headers.get('www-authenticate')).toBeNull();
    expect(await note.json()).toEqual({
      error: { code: 'aip_scope_insufficient', message: 'the token does not allow tool:delete' },
    });
  });

  it('renews a token the server says expired, and tries once more with it', async () => {
    const stale = issueToken(operator, { sub: agent.did, scope: ['tool:search'], ttl: 600 });
    const renewed = issueToken(operator, { sub: agent.did, scope: ['tool:search'], ttl: 600, jti: 'renewed' });
    answer = () => {
      const token = seen.at(-1)?.headers['x-aip-token'];
      return token === renewed
        ? { status: 200, body: '{"jsonrpc":"2.0","id":1,"result":{}}' }
        : { status: 401, body: refusal('aip_token_expired', 'token expired') };
    };
    const before = seen.length;
    const res = await (await bridge([stale, renewed]))(`${base}/mcp`, { method: 'POST', body: call(1, 'search') });
    expect(res.status).toBe(200);
    expect(seen.slice(before).map((r) => r.headers['x-aip-token'])).toEqual([stale, renewed]);
  });

  it('reports a session the server no longer knows, or passes the 404 back, as asked', async () => {
    answer = () => ({
      status: 404,
      body: '{"jsonrpc":"2.0","id":null,"error":{"code":-32001,"message":"Session not found"}}',
    });
    const token = issueToken(operator, { sub: agent.did, scope: ['tool:search'], ttl: 600 });
    const init = { method: 'POST', headers: { 'mcp-session-id': 's1' }, body: call(1, 'search') };
    await expect((await bridge([token]))(`${base}/mcp`, init)).rejects.toBeInstanceOf(SessionLostError);
    const passed = await (await bridge([token], 'pass'))(`${base}/mcp`, init);
    expect(passed.status).toBe(404);
    expect(await passed.text()).toContain('Session not found');
  });
});

describe("the bridge fetch and the transport's abort signal", () => {
  it('leaves no listener on the long-lived signal once responses are read or cancelled, and still aborts', async () => {
    answer = (url) =>
      url === '/stream'
        ? { status: 200, body: '', headers: { 'content-type': 'text/event-stream' } }
        : { status: 200, body: '{"jsonrpc":"2.0","id":1,"result":{}}' };
    const fetch = await bridge([issueToken(operator, { sub: agent.did, scope: ['tool:search'], ttl: 600 })]);
    const transport = new AbortController();
    for (let i = 0; i < 50; i++) {
      const res = await fetch(`${base}/mcp`, { method: 'POST', body: call(1, 'search'), signal: transport.signal });
      if (i % 2 === 0) await res.json();
      else await res.body?.cancel();
    }
    expect(getEventListeners(transport.signal, 'abort')).toHaveLength(0);
    const pending = fetch(`${base}/mcp`, { method: 'POST', body: call(2, 'search'), signal: transport.signal });
    transport.abort(new Error('closed'));
    await expect(pending).rejects.toThrow();
  });
});

describe('refusals', () => {
  it('reads the AIP error body, the retry delay, or a JSON-RPC error answering a request', async () => {
    const r = await readRefusal(
      new Response(refusal('aip_rate_limited', 'slow down'), { status: 429, headers: { 'retry-after': '3' } }),
    );
    expect(r).toMatchObject({ status: 429, code: 'aip_rate_limited', message: 'slow down', retryAfter: '3' });
    const context = { token: 'the token in /t', source: 'env' as const, audience: 'https://mcp.example.com' };
    expect(hintFor(r, context)).toBe('try again in 3 s');
    const rpc = await readRefusal(
      new Response('{"jsonrpc":"2.0","id":4,"error":{"code":-32602,"message":"Invalid params"}}', { status: 400 }),
    );
    expect(rpcErrors([4], rpc, context)).toEqual([
      { jsonrpc: '2.0', id: 4, error: { code: -32602, message: 'Invalid params' } },
    ]);
    expect(hintFor({ status: 401, code: 'aip_token_expired', message: '', raw: '' }, context)).toBe(
      'the token in /t has expired: set a fresh one and restart the client',
    );
    expect(
      requestIds(
        '[{"jsonrpc":"2.0","id":1,"method":"a"},{"jsonrpc":"2.0","method":"n"},{"jsonrpc":"2.0","id":2,"result":{}}]',
      ),
    ).toEqual([1]);
  });
});
