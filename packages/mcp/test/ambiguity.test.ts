import { describe, expect, it } from 'vitest';
import { ambiguityOf, hasDotSegment, hasDuplicateKeys, operationOf, operationOfPath } from '../src/index.js';

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

describe('paths read the way lenient routers read them', () => {
  it('matches route names case-insensitively and percent-decoded', () => {
    for (const path of ['/mcp/TOOLS/delete', '/mcp/tool%73/delete', '/mcp/%74ools/delete', '/mcp/tools/%64elete']) {
      expect(operationOfPath('POST', path), path).toMatchObject({ kind: 'scoped', scope: 'tool:delete' });
    }
  });

  it('refuses encoded separators', () => {
    expect(operationOfPath('POST', '/mcp/tools%2Fdelete').kind).toBe('invalid');
    expect(operationOfPath('POST', '/mcp/tools/a%5Cb').kind).toBe('invalid');
  });

  it('needs http:<path> for other requests with a body, and only a token for streams and teardown', () => {
    expect(operationOfPath('POST', '/admin/reset')).toMatchObject({ kind: 'scoped', scope: 'http:/admin/reset' });
    expect(operationOfPath('GET', '/mcp').kind).toBe('open');
    expect(operationOfPath('DELETE', '/mcp').kind).toBe('open');
  });

  it('refuses dot segments in resource paths and URIs', () => {
    expect(hasDotSegment('file:///docs/../etc/secret.txt')).toBe(true);
    expect(hasDotSegment('file:///docs/%2E%2E/etc')).toBe(true);
    expect(hasDotSegment('file:///docs/a..b.txt')).toBe(false);
    expect(
      operationOf({
        jsonrpc: '2.0',
        id: 1,
        method: 'resources/read',
        params: { uri: 'file:///docs/../etc/secret.txt' },
      }).kind,
    ).toBe('invalid');
    expect(operationOfPath('GET', '/api/resources/file:/docs/%2e%2e/etc').kind).toBe('invalid');
  });
});
