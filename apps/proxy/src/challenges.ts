// WWW-Authenticate challenges (RFC 9110 §11.6.1), one per scheme. In OAuth mode the `Bearer`
// challenge (RFC 6750 §3, RFC 9728 §5.1) comes first: MCP SDK clients read the header as one line
// (fetch joins the values with ", ") and look only at its first scheme, so the Bearer one must lead
// for them to find `resource_metadata`, `error` and `scope`. A 403 for a missing scope carries
// `error="insufficient_scope"` with the OAuth scopes to ask for, so a client can step up.

import { isOAuthScopeToken, oauthScopeFor, type ScopeMap } from './oauth-scopes.js';
import type { Principal } from './principal.js';

/** What a refusal's challenges are built from. */
export interface ChallengeInput {
  status: number;
  /** The AIP code of the refusal. */
  code: string;
  message: string;
  /** The metadata URL for the request's path (see metadataUrlFor). */
  metadataUrl: string;
  /** `scope_map` in OAuth mode; `undefined` when the proxy takes AIP tokens only. */
  oauth: ScopeMap | undefined;
  /** How the request presented its credential, if it did. */
  credential?: 'aip' | 'bearer' | undefined;
  principal?: Principal | undefined;
  /** The AIP scopes the request lacks (403 `aip_scope_insufficient`). */
  missingScopes?: readonly string[] | undefined;
}

// A quoted-string holds printable ASCII without `"` and `\` here: nothing needs escaping, and Node
// refuses header values with other characters.
function quoted(value: string, max = 200): string {
  return `"${value.replace(/[^\x20-\x7e]|["\\]/g, "'").slice(0, max)}"`;
}

/**
 * The `WWW-Authenticate` values of a refusal, in order (empty: none).
 *
 * @example
 * ```ts
 * challengesFor({ status: 401, code: 'aip_token_missing', message: 'no token', metadataUrl, oauth: undefined });
 * // ['AIP realm="aip-proxy", error="aip_token_missing", resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp"']
 * ```
 */
export function challengesFor(input: ChallengeInput): string[] {
  const metadata = `resource_metadata=${quoted(input.metadataUrl, 2048)}`;
  if (input.status === 401) {
    const aip = `AIP realm="aip-proxy", error=${quoted(input.code)}, ${metadata}`;
    if (input.oauth === undefined) return [aip];
    // RFC 6750 §3.1: no error code when the request carried no bearer token.
    const bearer =
      input.credential === 'bearer'
        ? `Bearer ${metadata}, error="invalid_token", error_description=${quoted(input.message)}`
        : `Bearer ${metadata}`;
    return [bearer, aip];
  }
  if (input.status === 403 && input.code === 'aip_scope_insufficient' && input.oauth !== undefined) {
    if (input.principal?.kind !== 'oauth') return [];
    const wanted = new Set<string>();
    for (const missing of input.missingScopes ?? []) {
      const scope = oauthScopeFor(missing, input.oauth);
      if (scope !== undefined) wanted.add(scope);
    }
    // Nothing to ask for: a challenge would only send the client round the same loop.
    if (wanted.size === 0) return [];
    // The scopes already granted stay in the request, so stepping up loses none (MCP authorization).
    const scope = [...new Set([...(input.principal.oauthScope ?? []), ...wanted])].filter(isOAuthScopeToken).slice(-64);
    return [
      `Bearer error="insufficient_scope", scope="${scope.join(' ')}", ${metadata}, error_description=${quoted(input.message)}`,
    ];
  }
  return [];
}
