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

  it('lets nothing further while the audit log cannot be written', () => {
    const failing = fakeWorld();
    failing.services.auditLog = { write() {}, healthy: () => false, close() {} };
    expect(metadataStage(failing.services).run(fakeContext())).toMatchObject({ code: 'aip_audit_unavailable' });
    const serving = fakeWorld({ logging: { on_failure: 'continue' } });
    serving.services.auditLog = { write() {}, healthy: () => false, close() {} };
    expect(metadataStage(serving.services).run(fakeContext())).toBeUndefined();
  });
});
