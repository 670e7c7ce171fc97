// The correspondence between OAuth scopes and AIP scopes (`[oauth] scope_map`), both ways: what an
// access token's scopes grant here, and which OAuth scope a client should ask for to be granted a
// missing AIP scope (the step-up of RFC 6750 §3.1 `insufficient_scope`).
import { isValidScope, scopeAllows } from '@aip/token';

/** `scope_map`: OAuth scope -> the AIP scope patterns it grants. */
export type ScopeMap = ReadonlyMap<string, readonly string[]>;

// RFC 6749 §3.3 scope-token: %x21 / %x23-5B / %x5D-7E (printable ASCII, no space, `"` or `\`).
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** Whether `value` can be an OAuth scope (and so be requested, or appear in a challenge). */
export function isOAuthScopeToken(value: string): boolean {
  return value.length <= 256 && SCOPE_TOKEN.test(value);
}

/**
 * The OAuth scopes an access token grants: its `scope` claim (space-separated, RFC 9068) or a
 * `scp` list, whatever the authorization server used.
 *
 * @example
 * ```ts
 * grantedOAuthScopes('mcp:search openid'); // ['mcp:search', 'openid']
 * ```
 */
export function grantedOAuthScopes(claim: unknown): string[] {
  const granted =
    typeof claim === 'string'
      ? claim.split(' ')
      : Array.isArray(claim)
        ? claim.filter((s): s is string => typeof s === 'string')
        : [];
  return [...new Set(granted.filter((s) => s !== ''))];
}

/**
 * The AIP scopes granted OAuth scopes stand for: each one's `scope_map` entry, or itself when it
 * is an AIP scope; anything else (`openid`, ...) grants nothing here.
 *
 * @example
 * ```ts
 * aipScopesOf(['mcp:search', 'tool:fetch', 'openid'], new Map([['mcp:search', ['tool:search']]]));
 * // ['tool:search', 'tool:fetch']
 * ```
 */
export function aipScopesOf(granted: readonly string[], scopeMap: ScopeMap): string[] {
  const out = new Set<string>();
  for (const scope of granted) {
    const mapped = scopeMap.get(scope);
    if (mapped !== undefined) for (const s of mapped) out.add(s);
    else if (isValidScope(scope)) out.add(scope);
  }
  return [...out];
}

/**
 * The OAuth scope to request for a missing AIP scope: the first `scope_map` entry (in table order)
 * whose patterns name it exactly, else the first whose patterns cover it, else the AIP scope
 * itself when it can be an OAuth scope (AIP scopes map to themselves); `undefined` when nothing can.
 *
 * @example
 * ```ts
 * oauthScopeFor('tool:github.create_issue', new Map([['mcp:github', ['tool:github.*']]])); // 'mcp:github'
 * ```
 */
export function oauthScopeFor(aipScope: string, scopeMap: ScopeMap): string | undefined {
  let covering: string | undefined;
  for (const [oauth, patterns] of scopeMap) {
    if (!isOAuthScopeToken(oauth)) continue;
    if (patterns.includes(aipScope)) return oauth;
    if (covering === undefined && scopeAllows(patterns, aipScope)) covering = oauth;
  }
  if (covering !== undefined) return covering;
  return isOAuthScopeToken(aipScope) && isValidScope(aipScope) ? aipScope : undefined;
}
