import { describe, expect, it } from 'vitest';
import { checkStandardHeaders, decodeHeaderValue, isModernRevision } from '../src/index.js';

const call = { jsonrpc: '2.0' as const, id: 1, method: 'tools/call', params: { name: 'search' } };

describe('2026-07-28 standard headers', () => {
  it('accepts headers that mirror the body', () => {
    expect(
      checkStandardHeaders({ protocolVersion: '2026-07-28', mcpMethod: 'tools/call', mcpName: 'search' }, call),
    ).toBeUndefined();
    expect(checkStandardHeaders({ mcpMethod: 'tools/call', mcpName: '=?base64?c2VhcmNo?=' }, call)).toBeUndefined();
  });

  it('rejects a method or name that disagrees with the body', () => {
    expect(checkStandardHeaders({ mcpMethod: 'tools/list' }, call)).toMatch(/Mcp-Method/);
    expect(checkStandardHeaders({ mcpMethod: 'tools/call', mcpName: 'delete' }, call)).toMatch(/Mcp-Name/);
    expect(checkStandardHeaders({ mcpMethod: 'tools/call', mcpName: '=?base64?ZGVsZXRl?=' }, call)).toMatch(/Mcp-Name/);
    expect(checkStandardHeaders({ mcpMethod: 'tools/call', mcpName: '=?base64?not base64?=' }, call)).toMatch(
      /invalid/,
    );
    const read = { jsonrpc: '2.0' as const, id: 2, method: 'resources/read', params: { uri: 'file:///a' } };
    expect(checkStandardHeaders({ mcpMethod: 'resources/read', mcpName: 'file:///b' }, read)).toMatch(/params.uri/);
  });

  it('requires the headers on modern requests but not on legacy ones or notifications', () => {
    expect(checkStandardHeaders({ protocolVersion: '2026-07-28' }, call)).toMatch(/required/);
    expect(checkStandardHeaders({ protocolVersion: '2026-07-28', mcpMethod: 'tools/call' }, call)).toMatch(/required/);
    expect(checkStandardHeaders({ protocolVersion: '2025-06-18' }, call)).toBeUndefined();
    expect(
      checkStandardHeaders(
        { protocolVersion: '2026-07-28' },
        { jsonrpc: '2.0' as const, method: 'notifications/initialized' },
      ),
    ).toBeUndefined();
  });

  it('decodes the base64 sentinel strictly', () => {
    expect(decodeHeaderValue('plain')).toBe('plain');
    expect(decodeHeaderValue('=?base64?w6k=?=')).toBe('é');
    expect(decodeHeaderValue('=?base64?w6k?=')).toBeUndefined();
    expect(isModernRevision('2026-07-28')).toBe(true);
    expect(isModernRevision('2025-11-25')).toBe(false);
    expect(isModernRevision(undefined)).toBe(false);
  });
});
