import { describe, expect, it } from 'vitest';
import { parseBody } from '../src/request/json-rpc-body.js';
import { planRequest } from '../src/request/request-plan.js';
import { parseTarget } from '../src/request/target.js';

const MCP = ['/mcp', '/message'];

function plan(method: string, url: string, body?: unknown, headers: Record<string, string> = {}) {
  const target = parseTarget(url);
  if (!target.ok) throw new Error(target.reason);
  const bytes = Buffer.from(body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body));
  const parsed = parseBody({ 'content-type': 'application/json', ...headers }, bytes, 64);
  if ('code' in parsed) return parsed;
  return planRequest(method, target.target, parsed, MCP);
}
const scopes = (p: ReturnType<typeof plan>) =>
  'operations' in p ? p.operations.flatMap((op) => (op.kind === 'scoped' ? [op.scope] : [])) : p;

describe('what a request asks the upstream to do', () => {
  it('takes JSON-RPC on an MCP endpoint, each message its own operation', () => {
    expect(
      scopes(
        plan('POST', '/mcp', [
          { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'a' } },
          { jsonrpc: '2.0', id: 2, method: 'prompts/get', params: { name: 'b' } },
        ]),
      ),
    ).toEqual(['tool:a', 'prompt:b']);
    expect(plan('GET', '/mcp')).toMatchObject({ stream: true, operations: [{ kind: 'open' }] });
    expect(plan('DELETE', '/mcp')).toMatchObject({ stream: false, operations: [{ kind: 'open' }] });
  });

  it('adds the path to whatever the body asks, so both are authorized', () => {
    expect(scopes(plan('POST', '/admin/reset', { jsonrpc: '2.0', id: 1, method: 'ping' }))).toEqual([
      'http:/admin/reset',
    ]);
    expect(scopes(plan('GET', '/admin/reset'))).toEqual(['http:/admin/reset']);
    expect(scopes(plan('POST', '/api/TOOLS/delete', { q: 1 }))).toEqual(['tool:delete']);
    expect(scopes(plan('POST', '/mcp/', { jsonrpc: '2.0', id: 1, method: 'ping' }))).toEqual(['http:/mcp/']);
  });

  it('refuses what has no single reading', () => {
    expect(plan('POST', '/mcp/tools/delete', { jsonrpc: '2.0', id: 1, method: 'ping' })).toMatchObject({
      code: 'aip_request_invalid',
    });
    expect(plan('POST', '/mcp', { not: 'json-rpc' })).toMatchObject({ code: 'aip_request_invalid' });
    expect(plan('POST', '/mcp', 'plain text', { 'content-type': 'text/plain' })).toMatchObject({
      code: 'aip_request_invalid',
    });
    expect(plan('PUT', '/mcp', { jsonrpc: '2.0', id: 1, method: 'ping' })).toMatchObject({
      code: 'aip_method_not_allowed',
    });
    expect(plan('POST', '/mcp', { jsonrpc: '2.0', id: 1, method: 'tasks/get', params: {} })).toMatchObject({
      rpc: { code: -32602 },
    });
  });

  it('carries the task ids a request refers to, and whether it may create one', () => {
    expect(
      plan('POST', '/mcp', { jsonrpc: '2.0', id: 1, method: 'tasks/result', params: { taskId: 't' } }),
    ).toMatchObject({ taskIds: ['t'] });
    expect(
      plan('POST', '/mcp', { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'a', task: { ttl: 1000 } } }),
    ).toMatchObject({ createsTask: true });
  });

  it('forwards a resource URI as it was authorized, leaving every other byte of an unchanged body alone', () => {
    const read = plan('POST', '/mcp', {
      jsonrpc: '2.0',
      id: 7,
      method: 'resources/read',
      params: { uri: 'FILE:///docs/a.txt' },
    });
    expect(scopes(read)).toEqual(['resource:file:///docs/a.txt']);
    expect(JSON.parse(('body' in read ? read.body : undefined)?.toString() ?? '')).toEqual({
      jsonrpc: '2.0',
      id: 7,
      method: 'resources/read',
      params: { uri: 'file:///docs/a.txt' },
    });
    expect(
      plan('POST', '/mcp', { jsonrpc: '2.0', id: 7, method: 'resources/read', params: { uri: 'file:///docs/a.txt' } }),
    ).toMatchObject({
      body: undefined,
    });
  });
});

describe('streams', () => {
  it('knows a subscriptions/listen for the long-lived stream it opens, as a GET', () => {
    expect(
      plan('POST', '/mcp', { jsonrpc: '2.0', id: 1, method: 'subscriptions/listen', params: { notifications: {} } }),
    ).toMatchObject({
      stream: true,
    });
    expect(
      plan('POST', '/mcp', [{ jsonrpc: '2.0', id: 1, method: 'subscriptions/listen', params: { notifications: {} } }]),
    ).toMatchObject({
      stream: false,
    });
  });
});
