import { describe, expect, it } from 'vitest';
import { classifyBody, operationOf, operationsOf, routeOperation } from '../src/index.js';

const rpc = (method: string, params?: unknown, id = 1) => ({
  jsonrpc: '2.0' as const,
  method,
  id,
  ...(params === undefined ? {} : { params }),
});

describe('operationOf', () => {
  it('maps tools, prompts and resources to their scopes', () => {
    expect(operationOf(rpc('tools/call', { name: 'search', arguments: {} }))).toEqual({
      kind: 'scoped',
      method: 'tools/call',
      scope: 'tool:search',
      name: 'search',
    });
    expect(operationOf(rpc('prompts/get', { name: 'summarize' }))).toMatchObject({ scope: 'prompt:summarize' });
    expect(operationOf(rpc('resources/read', { uri: 'file:///a.txt' }))).toMatchObject({
      scope: 'resource:file:///a.txt',
    });
    expect(operationOf(rpc('resources/subscribe', { uri: 'file:///a.txt' }))).toMatchObject({
      scope: 'resource:file:///a.txt',
    });
    expect(operationOf(rpc('completion/complete', { ref: { type: 'ref/prompt', name: 'summarize' } }))).toMatchObject({
      scope: 'prompt:summarize',
    });
  });

  it('lets lifecycle, list and notification traffic through with a valid token', () => {
    for (const method of [
      'initialize',
      'ping',
      'tools/list',
      'prompts/list',
      'resources/list',
      'resources/templates/list',
      'server/discover',
      'subscriptions/listen',
    ]) {
      expect(operationOf(rpc(method)).kind, method).toBe('open');
    }
    expect(operationOf({ jsonrpc: '2.0', method: 'notifications/initialized' }).kind).toBe('open');
    expect(operationOf({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1 } }).kind).toBe(
      'open',
    );
    expect(operationOf({ jsonrpc: '2.0', id: 5, result: {} }).kind).toBe('open');
  });

  it('requires rpc:<method> for anything else', () => {
    expect(operationOf(rpc('sampling/createMessage'))).toMatchObject({
      kind: 'scoped',
      scope: 'rpc:sampling/createMessage',
    });
  });

  it('refuses messages whose target is not a string', () => {
    for (const params of [undefined, {}, { name: 42 }, { name: ['search'] }, { name: '' }]) {
      expect(operationOf(rpc('tools/call', params)).kind, JSON.stringify(params)).toBe('invalid');
    }
    expect(operationOf(rpc('resources/read', { uri: { href: 'x' } })).kind).toBe('invalid');
  });
});

describe('routeOperation', () => {
  it('maps the plain HTTP paths of the Python reference', () => {
    expect(routeOperation('POST', ['mcp', 'tools', 'search'])).toMatchObject({ kind: 'scoped', scope: 'tool:search' });
    expect(routeOperation('POST', ['tools', 'web search'])).toMatchObject({ scope: 'tool:web search' });
    expect(routeOperation('GET', ['mcp', 'prompts', 'summarize'])).toMatchObject({ scope: 'prompt:summarize' });
    expect(routeOperation('GET', ['api', 'resources', 'file:', 'a', 'b.txt'])).toMatchObject({
      scope: 'resource:file:/a/b.txt',
    });
    expect(routeOperation('GET', ['mcp'])).toBeUndefined();
    expect(routeOperation('POST', ['mcp', 'tools', 'a', 'b'])?.kind).toBe('invalid');
    expect(routeOperation('POST', ['mcp', 'tools', ''])?.kind).toBe('invalid');
  });
});

describe('classifyBody', () => {
  it('tells single messages, batches and other JSON apart', () => {
    expect(classifyBody(rpc('ping')).kind).toBe('single');
    expect(classifyBody([rpc('ping'), rpc('tools/list', undefined, 2)]).kind).toBe('batch');
    expect(classifyBody([]).kind).toBe('other');
    expect(classifyBody([rpc('ping'), { hello: 1 }]).kind).toBe('other');
    expect(classifyBody({ query: 'x' }).kind).toBe('other');
    expect(classifyBody({ jsonrpc: '1.0', method: 'x', id: 1 }).kind).toBe('other');
  });
});

describe('operationsOf', () => {
  it('needs a resource scope for every resource a subscriptions/listen subscribes to', () => {
    const listen = (resourceSubscriptions: unknown) => ({
      jsonrpc: '2.0' as const,
      id: 1,
      method: 'subscriptions/listen',
      params: { notifications: { toolsListChanged: true, resourceSubscriptions } },
    });
    expect(operationsOf(listen(['file:///docs/a.txt', 'FILE:///etc/secret.txt']))).toMatchObject([
      { kind: 'open' },
      { kind: 'scoped', scope: 'resource:file:///docs/a.txt' },
      {
        kind: 'scoped',
        scope: 'resource:file:///etc/secret.txt',
        uri: 'file:///etc/secret.txt',
        field: 'notifications.resourceSubscriptions[1]',
      },
    ]);
    expect(operationsOf(listen('file:///etc/secret.txt'))[0]?.kind).toBe('invalid');
    expect(operationsOf(listen([42]))[1]?.kind).toBe('invalid');
    expect(operationsOf(listen(['file:///docs/.\t./etc/secret.txt']))[1]?.kind).toBe('invalid');
  });

  it('refuses a message whose method is not a string', () => {
    expect(classifyBody({ jsonrpc: '2.0', id: 1, method: 5, result: {} }).kind).toBe('other');
  });
});
