// Unmodified MCP SDK OAuth clients (v1 and v2, authorization code flow with PKCE and dynamic
// registration, as desktop and IDE hosts use them) through aip-proxy in OAuth mode, against a
// local authorization server, connecting as `localhost` (with --public-url saying so) and as
// `127.0.0.1` (the default): discovery goes through the Bearer challenge to the path-aware
// metadata, a client with no preset scope gets a token that initializes, each missing scope is
// stepped up to after a 403, and a token for another resource is a 401 the client re-authorizes on.

import { resolveConfig } from '@aip/proxy';
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from '@modelcontextprotocol/client';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthorizationServer, startAuthorizationServer } from '../fixtures/jwks.js';
import { MemoryOAuthProvider } from '../fixtures/oauth-client.js';
import { principals, proxyDocument, type RunningProxy, startProxy } from '../fixtures/proxy.js';
import { startStatefulUpstream, type Upstream } from '../fixtures/upstreams.js';

const p = principals();
const SCOPE_MAP = { 'mcp:search': ['tool:search'], 'mcp:delete': ['tool:delete'] };

interface Exchange {
  method: string;
  url: string;
  status: number;
  challenge: string | null;
  body: string;
}

/** A fetch that records what the SDK sent to the proxy and what came back. */
function recordingFetch(proxyOrigin: string, log: Exchange[]): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const res = await fetch(input, init);
    const url = new URL(input instanceof Request ? input.url : input);
    if (url.origin === proxyOrigin) {
      const body = res.status >= 400 ? await res.clone().text() : '';
      log.push({
        method: init?.method ?? 'GET',
        url: `${url.pathname}${url.search}`,
        status: res.status,
        challenge: res.headers.get('www-authenticate'),
        body,
      });
    }
    return res;
  }) as typeof fetch;
}

