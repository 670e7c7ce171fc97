import { describe, expect, it } from 'vitest';
import { createResponder } from '../src/pipeline/respond.js';
import { refusal, rpcRefusal } from '../src/refusal.js';
import { fakeContext, fixedClock, type Written } from './helpers/fake-context.js';

function responder() {
  return createResponder({
    auditLog: { write() {}, healthy: () => true, close() {} },
    clock: fixedClock(),
    publicBase: () => 'https://agent.example',
    oauth: false,
  });
}
const written = (ctx: ReturnType<typeof fakeContext>) => (ctx.res as unknown as { written(): Written }).written();

describe('answers of the proxy', () => {
  it('refuses with the AIP error body and a WWW-Authenticate challenge', () => {
    const ctx = fakeContext();
    responder().refuse(ctx, refusal('aip_token_missing', 'an AIP token is required'));
    const out = written(ctx);
    expect(out.status).toBe(401);
    expect(JSON.parse(out.body)).toEqual({ error: { code: 'aip_token_missing', message: 'an AIP token is required' } });
    expect(String(out.headers['www-authenticate'])).toContain(
      'resource_metadata="https://agent.example/.well-known/oauth-protected-resource"',
    );
  });

  it("on the A2A agent's endpoint, refuses with a JSON-RPC error an A2A client reads, status and challenge kept", () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 'r-1', method: 'CancelTask', params: { id: 't' } });
    const ctx = fakeContext({ url: '/a2a', body });
    ctx.agent = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
    ctx.parsed = { kind: 'jsonrpc', batch: false, messages: [JSON.parse(body)] };
    responder().refuse(ctx, refusal('aip_scope_insufficient', 'the token does not allow a2a:task.cancel'));
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
    responder().refuse(early, refusal('aip_token_missing', 'an AIP token is required'));
    expect(written(early).status).toBe(401);
    expect(written(early).headers['www-authenticate']).toBeDefined();
    expect(JSON.parse(written(early).body)).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32050 } });
  });

  it('answers a protocol error with its JSON-RPC code and data', () => {
    const ctx = fakeContext({ url: '/a2a' });
    responder().refuse(ctx, rpcRefusal(4, -32001, 'Task not found', [{ reason: 'TASK_NOT_FOUND' }]));
    expect(JSON.parse(written(ctx).body)).toEqual({
      jsonrpc: '2.0',
      id: 4,
      error: { code: -32001, message: 'Task not found', data: [{ reason: 'TASK_NOT_FOUND' }] },
    });
  });

  it("answers an upstream failure in the endpoint's shape", () => {
    const mcp = fakeContext();
    responder().error(mcp, 502, 'aip_upstream_unavailable', 'the upstream server is unavailable');
    expect(JSON.parse(written(mcp).body)).toEqual({
      error: { code: 'aip_upstream_unavailable', message: 'the upstream server is unavailable' },
    });
    const a2a = fakeContext({ url: '/a2a' });
    a2a.agent = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
    responder().error(a2a, 502, 'aip_upstream_unavailable', 'the upstream server is unavailable');
    expect(JSON.parse(written(a2a).body)).toMatchObject({ jsonrpc: '2.0', error: { code: -32050 } });
  });
});
