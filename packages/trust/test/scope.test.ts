import { describe, expect, it } from 'vitest';
import { assertScope, coveringScopes, isValidScope, scopeCovers } from '../src/index.js';

describe('isValidScope', () => {
  it('accepts *, kind:name and wildcards after a separator', () => {
    for (const scope of [
      '*',
      'tool:search',
      'tool:*',
      'tool:github.*',
      'resource:file:///a/*',
      'prompt:x',
      'x-y_z:1',
    ]) {
      expect(isValidScope(scope), scope).toBe(true);
    }
  });

  it('refuses misplaced wildcards, missing parts, whitespace, controls and oversize scopes', () => {
    for (const scope of [
      '',
      'tool',
      ':x',
      'tool:',
      'Tool:x',
      'tool:git*',
      'tool:*x',
      'tool:a.*.b',
      '**',
      'tool:a b',
      'tool:a\u0000',
      'tool:a\u2028',
      `tool:${'a'.repeat(300)}`,
      42,
      null,
    ]) {
      expect(isValidScope(scope), String(scope)).toBe(false);
    }
  });

  it('throws aip_scope_invalid from assertScope', () => {
    expect(() => assertScope('tool:git*')).toThrow(expect.objectContaining({ code: 'aip_scope_invalid' }));
  });
});

describe('scope coverage', () => {
  it('covers exactly what the matcher of DESIGN §3 matches', () => {
    expect(scopeCovers('*', 'tool:search')).toBe(true);
    expect(scopeCovers('tool:*', 'tool:search')).toBe(true);
    expect(scopeCovers('tool:github.*', 'tool:github.create_issue')).toBe(true);
    expect(scopeCovers('tool:github.*', 'tool:githubx')).toBe(false);
    expect(scopeCovers('tool:search', 'tool:search_v2')).toBe(false);
    expect(scopeCovers('tool:search', 'tool:*')).toBe(false);
    expect(scopeCovers('resource:*', 'tool:search')).toBe(false);
  });

  it('lists the covering layers of a scope, and they agree with scopeCovers', () => {
    expect(coveringScopes('tool:github.create_issue')).toEqual([
      'tool:github.create_issue',
      '*',
      'tool:*',
      'tool:github.*',
    ]);
    expect(coveringScopes('*')).toEqual(['*']);
    expect(coveringScopes('tool:*')).toEqual(['tool:*', '*']);
    for (const requested of ['resource:file:///a/b.txt', 'tool:a.b.c', 'tool:a.*']) {
      for (const granted of coveringScopes(requested)) expect(scopeCovers(granted, requested)).toBe(true);
    }
  });
});
