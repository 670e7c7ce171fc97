// The responder's refusals: the error body, and the challenges of challenges.ts on the response
// (each scheme its own header line, the metadata of the endpoint requested).
import { describe, expect, it } from 'vitest';
import { createResponder } from '../src/pipeline/respond.js';
import { insufficientScope, refusal, rpcRefusal } from '../src/refusal.js';
import { parseTarget } from '../src/request/target.js';
import { fakeContext, fakeWorld, fixedClock, type Written } from './helpers/fake-context.js';

function responder(oauth: Map<string, string[]> | undefined) {
  const lines: unknown[] = [];
  const respond = createResponder({
    auditLog: { write: (line) => lines.push(line), healthy: () => true, close() {} },
    clock: fixedClock(),
    publicBase: () => 'https://mcp.example.com',
    mcpPaths: () => ['/mcp'],
    oauth,
  });
  return { respond, lines };
}

function on(path: string) {
  const ctx = fakeContext({ url: path });
  const target = parseTarget(path);
  if (target.ok) ctx.target = target.target;
  return ctx;
}

const written = (ctx: ReturnType<typeof fakeContext>): Written =>
  (ctx.res as unknown as { written(): Written }).written();

describe('refusals', () => {
  it('challenges a 401 on an MCP endpoint with its path-aware metadata, Bearer first in OAuth mode', () => {
    const { respond, lines } = responder(new Map([['mcp:read', ['tool:search']]]));
    const ctx = on('/mcp');
    respond.refuse(ctx, refusal('aip_token_missing', 'no token'));
    const { status, headers, body } = written(ctx);
    expect(status).toBe(401);
    expect(headers['www-authenticate']).toEqual([
      'Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp"',
      'AIP realm="aip-proxy", error="aip_token_missing", resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp"',
    ]);
    expect(JSON.parse(body)).toEqual({ error: { code: 'aip_token_missing', message: 'no token' } });
    expect(lines).toMatchObject([{ decision: 'deny', code: 'aip_token_missing', status: 401 }]);
  });

  it('asks an OAuth caller lacking a scope to step up, and tells an AIP caller only why', () => {
    const { respond } = responder(new Map([['mcp:delete', ['tool:delete']]]));
    const world = fakeWorld();
    const oauthCtx = on('/mcp');
    oauthCtx.principal = { ...world.principal(['tool:search']), kind: 'oauth', oauthScope: ['mcp:read'] };
    respond.refuse(oauthCtx, insufficientScope(['tool:delete']));
    expect(written(oauthCtx).headers['www-authenticate']).toEqual([
      'Bearer error="insufficient_scope", scope="mcp:read mcp:delete", resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", error_description="the token does not allow tool:delete"',
    ]);
    const aipCtx = on('/mcp');
    aipCtx.principal = world.principal(['tool:search']);
    respond.refuse(aipCtx, insufficientScope(['tool:delete']));
    expect(written(aipCtx)).toMatchObject({ status: 403 });
    expect(written(aipCtx).headers['www-authenticate']).toBeUndefined();
  });

  it('names the root metadata off an MCP endpoint, and only AIP without [oauth]', () => {
    const { respond } = responder(undefined);
    const ctx = on('/api/tools/search');
    respond.refuse(ctx, refusal('aip_token_expired', 'token expired'));
    expect(written(ctx).headers['www-authenticate']).toEqual([
      'AIP realm="aip-proxy", error="aip_token_expired", resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource"',
    ]);
  });
});

describe("answers on the A2A agent's endpoint", () => {
  const a2aResponder = () => responder(undefined).respond;

  it("on the A2A agent's endpoint, refuses with a JSON-RPC error an A2A client reads, status and challenge kept", () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 'r-1', method: 'CancelTask', params: { id: 't' } });
    const ctx = fakeContext({ url: '/a2a', body });
    ctx.agent = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
    ctx.parsed = { kind: 'jsonrpc', batch: false, messages: [JSON.parse(body)] };
    a2aResponder().refuse(ctx, refusal('aip_scope_insufficient', 'the token does not allow a2a:task.cancel'));
    const out = written(ctx);
    expect(out.status).toBe(403);
    expect(JSON.parse(out.body)).toEqual({
      jsonrpc: '2.0',
      id: 'r-1',
      error: {
        code: -32050,
        message: 'the token does not allow a2a:task.cancel',
        data: [
          {
            '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
            reason: 'AIP_SCOPE_INSUFFICIENT',
            domain: 'github.com/aip-project/aip',
            metadata: { code: 'aip_scope_insufficient', status: '403' },
          },
        ],
      },
    });
    const early = fakeContext({ url: '/a2a' });
    early.agent = ctx.agent;
    a2aResponder().refuse(early, refusal('aip_token_missing', 'an AIP token is required'));
    expect(written(early).status).toBe(401);
    expect(written(early).headers['www-authenticate']).toBeDefined();
    expect(JSON.parse(written(early).body)).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32050 } });
  });

  it('answers a protocol error with its JSON-RPC code and data', () => {
    const ctx = fakeContext({ url: '/a2a' });
    a2aResponder().refuse(ctx, rpcRefusal(4, -32001, 'Task not found', [{ reason: 'TASK_NOT_FOUND' }]));
    expect(JSON.parse(written(ctx).body)).toEqual({
      jsonrpc: '2.0',
      id: 4,
      error: { code: -32001, message: 'Task not found', data: [{ reason: 'TASK_NOT_FOUND' }] },
    });
  });

  it("answers an upstream failure in the endpoint's shape", () => {
    const mcp = fakeContext();
    a2aResponder().error(mcp, 502, 'aip_upstream_unavailable', 'the upstream server is unavailable');
    expect(JSON.parse(written(mcp).body)).toEqual({
      error: { code: 'aip_upstream_unavailable', message: 'the upstream server is unavailable' },
    });
    const a2a = fakeContext({ url: '/a2a' });
    a2a.agent = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
    a2aResponder().error(a2a, 502, 'aip_upstream_unavailable', 'the upstream server is unavailable');
    expect(JSON.parse(written(a2a).body)).toMatchObject({ jsonrpc: '2.0', error: { code: -32050 } });
  });
});
