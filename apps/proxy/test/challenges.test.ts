// The challenges as the MCP SDK's own client code reads them: fetch joins the header's values
// into one line, and extractWWWAuthenticateParams looks at its first scheme only.
import { extractWWWAuthenticateParams } from '@modelcontextprotocol/sdk/client/auth.js';
import { describe, expect, it } from 'vitest';
import { type ChallengeInput, challengesFor } from '../src/challenges.js';
import { fakeWorld } from './helpers/fake-context.js';

const METADATA = 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp';
const MAP = new Map([['mcp:delete', ['tool:delete']]]);

function asSdkSees(values: string[]) {
  const headers = new Headers();
  for (const value of values) headers.append('www-authenticate', value);
  return extractWWWAuthenticateParams(new Response(null, { status: 401, headers }));
}

function input(overrides: Partial<ChallengeInput>): ChallengeInput {
  return {
    status: 401,
    code: 'aip_token_missing',
    message: 'no token',
    metadataUrl: METADATA,
    oauth: undefined,
    ...overrides,
  };
}

describe('WWW-Authenticate challenges', () => {
  it('answers AIP clients with one AIP challenge naming the code and the metadata', () => {
    expect(challengesFor(input({}))).toEqual([
      `AIP realm="aip-proxy", error="aip_token_missing", resource_metadata="${METADATA}"`,
    ]);
    expect(challengesFor(input({ status: 403, code: 'aip_scope_insufficient' }))).toEqual([]);
  });

  it('leads with a Bearer challenge in OAuth mode, so SDK clients find the metadata through it', () => {
    const values = challengesFor(input({ oauth: MAP }));
    expect(values).toEqual([
      `Bearer resource_metadata="${METADATA}"`,
      `AIP realm="aip-proxy", error="aip_token_missing", resource_metadata="${METADATA}"`,
    ]);
    expect(asSdkSees(values).resourceMetadataUrl?.href).toBe(METADATA);
    // The order the proxy used to send them in: the SDK sees no Bearer challenge at all.
    expect(asSdkSees([...values].reverse()).resourceMetadataUrl).toBeUndefined();
  });

  it('says invalid_token only about a bearer token that was sent, quoting the message safely', () => {
    const [bearer] = challengesFor(
      input({ oauth: MAP, code: 'aip_audience_mismatch', message: 'for "another" \\ résumé', credential: 'bearer' }),
    );
    expect(bearer).toBe(
      `Bearer resource_metadata="${METADATA}", error="invalid_token", error_description="for 'another' ' r'sum'"`,
    );
    expect(asSdkSees([bearer as string]).error).toBe('invalid_token');
  });

  it('asks an OAuth client with too few scopes to step up, keeping what it was granted', () => {
    const world = fakeWorld();
    const principal = { ...world.principal(['tool:search']), kind: 'oauth' as const, oauthScope: ['mcp:read'] };
    const values = challengesFor(
      input({
        status: 403,
        code: 'aip_scope_insufficient',
        message: 'the token does not allow tool:delete',
        oauth: MAP,
        principal,
        missingScopes: ['tool:delete'],
      }),
    );
    expect(values).toHaveLength(1);
    const seen = asSdkSees(values);
    expect(seen).toMatchObject({ error: 'insufficient_scope', scope: 'mcp:read mcp:delete' });
    expect(seen.resourceMetadataUrl?.href).toBe(METADATA);
    // Nothing can grant it, or the caller is an AIP agent: no challenge to loop on.
    const unreachable = { status: 403, code: 'aip_scope_insufficient', oauth: MAP, principal };
    expect(challengesFor(input({ ...unreachable, missingScopes: ['resource:a b'] }))).toEqual([]);
    expect(challengesFor(input({ ...unreachable, principal: world.principal(['tool:search']) }))).toEqual([]);
  });
});
