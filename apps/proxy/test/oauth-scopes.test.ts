import { describe, expect, it } from 'vitest';
import { aipScopesOf, grantedOAuthScopes, isOAuthScopeToken, oauthScopeFor } from '../src/oauth-scopes.js';

const MAP = new Map<string, string[]>([
  ['mcp:read', ['tool:search', 'resource:file:///docs/*']],
  ['mcp:github', ['tool:github.*']],
  ['mcp:issues', ['tool:github.create_issue']],
  ['mcp:admin', ['*']],
]);

describe('OAuth scopes and AIP scopes', () => {
  it('reads the scope claim as a string or a list, without duplicates', () => {
    expect(grantedOAuthScopes('mcp:read  openid mcp:read')).toEqual(['mcp:read', 'openid']);
    expect(grantedOAuthScopes(['mcp:read', 7, 'tool:x'])).toEqual(['mcp:read', 'tool:x']);
    expect(grantedOAuthScopes(undefined)).toEqual([]);
  });

  it('maps granted scopes through scope_map, keeps AIP scopes as they are and drops the rest', () => {
    expect(aipScopesOf(['mcp:read', 'tool:fetch', 'openid', 'profile'], MAP)).toEqual([
      'tool:search',
      'resource:file:///docs/*',
      'tool:fetch',
    ]);
    expect(aipScopesOf([], MAP)).toEqual([]);
  });

  it('asks for the entry naming a missing scope exactly, else the first covering it, else the scope itself', () => {
    expect(oauthScopeFor('tool:github.create_issue', MAP)).toBe('mcp:issues');
    expect(oauthScopeFor('tool:github.list', MAP)).toBe('mcp:github');
    expect(oauthScopeFor('tool:search', MAP)).toBe('mcp:read');
    expect(oauthScopeFor('tool:delete', new Map())).toBe('tool:delete');
    // A scope no OAuth scope could carry (a space) cannot be asked for.
    expect(oauthScopeFor('resource:file:///a b', new Map())).toBeUndefined();
    expect(isOAuthScopeToken('a"b')).toBe(false);
  });
});
