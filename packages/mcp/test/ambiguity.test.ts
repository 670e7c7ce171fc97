import { describe, expect, it } from 'vitest';
import { ambiguityOf, hasDuplicateKeys, operationOf, routeOperation } from '../src/index.js';

describe('reading a message only one way', () => {
  it('finds duplicate member names at any depth, escapes decoded', () => {
    expect(hasDuplicateKeys('{"params":{"name":"search","name":"delete"}}')).toBe(true);
    expect(hasDuplicateKeys('{"params":{"name":"search","\\u006eame":"delete"}}')).toBe(true);
    expect(hasDuplicateKeys('{"method":"a","method":"b"}')).toBe(true);
    expect(hasDuplicateKeys('[{"a":1},{"a":2}]')).toBe(false);
    expect(hasDuplicateKeys('{"a":{"b":1},"b":{"a":"\\"a\\":"}}')).toBe(false);
    expect(hasDuplicateKeys('{"s":"{\\"x\\":1,\\"x\\":2}"}')).toBe(false);
  });

  it('refuses members outside the envelope, case-variant members and request methods without an id', () => {
    expect(ambiguityOf({ jsonrpc: '2.0', method: 'tools/call', ID: 1, params: { name: 'delete' } } as never)).toMatch(
      /unknown member "ID"/,
    );
    expect(ambiguityOf({ jsonrpc: '2.0', id: 1, method: 'tools/list', Method: 'tools/call' } as never)).toMatch(
      /unknown member "Method"/,
    );
    expect(
      ambiguityOf({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'search', Name: 'delete' } }),
    ).toMatch(/differ only in case/);
    expect(
      ambiguityOf({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'search', title: 'x' } }),
    ).toBeUndefined();
    expect(ambiguityOf({ jsonrpc: '2.0', id: 1, method: 'resources/read', params: { uri: 'a', URI: 'b' } })).toMatch(
      /differ only in case/,
    );
    expect(ambiguityOf({ jsonrpc: '2.0', id: 1, method: 'x', params: { ſcope: 1, scope: 2 } })).toMatch(
      /differ only in case/,
    );
    expect(ambiguityOf({ jsonrpc: '2.0', method: 'tools/call', params: { name: 'delete' } })).toMatch(/without an id/);
    expect(ambiguityOf({ jsonrpc: '2.0', method: 'notifications/progress', params: { progress: 1 } })).toBeUndefined();
    expect(
      ambiguityOf({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'search', arguments: { Q: 1, q: 2 } },
      }),
    ).toBeUndefined();
  });
});

describe('routes read the way lenient routers read them', () => {
  it('matches route names case-insensitively, from decoded segments', () => {
    for (const segments of [
      ['mcp', 'TOOLS', 'delete'],
      ['mcp', 'Tools', 'delete'],
      ['api', 'tools', 'delete'],
    ]) {
      expect(routeOperation('POST', segments), segments.join('/')).toMatchObject({
        kind: 'scoped',
        scope: 'tool:delete',
      });
    }
  });

  it('names no route for other paths (the caller decides what they need)', () => {
    expect(routeOperation('POST', ['admin', 'reset'])).toBeUndefined();
    expect(routeOperation('GET', ['mcp'])).toBeUndefined();
    expect(routeOperation('POST', ['mcp', 'tools'])).toBeUndefined();
  });

  it('refuses resource URIs with dot segments, whether parsed or routed', () => {
    for (const uri of ['file:///docs/../etc/secret.txt', 'file:///docs/%2E%2E/etc', 'file:///docs/.%2e/etc']) {
      expect(operationOf({ jsonrpc: '2.0', id: 1, method: 'resources/read', params: { uri } }).kind, uri).toBe(
        'invalid',
      );
    }
    expect(routeOperation('GET', ['api', 'resources', 'file:', 'docs', '..', 'etc'])?.kind).toBe('invalid');
    expect(
      operationOf({ jsonrpc: '2.0', id: 1, method: 'resources/read', params: { uri: 'file:///docs/a..b.txt' } }),
    ).toMatchObject({ kind: 'scoped', scope: 'resource:file:///docs/a..b.txt' });
  });
});

describe('a path that names two routes', () => {
  it('is refused, whichever a router would pick (the first, the last, under Unicode folding)', () => {
    for (const segments of [
      ['resources', 'x', 'tools', 'delete'],
      ['mcp', 'resources', 'docs', 'tools', 'delete'],
      ['resources', 'TOOLS', 'Delete'],
      ['tools', 'search', 'prompts', 'secret'],
      ['resources', 'a', 'tool\u017f', 'delete'],
    ]) {
      expect(routeOperation('POST', segments), segments.join('/')).toMatchObject({ kind: 'invalid' });
    }
  });
});
