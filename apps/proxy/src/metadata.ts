// OAuth 2.0 Protected Resource Metadata (RFC 9728) for the proxied server, with the AIP details a
// client needs: where the token goes, whether proofs are expected, which issuers are trusted. The
// resource identifiers are built from the configured public URL (never from Host): the root
// document describes the public URL, the path-aware one (`/.well-known/oauth-protected-resource/mcp`)
// the MCP endpoint at that path — what MCP clients take as the server's canonical URI.

export const METADATA_PATH = '/.well-known/oauth-protected-resource';

/**
 * The resource path a metadata request names: `''` for the root document, `/mcp` for
 * `/.well-known/oauth-protected-resource/mcp` when `/mcp` (or `/mcp/`) is an MCP endpoint;
 * `undefined` for any other path.
 *
 * @example
 * ```ts
 * metadataResourcePath('/.well-known/oauth-protected-resource/mcp', ['/mcp']); // '/mcp'
 * ```
 */
export function metadataResourcePath(path: string, mcpPaths: readonly string[]): string | undefined {
  if (path === METADATA_PATH) return '';
  if (!path.startsWith(`${METADATA_PATH}/`)) return undefined;
  const resource = path.slice(METADATA_PATH.length);
  // Clients strip a trailing slash before inserting the well-known segment (RFC 9728 §3.1).
  return mcpPaths.some((p) => p === resource || p === `${resource}/`) ? resource : undefined;
}

/**
 * The metadata URL a challenge names for a request on `path`: the path-aware document for an MCP
 * endpoint, the root one otherwise.
 *
 * @example
 * ```ts
 * metadataUrlFor('https://mcp.example.com', '/mcp', ['/mcp']); // https://mcp.example.com/.well-known/oauth-protected-resource/mcp
 * ```
 */
export function metadataUrlFor(publicBase: string, path: string | undefined, mcpPaths: readonly string[]): string {
  if (path === undefined || !mcpPaths.includes(path)) return `${publicBase}${METADATA_PATH}`;
  return `${publicBase}${METADATA_PATH}${path.replace(/\/+$/, '')}`;
}

/**
 * Every resource identifier the proxy advertises: the public URL, and the public URL of each MCP
 * endpoint. An OAuth access token issued for any of them is for this resource.
 *
 * @example
 * ```ts
 * resourceIdentifiers('https://mcp.example.com', ['/mcp']); // ['https://mcp.example.com', 'https://mcp.example.com/mcp']
 * ```
 */
export function resourceIdentifiers(publicBase: string, mcpPaths: readonly string[]): string[] {
  const out = new Set([publicBase]);
  for (const path of mcpPaths) out.add(`${publicBase}${path.replace(/\/+$/, '')}`);
  return [...out];
}

/**
 * Whether `path` is one an authorization server would serve (RFC 8414 and OpenID discovery
 * documents, dynamic client registration): the proxy is only a protected resource, so these
 * answer 404 without a token, and clients stop looking for an authorization server here.
 *
 * @example
 * ```ts
 * isAuthorizationServerPath('/.well-known/oauth-authorization-server'); // true
 * ```
 */
export function isAuthorizationServerPath(path: string): boolean {
  for (const name of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration'])
    if (path === name || path.startsWith(`${name}/`)) return true;
  return path.endsWith('/.well-known/openid-configuration') || path === '/register';
}

/**
 * The metadata document served at {@link METADATA_PATH} (and its path-aware variants).
 *
 * @example
 * ```ts
 * protectedResourceMetadata('https://mcp.example.com/mcp', ['did:key:z6Mk...'], { proofRequired: true });
 * ```
 */
export function protectedResourceMetadata(
  resource: string,
  trustedIssuers: readonly string[],
  options: {
    proofRequired?: boolean;
    authorizationServers?: readonly string[];
    /** OAuth scopes a client may request (the `scope_map` keys). */
    scopesSupported?: readonly string[];
    /** The identifier AIP tokens and proofs must name, when it is not `resource`. */
    aipAudience?: string;
  } = {},
): Record<string, unknown> {
  const servers = options.authorizationServers ?? [];
  const scopes = options.scopesSupported ?? [];
  return {
    resource,
    ...(servers.length > 0 ? { authorization_servers: servers } : {}),
    ...(scopes.length > 0 ? { scopes_supported: scopes } : {}),
    bearer_methods_supported: ['header'],
    resource_name: 'MCP server protected by aip-proxy',
    aip_token_header: 'X-AIP-Token',
    aip_authorization_scheme: 'AIP',
    aip_audience: options.aipAudience ?? resource,
    aip_proof_header: 'X-AIP-Proof',
    aip_proof_required: options.proofRequired === true,
    aip_trusted_issuers: trustedIssuers,
    aip_scope_syntax:
      'tool:<name> | resource:<uri> | prompt:<name> | rpc:<method>; trailing * after : . or / matches any continuation',
  };
}