/** One SDK generation's client, behind a common face. */
interface SdkClient {
  connect(): Promise<void>;
  finishAuth(code: string): Promise<void>;
  toolNames(): Promise<string[]>;
  call(name: string, args: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

function sdkClient(version: 'v1' | 'v2', url: URL, provider: MemoryOAuthProvider, fetchFn: typeof fetch): SdkClient {
  if (version === 'v1') {
    let client = new Client({ name: 'oauth-e2e', version: '1.0.0' });
    let transport = new StreamableHTTPClientTransport(url, { authProvider: provider as never, fetch: fetchFn });
    return {
      async connect() {
        client = new Client({ name: 'oauth-e2e', version: '1.0.0' });
        transport = new StreamableHTTPClientTransport(url, { authProvider: provider as never, fetch: fetchFn });
        await client.connect(transport);
      },
      finishAuth: (code) => transport.finishAuth(code),
      toolNames: async () => (await client.listTools()).tools.map((t) => t.name),
      call: async (name, args) =>
        ((await client.callTool({ name, arguments: args })).content as { text: string }[])[0]?.text ?? '',
      close: () => client.close(),
    };
  }
  let client = new ClientV2({ name: 'oauth-e2e', version: '2.0.0' });
  let transport = new TransportV2(url, { authProvider: provider as never, fetch: fetchFn });
  return {
    async connect() {
      client = new ClientV2({ name: 'oauth-e2e', version: '2.0.0' });
      transport = new TransportV2(url, { authProvider: provider as never, fetch: fetchFn });
      await client.connect(transport);
    },
    finishAuth: (code) => transport.finishAuth(code),
    toolNames: async () => (await client.listTools()).tools.map((t) => t.name),
    call: async (name, args) =>
      ((await client.callTool({ name, arguments: args })).content as { text: string }[])[0]?.text ?? '',
    close: () => client.close(),
  };
}

const unauthorized = (err: unknown) => err instanceof Error && /unauthori[sz]ed/i.test(`${err.name} ${err.message}`);

describe('unmodified SDK OAuth clients through aip-proxy', () => {
  let upstream: Upstream;
  let as: AuthorizationServer;
  let proxy: RunningProxy;
  let port: number;
  beforeAll(async () => {
    upstream = await startStatefulUpstream();
    as = await startAuthorizationServer('unused');
    proxy = await startProxy(
      upstream.url,
      [p.operator.did],
      {},
      { oauth: { issuer: as.issuer, jwks_uri: as.jwksUri, scope_map: SCOPE_MAP } },
    );
    port = Number(new URL(proxy.url).port);
  });
  afterAll(async () => {
    await proxy.close({ graceMs: 100 });
    await upstream.close();
    await as.close();
  });

  for (const version of ['v1', 'v2'] as const) {
    for (const host of ['localhost', '127.0.0.1'] as const) {
      it(`${version}, connecting as ${host}: discovery through the challenge, a token that initializes, step-ups after 403, 401 for another audience`, async () => {
        const base = `http://${host}:${port}`;
        // The resource the proxy advertises comes from --public-url; the default is the listen address.
        proxy.proxy.reload(
          resolveConfig(
            proxyDocument(upstream.url, [p.operator.did], {
              proxy: host === 'localhost' ? { public_url: base } : {},
              oauth: { issuer: as.issuer, jwks_uri: as.jwksUri, scope_map: SCOPE_MAP },
            }),
          ),
        );
        as.consent.clear();
        const log: Exchange[] = [];
        const provider = new MemoryOAuthProvider();
        const client = sdkClient(version, new URL(`${base}/mcp`), provider, recordingFetch(base, log));

        // 1. No token: the Bearer challenge leads the client to the path-aware metadata, and to the
        // authorization server it names; it asks for every scope the proxy lists.
        const first = await client.connect().then(
          () => undefined,
          (err: unknown) => err,
        );
        expect(unauthorized(first), String(first)).toBe(true);
        const metadataUrl = `${base}/.well-known/oauth-protected-resource/mcp`;
        expect(log[0]).toMatchObject({ method: 'POST', url: '/mcp', status: 401 });
        expect(log[0]?.challenge).toMatch(
          new RegExp(`^Bearer resource_metadata="${metadataUrl.replace(/[.]/g, '\\.')}"`),
        );
        expect(log.slice(1).map((e) => `${e.url} ${e.status}`)).toEqual([
          '/.well-known/oauth-protected-resource/mcp 200',
        ]);
        // Taken from the challenge (the SDKs record it only then), not found by probing.
        expect(provider.discoveries[0]?.resourceMetadataUrl).toBe(metadataUrl);
        expect(provider.discoveries[0]?.resourceMetadata).toMatchObject({
          resource: `${base}/mcp`,
          scopes_supported: ['mcp:search', 'mcp:delete'],
        });
        const authorization = provider.authorizations.at(-1) as URL;
        expect(authorization.searchParams.get('scope')).toBe('mcp:search mcp:delete');
        expect(authorization.searchParams.get('resource')).toBe(`${base}/mcp`);

        // 2. The user approves nothing: the token still initializes, and lists nothing.
        await client.finishAuth(await provider.authorize());
        await client.connect();
        expect(await client.toolNames()).toEqual([]);

        // 3. Step up: a 403 names the scope to ask for; the user approves it; the call goes through.
        for (const [tool, scope, asked] of [
          ['search', 'mcp:search', 'mcp:search'],
          ['delete', 'mcp:delete', 'mcp:search mcp:delete'],
        ] as const) {
          as.consent.add(scope);
          const refused = await client.call(tool, tool === 'search' ? { q: 'x' } : { path: '/tmp' }).then(
            () => undefined,
            (err: unknown) => err,
          );
          expect(unauthorized(refused), String(refused)).toBe(true);
          const forbidden = log.filter((e) => e.status === 403).at(-1);
          expect(forbidden?.challenge).toMatch(
            new RegExp(`^Bearer error="insufficient_scope", scope="${asked}", resource_metadata="`),
          );
          expect(JSON.parse(forbidden?.body ?? '{}')).toMatchObject({ error: { code: 'aip_scope_insufficient' } });
          expect(provider.authorizations.at(-1)?.searchParams.get('scope')).toBe(asked);
          await client.finishAuth(await provider.authorize());
          expect(await client.call(tool, tool === 'search' ? { q: 'x' } : { path: '/tmp' })).toMatch(
            tool === 'search' ? 'results for x' : 'deleted /tmp',
          );
        }
        expect(await client.toolNames()).toEqual(['search', 'delete']);

        // 4. A token issued for another resource is invalid here: 401, and the client re-authorizes.
        provider.useTokens(
          await as.sign({ sub: 'user-1', scope: 'mcp:search' }, { audience: 'http://127.0.0.1:1/mcp' }),
          as.issuer,
        );
        const foreign = await client.call('search', { q: 'y' }).then(
          () => undefined,
          (err: unknown) => err,
        );
        expect(unauthorized(foreign), String(foreign)).toBe(true);
        const last401 = log.filter((e) => e.status === 401).at(-1);
        expect(last401?.challenge).toMatch(/^Bearer resource_metadata="[^"]+", error="invalid_token"/);
        expect(JSON.parse(last401?.body ?? '{}')).toMatchObject({ error: { code: 'aip_audience_mismatch' } });
        // The proxy was never asked for authorization-server documents.
        expect(log.some((e) => /oauth-authorization-server|openid-configuration|register/.test(e.url))).toBe(false);
        await client.close().catch(() => undefined);
      });
    }
  }

  it('is refused by the SDK when reached under another name than --public-url says (why it must be set)', async () => {
    proxy.proxy.reload(
      resolveConfig(
        proxyDocument(upstream.url, [p.operator.did], {
          oauth: { issuer: as.issuer, jwks_uri: as.jwksUri, scope_map: SCOPE_MAP },
        }),
      ),
    );
    const provider = new MemoryOAuthProvider();
    const client = sdkClient('v1', new URL(`http://localhost:${port}/mcp`), provider, fetch);
    await expect(client.connect()).rejects.toThrow(
      `Protected resource http://127.0.0.1:${port}/mcp does not match expected http://localhost:${port}/mcp`,
    );
  });

  it('answers authorization-server probes with 404, not 401, and sends AIP agents a Bearer token of their own', async () => {
    for (const [method, path] of [
      ['GET', '/.well-known/oauth-authorization-server'],
      ['GET', '/.well-known/openid-configuration'],
      ['POST', '/register'],
    ] as const)
      expect((await fetch(`${proxy.url}${path}`, { method })).status, path).toBe(404);
    // An AIP token in the Bearer field (what a client's "bearer token" box sends) is an AIP token.
    const client = new Client({ name: 'bearer-aip', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${proxy.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${p.token(['tool:search'])}` } },
      }),
    );
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['search']);
    await client.close();
    expect(proxy.audit.at(-1)).toMatchObject({ subject: p.agent.did });
    void UnauthorizedError;
  });
});
