import { describe, expect, it } from 'vitest';
import { decide } from '../src/decision.js';

const json = { 'content-type': 'application/json' };
const body = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('decide', () => {
  it('allows lifecycle and list traffic with any scope, marking lists for filtering', () => {
    const d = decide('POST', '/mcp', json, body({ jsonrpc: '2.0', id: 1, method: 'tools/list' }), ['tool:x']);
    expect(d).toMatchObject({ allowed: true, method: 'tools/list', lists: true });
  });

  it('refuses a scoped call the token does not cover', () => {
    expect(
      decide('POST', '/mcp', json, body({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'rm' } }), [
        'tool:x',
      ]),
    ).toMatchObject({ allowed: false, kind: 'aip', code: 'aip_scope_insufficient', names: ['rm'] });
  });

  it('refuses a whole batch for one denied element', () => {
    const batch = [
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'x' } },
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'rm' } },
    ];
    expect(decide('POST', '/mcp', json, body(batch), ['tool:x'])).toMatchObject({
      allowed: false,
      method: 'batch',
      names: ['x', 'rm'],
    });
    expect(decide('POST', '/mcp', json, body(batch), ['tool:*'])).toMatchObject({ allowed: true, method: 'batch' });
  });

  it('answers MCP protocol errors in JSON-RPC for header mismatches and unauthorizable messages', () => {
    const call = { jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'x' } };
    expect(
      decide('POST', '/mcp', { ...json, 'mcp-method': 'tools/call', 'mcp-name': 'y' }, body(call), ['*']),
    ).toMatchObject({ allowed: false, kind: 'jsonrpc', id: 4, rpcCode: -32020 });
    expect(
      decide('POST', '/mcp', json, body({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: {} }), ['*']),
    ).toMatchObject({ allowed: false, rpcCode: -32602, id: 5 });
    expect(
      decide('POST', '/mcp', json, body({ jsonrpc: '2.0', id: [1], method: 'tools/call', params: { name: 'x' } }), [
        '*',
      ]),
    ).toMatchObject({ allowed: false, rpcCode: -32600 });
  });

  it('maps plain HTTP requests by path, and JSON that is not JSON-RPC too', () => {
    expect(decide('POST', '/mcp/tools/search', json, body({ query: 'q' }), ['tool:search'])).toMatchObject({
      allowed: true,
      method: 'POST /mcp/tools/search',
      names: ['search'],
    });
    expect(decide('GET', '/mcp', {}, Buffer.alloc(0), ['tool:x'])).toMatchObject({ allowed: true, method: 'GET /mcp' });
  });
});
