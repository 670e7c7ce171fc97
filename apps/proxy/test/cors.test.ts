import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/resolve.js';
import { corsResponseHeaders, isPreflight, preflightHeaders } from '../src/cors.js';
import { ANSWERED } from '../src/pipeline/stage.js';
import { metadataStage } from '../src/pipeline/stages/metadata.js';
import { clientHeaders } from '../src/upstream/forward-headers.js';
import { fakeContext, fakeWorld, type Written } from './helpers/fake-context.js';

const KEY = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
const APP = 'https://app.example.com';
const cors = (origins: string[]) => {
  const config = resolveConfig({ proxy: { trust_keys: [KEY] }, cors: { allowed_origins: origins } }).cors;
  if (config === undefined) throw new Error('no [cors]');
  return config;
};
const written = (ctx: ReturnType<typeof fakeContext>): Written =>
  (ctx.res as unknown as { written(): Written }).written();

describe('CORS', () => {
  it('takes origins as browsers send them, or "*", and nothing else', () => {
    expect(cors([APP, 'http://localhost:5173', '*']).allowed_origins).toEqual([APP, 'http://localhost:5173', '*']);
    for (const bad of [
      'https://app.example.com/',
      'https://app.example.com/mcp',
      'app.example.com',
      'HTTPS://APP.example.com',
    ])
      expect(() => cors([bad]), bad).toThrow('cors.allowed_origins[0]');
    expect(() => resolveConfig({ proxy: { trust_keys: [KEY] }, cors: {} })).toThrow(
      'cors.allowed_origins: is required',
    );
  });

  it('lets an allowed origin read the session id, the challenges and the proxy headers; others nothing', () => {
    const config = cors([APP]);
    expect(corsResponseHeaders(config, APP)).toEqual({
      'access-control-allow-origin': APP,
      'access-control-expose-headers':
        'mcp-session-id, mcp-protocol-version, www-authenticate, retry-after, x-aip-request-id, x-aip-audit',
      vary: 'Origin',
    });
    expect(corsResponseHeaders(config, 'https://evil.example')).toBeUndefined();
    expect(corsResponseHeaders(cors(['*']), 'https://any.example')).toMatchObject({
      'access-control-allow-origin': '*',
    });
  });

  it('answers a preflight for MCP methods and headers, and any well-formed header asked for', () => {
    const headers = {
      origin: APP,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'X-AIP-Token, x-custom, bad header, mcp-session-id',
    };
    expect(isPreflight('OPTIONS', headers)).toBe(true);
    expect(isPreflight('OPTIONS', { origin: APP })).toBe(false);
    const answer = preflightHeaders(cors([APP]), headers);
    expect(answer?.['access-control-allow-methods']).toBe('GET, POST, DELETE, OPTIONS');
    expect(String(answer?.['access-control-allow-headers']).split(', ')).toEqual(
      expect.arrayContaining(['authorization', 'x-aip-token', 'x-aip-proof', 'mcp-protocol-version', 'x-custom']),
    );
    expect(answer?.['access-control-allow-headers']).not.toContain('bad header');
    expect(answer?.['access-control-max-age']).toBe('600');
    expect(preflightHeaders(cors([APP]), { ...headers, origin: 'https://evil.example' })).toBeUndefined();
  });

  it("leaves CORS to the proxy: the upstream's own CORS headers never reach the client", () => {
    expect(
      clientHeaders(
        { 'access-control-allow-origin': '*', 'access-control-allow-credentials': 'true', 'x-up': '1' },
        true,
      ),
    ).toEqual({ 'x-up': '1' });
  });
});

describe('stage metadata, CORS', () => {
  const world = fakeWorld({ cors: { allowed_origins: [APP], max_age_seconds: 60 } });
  const stage = metadataStage(world.services);

  it('answers a preflight from an allowed origin without a token', () => {
    const ctx = fakeContext({
      method: 'OPTIONS',
      url: '/mcp',
      headers: { origin: APP, 'access-control-request-method': 'POST' },
    });
    expect(stage.run(ctx)).toBe(ANSWERED);
    expect(written(ctx)).toMatchObject({
      status: 204,
      headers: { 'access-control-allow-origin': APP, 'access-control-max-age': '60' },
    });
  });

  it('lets a preflight from another origin go on (to be refused for want of a token)', () => {
    const ctx = fakeContext({
      method: 'OPTIONS',
      url: '/mcp',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(stage.run(ctx)).toBeUndefined();
    expect(ctx.res.getHeader('access-control-allow-origin')).toBeUndefined();
  });

  it('marks every later response to an allowed origin readable, a refusal included', () => {
    const ctx = fakeContext({ method: 'POST', url: '/mcp', headers: { origin: APP } });
    expect(stage.run(ctx)).toBeUndefined();
    ctx.res.writeHead(401, { 'www-authenticate': 'AIP realm="aip-proxy"' });
    expect(written(ctx).headers).toMatchObject({
      'access-control-allow-origin': APP,
      'www-authenticate': 'AIP realm="aip-proxy"',
    });
  });
});
