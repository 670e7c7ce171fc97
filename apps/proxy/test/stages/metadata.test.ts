import { describe, expect, it } from 'vitest';
import { ANSWERED } from '../../src/pipeline/stage.js';
import { metadataStage } from '../../src/pipeline/stages/metadata.js';
import { fakeContext, fakeWorld } from '../helpers/fake-context.js';

describe('stage metadata', () => {
  const world = fakeWorld();
  const stage = metadataStage(world.services);

  it('reads the target once into its canonical form and lets the request go on', () => {
    const ctx = fakeContext({ url: '/mcp/TOOLS/%73earch?sessionId=a%2Bb' });
    expect(stage.run(ctx)).toBeUndefined();
    expect(ctx.target).toMatchObject({
      segments: ['mcp', 'TOOLS', 'search'],
      path: '/mcp/TOOLS/search',
      query: [['sessionId', 'a+b']],
    });
  });

  it('refuses targets two routers could read differently', () => {
    for (const url of [
      'http://upstream/admin/reset',
      '//evil/mcp',
      '/mcp/../admin',
      '/mcp//tools',
      '/a%2Fb',
      '/a;b',
      '/a%00',
      '*',
    ]) {
      expect(stage.run(fakeContext({ url })), url).toMatchObject({ code: 'aip_request_invalid' });
    }
  });

  it('answers the protected resource metadata itself, from the configured public URL', () => {
    const ctx = fakeContext({
      method: 'GET',
      url: '/.well-known/oauth-protected-resource',
      headers: { host: 'evil.example' },
    });
    expect(stage.run(ctx)).toBe(ANSWERED);
    expect(world.respond.sent.at(-1)).toMatchObject({
      resource: 'https://mcp.example.com',
      aip_trusted_issuers: [world.operator.did],
    });
    expect(JSON.stringify(world.respond.sent.at(-1))).not.toContain('evil.example');
    expect(stage.run(fakeContext({ method: 'POST', url: '/.well-known/oauth-protected-resource' }))).toMatchObject({
      code: 'aip_method_not_allowed',
    });
  });

  it('serves the path-aware document of each MCP endpoint, for the resource at that path', () => {
    const oauth = fakeWorld({
      oauth: {
        issuer: 'https://as.example.com',
        jwks_uri: 'https://as.example.com/jwks',
        scope_map: { 'mcp:read': ['tool:search'], 'mcp:write': ['tool:delete'] },
      },
      proxy: { audience: 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK' },
    });
    oauth.services.audience = () => 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
    const run = metadataStage(oauth.services);
    for (const [url, resource] of [
      ['/.well-known/oauth-protected-resource/mcp', 'https://mcp.example.com/mcp'],
      ['/.well-known/oauth-protected-resource/messages', 'https://mcp.example.com/messages'],
      ['/.well-known/oauth-protected-resource', 'https://mcp.example.com'],
    ] as const) {
      expect(run.run(fakeContext({ method: 'GET', url }))).toBe(ANSWERED);
      expect(oauth.respond.sent.at(-1)).toMatchObject({
        resource,
        authorization_servers: ['https://as.example.com'],
        scopes_supported: ['mcp:read', 'mcp:write'],
        aip_audience: 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK',
      });
    }
  });

  it('answers 404, without a token, what only an authorization server serves, and unknown metadata paths', () => {
    for (const [method, url] of [
      ['GET', '/.well-known/oauth-authorization-server'],
      ['GET', '/.well-known/oauth-authorization-server/mcp'],
      ['GET', '/.well-known/openid-configuration'],
      ['GET', '/mcp/.well-known/openid-configuration'],
      ['POST', '/register'],
      ['GET', '/.well-known/oauth-protected-resource/admin'],
    ] as const) {
      const ctx = fakeContext({ method, url });
      expect(stage.run(ctx), url).toBe(ANSWERED);
      expect((ctx.res as unknown as { written(): { status: number } }).written().status, url).toBe(404);
      expect(world.respond.sent.at(-1)).toMatchObject({ error: 'not_found' });
    }
  });

  it('lets nothing further while the audit log cannot be written', () => {
    const failing = fakeWorld();
    failing.services.auditLog = { write() {}, healthy: () => false, close() {} };
    expect(metadataStage(failing.services).run(fakeContext())).toMatchObject({ code: 'aip_audit_unavailable' });
    const serving = fakeWorld({ logging: { on_failure: 'continue' } });
    serving.services.auditLog = { write() {}, healthy: () => false, close() {} };
    expect(metadataStage(serving.services).run(fakeContext())).toBeUndefined();
  });
});

describe('stage metadata, health', () => {
  it('answers liveness at once and readiness from the checks, without a token', async () => {
    const world = fakeWorld();
    let ready = true;
    world.services.health = {
      ready: () => Promise.resolve({ ready, checks: { upstream: ready ? 'ok' : 'unreachable (ECONNREFUSED)' } }),
    };
    const stage = metadataStage(world.services);
    const live = fakeContext({ method: 'GET', url: '/healthz' });
    expect(stage.run(live)).toBe(ANSWERED);
    expect(world.respond.sent.at(-1)).toEqual({ status: 'ok' });
    expect(await stage.run(fakeContext({ method: 'GET', url: '/readyz' }))).toBe(ANSWERED);
    expect(world.respond.sent.at(-1)).toEqual({ status: 'ready', checks: { upstream: 'ok' } });
    ready = false;
    const notReady = fakeContext({ method: 'GET', url: '/readyz' });
    await stage.run(notReady);
    expect((notReady.res as unknown as { written(): { status: number } }).written().status).toBe(503);
    expect(stage.run(fakeContext({ method: 'POST', url: '/healthz' }))).toMatchObject({
      code: 'aip_method_not_allowed',
    });
  });

  it("marks a request for the A2A agent's endpoint with the agent's identity, and nothing else", () => {
    const agentDid = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
    const a2a = fakeWorld({ a2a: { agent_did: agentDid, paths: ['/a2a/jsonrpc'] } });
    const a2aStage = metadataStage(a2a.services);
    const endpoint = fakeContext({ url: '/a2a/jsonrpc' });
    expect(a2aStage.run(endpoint)).toBeUndefined();
    expect(endpoint.agent).toBe(agentDid);
    const other = fakeContext({ url: '/mcp' });
    expect(a2aStage.run(other)).toBeUndefined();
    expect(other.agent).toBeUndefined();
    const plain = fakeContext({ url: '/a2a/jsonrpc' });
    expect(metadataStage(fakeWorld().services).run(plain)).toBeUndefined();
    expect(plain.agent).toBeUndefined();
  });

  it('hands a request for the agent card to the card route, before any token is asked for', async () => {
    const agentDid = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
    const a2a = fakeWorld({ a2a: { agent_did: agentDid, paths: ['/a2a'] } });
    const served: string[] = [];
    a2a.services.agentCards.serve = (ctx) => {
      served.push(ctx.target?.path ?? '');
      return Promise.resolve(ANSWERED);
    };
    const ctx = fakeContext({ method: 'GET', url: '/.well-known/agent-card.json' });
    expect(await metadataStage(a2a.services).run(ctx)).toBe(ANSWERED);
    expect(served).toEqual(['/.well-known/agent-card.json']);
  });
});
