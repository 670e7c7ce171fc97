// OAuth 2.0 Protected Resource Metadata (RFC 9728) for the proxied server, with the AIP details a
// client needs: where the token goes, whether proofs are expected, which issuers are trusted.

export const METADATA_PATH = '/.well-known/oauth-protected-resource';

/**
 * The metadata document served at {@link METADATA_PATH}.
 *
 * @example
 * ```ts
 * protectedResourceMetadata('https://mcp.example.com', ['did:key:z6Mk...'], { proofRequired: true });
 * ```
 */
export function protectedResourceMetadata(
  resource: string,
  trustedIssuers: readonly string[],
  options: { proofRequired?: boolean; authorizationServers?: readonly string[] } = {},
): Record<string, unknown> {
  const servers = options.authorizationServers ?? [];
  return {
    resource,
    ...(servers.length > 0 ? { authorization_servers: servers } : {}),
    bearer_methods_supported: ['header'],
    resource_name: 'MCP server protected by aip-proxy',
    aip_token_header: 'X-AIP-Token',
    aip_authorization_scheme: 'AIP',
    aip_proof_header: 'X-AIP-Proof',
    aip_proof_required: options.proofRequired === true,
    aip_trusted_issuers: trustedIssuers,
    aip_scope_syntax:
      'tool:<name> | resource:<uri> | prompt:<name> | rpc:<method>; trailing * after : . or / matches any continuation',
  };
}
